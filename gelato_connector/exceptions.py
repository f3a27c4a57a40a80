"""The connector's exceptions (Odoo ones: shown to users as they are)."""

from odoo.exceptions import UserError


class GelatoApiError(UserError):
    """A call to Gelato did not succeed.

    :param str message: what happened and what to do, for the user (already translated).
    :param int status_code: Gelato's HTTP status, or ``None`` when no answer came back.
    :param bool retryable: whether the same call may succeed later (timeouts, 429, 5xx).
    :param str gelato_message: Gelato's own ``message`` from the error body, if any.
    :param float retry_after: seconds Gelato asked us to wait (``Retry-After``), if any.
    """

    def __init__(
        self, message, status_code=None, retryable=False, gelato_message=None, retry_after=None
    ):
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable
        self.gelato_message = gelato_message
        self.retry_after = retry_after
