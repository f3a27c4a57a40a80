"""What the Bynder and Webdam clients share over ``requests``: default timeouts, capped
streamed downloads, and obeying 429/503 with ``Retry-After``."""

import logging
import time

import requests
from requests.adapters import HTTPAdapter

from . import const
from .errors import DamError

_logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = (429, 502, 503, 504)


class TimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout (bynder-sdk passes none)."""

    def __init__(self, timeout=const.REQUEST_TIMEOUT, **kwargs):
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def mount_timeouts(session):
    """Give ``session`` the default timeouts; certificates are verified as always (``verify``,
    ``REQUESTS_CA_BUNDLE``)."""
    adapter = TimeoutAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def retry_after(response):
    """Seconds a 429/503 answer asks to wait (``Retry-After`` in seconds), bounded."""
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    try:
        seconds = float(value)
    except ValueError:
        seconds = const.DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), const.MAX_RETRY_AFTER)


def error_detail(response):
    """The DAM's own error message (JSON ``message``/``error_description``) or the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()[:300]
    return "HTTP %s" % response.status_code


def with_retries(call, sleep=time.sleep, what="call"):
    """Run ``call()`` (returns a ``requests.Response`` or raises ``requests`` errors, or a
    :class:`DamError` whose ``retryable`` is set), retrying 429/5xx and network errors.

    :return: what ``call`` returns.
    :raise DamError: once the retries are spent (``rate_limited`` or ``unreachable``).
    """
    for attempt in range(const.MAX_RETRIES + 1):
        last = attempt == const.MAX_RETRIES
        try:
            return call()
        except requests.exceptions.HTTPError as error:
            response = error.response
            status = response.status_code if response is not None else None
            if status not in RETRYABLE_STATUSES:
                raise
            if last:
                raise DamError(
                    "rate_limited" if status == 429 else "http",
                    "HTTP %s" % status,
                    retryable=True,
                    status=status,
                ) from error
            wait = retry_after(response)
            _logger.info("DAM answered %s to a %s: waiting %.1fs", status, what, wait)
            sleep(wait)
        except requests.exceptions.SSLError as error:
            # A certificate that cannot be verified is not a network hiccup: never retried,
            # never ignored.
            raise DamError("tls", type(error).__name__) from error
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            if attempt >= const.NETWORK_RETRIES:
                raise DamError("unreachable", type(error).__name__, retryable=True) from error
            sleep(const.NETWORK_RETRY_DELAY * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def raise_for_status(response):
    """``response.raise_for_status()`` (so :func:`with_retries` sees the status)."""
    response.raise_for_status()
    return response


def download(session, url, max_bytes=None, **kwargs):
    """GET ``url`` streamed; the body, refused past ``max_bytes`` (default
    :data:`const.DOWNLOAD_MAX_BYTES`).

    :raise DamError: ``too_big`` (not retryable), or what :func:`with_retries` raises.
    """
    max_bytes = max_bytes or const.DOWNLOAD_MAX_BYTES

    def call():
        with session.get(url, stream=True, **kwargs) as response:
            raise_for_status(response)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise DamError("too_big", str(int(length)))
            chunks, size = [], 0
            for chunk in response.iter_content(const.DOWNLOAD_CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise DamError("too_big", str(size))
                chunks.append(chunk)
            return b"".join(chunks)

    return with_retries(call, what="download")


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def is_image(data):
    """Whether ``data`` starts like a PNG, JPEG or GIF (thumbnails shown by the browser)."""
    return bool(data) and (
        data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def thumbnail(session, url):
    """A DAM's thumbnail of an asset (an image, small), or None: a thumbnail that cannot be
    fetched or is not an image is no reason to fail a sync."""
    try:
        data = download(session, url, max_bytes=const.THUMBNAIL_MAX_BYTES)
    except DamError:
        return None
    return data if is_image(data) else None
