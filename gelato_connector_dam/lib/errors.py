"""What a call to a DAM can end with."""


class DamError(Exception):
    """A DAM call that failed.

    :param str code: ``auth`` (credentials refused), ``token`` (a token could not be refreshed),
        ``unreachable`` (network, timeout), ``tls`` (a certificate not verified), ``rate_limited`` (429 after the retries), ``http``
        (another error status), ``bad_answer`` (not what the API documents), ``too_big`` (a
        file over the download limit), ``not_found``.
    :param bool retryable: whether the same call may succeed later.
    :param str detail: the DAM's own message or the exception's class, never a secret.
    :param int status: the HTTP status, when there was an answer.
    """

    def __init__(self, code, detail="", retryable=False, status=None):
        super().__init__("%s: %s" % (code, detail))
        self.code = code
        self.detail = detail
        self.retryable = retryable
        self.status = status
