"""Fetch print files the way Gelato does when an order is placed, and recognise their type."""

import ipaddress
import urllib.error
import urllib.parse
import urllib.request

from .util import now_iso

# Signatures of the formats the sandbox accepts (Gelato also takes TIFF and SVG; the
# connector only sends these three).
MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF-", "pdf"),
)
CHUNK = 64 * 1024

# No proxy: the sandbox only ever talks to the URLs it is given (loopback in tests).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def detect_type(head):
    """Return ``png``, ``jpeg`` or ``pdf`` from a file's first bytes, else None."""
    return next((kind for magic, kind in MAGIC_NUMBERS if head.startswith(magic)), None)


def is_loopback(url):
    """True for ``localhost`` and loopback IP literals (no DNS lookup is made)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch(url, timeout, allow_remote=False):
    """Download ``url`` and describe the outcome.

    :param allow_remote: also fetch from hosts other than loopback ones (off by default so
        tests and local runs never reach out to the internet).
    :return: ``{url, status, type, bytes, error, at}``; ``error`` is None when the file is a
        usable print file (2xx and a known type).
    """
    record = {"url": url, "status": None, "type": None, "bytes": 0, "error": None, "at": now_iso()}
    if not allow_remote and not is_loopback(url):
        record["error"] = "unreachable: the sandbox only downloads from loopback hosts"
        return record
    request = urllib.request.Request(url, headers={"User-Agent": "gelato-sandbox/1.0"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            record["status"] = response.status
            head = b""
            while chunk := response.read(CHUNK):
                if len(head) < 16:
                    head += chunk[:16]
                record["bytes"] += len(chunk)
    except urllib.error.HTTPError as exc:
        record["status"] = exc.code
        record["error"] = f"HTTP {exc.code}"
        return record
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        record["error"] = f"unreachable: {reason}"
        return record
    record["type"] = detect_type(head)
    if record["type"] is None:
        record["error"] = "not a PNG, JPEG or PDF file"
    return record
