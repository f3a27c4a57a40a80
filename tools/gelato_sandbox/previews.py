"""Template preview images, served by the sandbox itself as Gelato serves them from its CDN.

The fixtures name a host that does not exist (``PREVIEW_BASE`` in fixtures_build.py); the
templates' ``previewUrl`` is answered pointing at the sandbox, which draws a small PNG per
template (stdlib only), so a synchronisation against the sandbox fetches a real image.
"""

import copy
import struct
import zlib
from hashlib import sha256

from .fixtures_build import PREVIEW_BASE

PREVIEW_PATH = "/previews/"
PREVIEW_SIZE = 64


def with_local_previews(template, base_url):
    """A copy of ``template`` whose preview URLs under ``PREVIEW_BASE`` point at the sandbox."""
    if not base_url:
        return template
    answer = copy.deepcopy(template)
    for item in [answer, *(answer.get("variants") or [])]:
        url = item.get("previewUrl")
        if isinstance(url, str) and url.startswith(PREVIEW_BASE + "/"):
            item["previewUrl"] = base_url + PREVIEW_PATH + url[len(PREVIEW_BASE) + 1 :]
    return answer


def preview_png(template_id):
    """A PNG of one colour derived from the template id (the same image every time)."""
    red, green, blue = sha256(template_id.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * PREVIEW_SIZE
    raw = row * PREVIEW_SIZE

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", PREVIEW_SIZE, PREVIEW_SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
