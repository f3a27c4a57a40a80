"""Signed, expiring print-file URLs (HMAC-SHA256 over the attachment, its order line and the
expiry)."""

import hashlib
import hmac
import math
import re
import time


def sign_print_file(secret, attachment_id, expires, line_id=None):
    """HMAC-SHA256 (hex) over an attachment id, the order line it is sent for, and an expiry.

    :param str secret: the module's signing key (never sent anywhere).
    :param int attachment_id: the ``ir.attachment`` served.
    :param int expires: Unix time after which the URL stops working.
    :param int line_id: the ``sale.order.line`` the link was made for (links made before
        links carried their line have none).
    """
    if not secret:
        raise ValueError("A secret is required to sign print file URLs.")
    if line_id is None:
        message = "gelato_connector.print_file:%d:%d" % (int(attachment_id), int(expires))
    else:
        message = "gelato_connector.print_file:%d:%d:%d" % (
            int(attachment_id),
            int(line_id),
            int(expires),
        )
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def verify_print_file_signature(secret, attachment_id, expires, signature, now=None, line_id=None):
    """Whether ``signature`` was made by :func:`sign_print_file` and has not expired.

    Constant-time comparison; a wrong, tampered or expired signature all give False.
    """
    if not secret or not isinstance(signature, str) or len(signature) != 64:
        return False
    if int(expires) < (time.time() if now is None else now):
        return False
    expected = sign_print_file(secret, attachment_id, expires, line_id=line_id)
    return hmac.compare_digest(expected, signature.lower())


def print_file_url_expiry(now, days):
    """Expiry (Unix time) of a URL made at ``now``: ``days`` later, rounded up to the hour.

    Rounding keeps a file's URL identical for an hour, so a retried order sends the same
    payload.
    """
    return int(math.ceil((now + days * 86400) / 3600.0) * 3600)


def url_filename(filename, file_type=None):
    """A safe last URL segment for a print file: ASCII letters, digits, ``.-_``, extension."""
    stem = (filename or "print-file").rsplit("/", 1)[-1]
    if "." in stem:
        stem, extension = stem.rsplit(".", 1)
    else:
        extension = ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:80] or "print-file"
    extension = {"png": "png", "jpeg": "jpg", "pdf": "pdf"}.get(file_type) or re.sub(
        r"[^A-Za-z0-9]", "", extension
    )[:5]
    return "%s.%s" % (stem, extension) if extension else stem
