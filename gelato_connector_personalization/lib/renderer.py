"""Run the renderer (``render``) in a separate, resource-limited process."""

import base64
import json
import logging
import subprocess
import sys
from pathlib import Path

from . import render

_logger = logging.getLogger(__name__)

RENDER_SCRIPT = Path(render.__file__).resolve()
# Nothing of the server's environment reaches the renderer (no proxies, no secrets); ``-I``
# keeps the user's site and the working folder out of its imports.
RENDER_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
RENDER_TIMEOUT = 90
ERROR_OUTPUT_KEPT = 2000


class RenderError(Exception):
    """The area could not be rendered; ``code`` says why (``too_many_pixels``, ``unreadable``,
    ``too_complex``, ``unavailable``)."""

    def __init__(self, code, detail=""):
        super().__init__("%s: %s" % (code, detail))
        self.code = code
        self.detail = detail


def run_render(spec):
    """Render one area (see ``render``'s docstring) in a child process.

    :return: ``(image bytes, problems)``.
    :raise RenderError: when the images cannot be read or the process fails.
    """
    try:
        completed = subprocess.run(  # noqa: S603 - this interpreter and our script, no shell
            [sys.executable, "-I", str(RENDER_SCRIPT)],
            input=json.dumps(spec).encode(),
            capture_output=True,
            env=RENDER_ENV,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError("too_complex", "timeout") from error
    except OSError as error:
        _logger.error("The personalisation renderer could not start: %s", error)
        raise RenderError("unavailable", str(error)) from error
    if completed.returncode != 0:
        tail = completed.stderr[-ERROR_OUTPUT_KEPT:].decode(errors="replace")
        _logger.warning("Personalisation render stopped (exit %s): %s", completed.returncode, tail)
        raise RenderError("too_complex", "out of memory" if "MemoryError" in tail else "stopped")
    try:
        result = json.loads(completed.stdout)
    except ValueError as error:
        raise RenderError("too_complex", "no answer") from error
    if result.get("error"):
        raise RenderError(result["error"], result.get("detail", ""))
    return base64.b64decode(result["image"]), result.get("problems", [])
