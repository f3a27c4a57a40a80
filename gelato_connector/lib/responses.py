"""Reading Gelato's HTTP answers: retryable statuses, error messages, masking secrets."""

import json
import re

from . import const

# A signed print-file link's signature (a bearer credential for the link's lifetime).
_SIGNED_LINK = re.compile(
    r"(%s/\d+/(?:\d+/)?\d+/)[0-9A-Fa-f]{16,}" % re.escape(const.PRINT_FILE_ROUTE)
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# How much of an error body the debug log shows.
LOGGED_BODY_CHARS = 500


def is_retryable_status(status_code):
    """Whether an HTTP status from Gelato means "try again later" (429 and 5xx)."""
    return status_code in const.RETRYABLE_STATUSES or status_code >= 500


def extract_error_message(response_text):
    """Return Gelato's error ``message`` (and ``code``) from an error body, or ``None``.

    Gelato answers errors with a JSON body holding ``message`` and sometimes ``code`` and
    ``details``; proxies in front of it may answer HTML or nothing at all.
    """
    try:
        body = json.loads(response_text or "")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return None
    details = body.get("details")
    if isinstance(details, list):
        extra = [d.get("message") for d in details if isinstance(d, dict) and d.get("message")]
        if extra:
            message = "%s (%s)" % (message, "; ".join(str(e) for e in extra))
    return message.strip()


def mask_secret(value):
    """Show only the last 4 characters of a secret (for logs and the UI)."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 4) + value[-4:] if len(value) > 8 else "****"


def mask_signed_links(text):
    """``text`` with the signatures of print-file links replaced by ``***``."""
    return _SIGNED_LINK.sub(r"\1***", text)


def mask_payload(data):
    """Deep copy of a JSON-like payload with personal data (names, address, contact) and the
    signatures of print-file links masked."""
    if isinstance(data, dict):
        return {
            key: ("***" if key in const.PERSONAL_KEYS and value else mask_payload(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_payload(item) for item in data]
    if isinstance(data, str):
        return mask_signed_links(data)
    return data


def mask_error_body(text, limit=LOGGED_BODY_CHARS):
    """An error body as the log may show it: personal data, e-mail addresses and link
    signatures masked (Gelato may echo the request back), at most ``limit`` characters."""
    text = text or ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, (dict, list)):
        text = json.dumps(mask_payload(body), ensure_ascii=False)
    text = _EMAIL.sub("***@***", mask_signed_links(text))
    return text if len(text) <= limit else text[:limit] + "…"
