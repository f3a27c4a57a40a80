"""Text as PostgreSQL and processes can take it (no NUL, no lone surrogates), and links as
pages and mails can show them."""

from urllib.parse import urlsplit


def clean_filename(filename):
    """An uploaded file name without NUL characters and lone surrogates (PostgreSQL and
    processes refuse them)."""
    return clean_text(filename) if isinstance(filename, str) else filename


def clean_text(text):
    """``text`` as PostgreSQL can store it: NUL characters removed, lone surrogates (which
    JSON escapes such as ``\\ud800`` produce) replaced with U+FFFD."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)
    return text


def clean_json_strings(value):
    """A decoded JSON value whose strings (keys included) went through :func:`clean_text`.

    :raise RecursionError: when the value is nested too deeply to walk.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json_strings(item) for item in value]
    if isinstance(value, dict):
        return {clean_json_strings(key): clean_json_strings(item) for key, item in value.items()}
    return value


def is_web_url(url):
    """Whether ``url`` is an absolute ``http(s)`` link with a host: the only links shown to
    customers (``javascript:``, ``data:`` and relative links are not)."""
    if not isinstance(url, str) or url != url.strip() or any(c < " " for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
