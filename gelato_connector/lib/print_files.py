"""The print-file check and preview, run in a separate, resource-limited process."""

import base64
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from . import const, print_file_check
from .text import clean_filename

_logger = logging.getLogger(__name__)

CHECKER_PATH = Path(print_file_check.__file__).resolve()
CHECKED_NAME_LENGTH = 255


def check_print_file(data, filename=None, width_mm=None, height_mm=None):
    """Check a print file in a separate, resource-limited process (see print_file_check).

    A file that makes the checker run out of memory or time is refused ("too_complex"):
    hostile uploads can only kill that process. When no process can be started at all, the
    check runs here, which is still safe for PNG and JPEG (bounded by design).

    :return: :func:`print_file_check.inspect_print_file`'s result.
    """
    filename = clean_filename(filename)
    command = [
        sys.executable,
        "-I",
        str(CHECKER_PATH),
        "--check",
        # Only the end of a long name (its extension is what is checked): an argument over
        # 128 KB cannot start the process, and the check would then run in this one.
        (filename or "")[-CHECKED_NAME_LENGTH:],
        "-" if not width_mm else repr(float(width_mm)),
        "-" if not height_mm else repr(float(height_mm)),
    ]
    started = time.monotonic()
    try:
        process = subprocess.run(  # noqa: S603 - fixed interpreter and script, no shell
            command,
            input=data,
            capture_output=True,
            timeout=const.PRINT_FILE_CHECK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _logger.warning("Print file check of %s timed out", filename)
        return _refused("too_complex", detail="timeout")
    except OSError as error:
        _logger.warning("Print file check could not start a process (%s); checking here", error)
        return print_file_check.inspect_print_file(data, filename, width_mm, height_mm)
    if process.returncode == 0:
        try:
            result = json.loads(process.stdout)
        except ValueError:
            result = None
        if isinstance(result, dict) and result.get("status") in ("ok", "warning", "error"):
            return result
        _logger.info("Print file check of %s gave no readable answer", filename)
    stderr = process.stderr.decode(errors="replace")
    if "ModuleNotFoundError" in stderr or "ImportError" in stderr:
        _logger.warning("Print file check process cannot import its libraries; checking here")
        return print_file_check.inspect_print_file(data, filename, width_mm, height_mm)
    _logger.info(
        "Print file check of %s stopped (exit %s after %.1fs): %s",
        filename,
        process.returncode,
        time.monotonic() - started,
        stderr[-300:],
    )
    detail = "out of memory" if "MemoryError" in stderr else "stopped"
    if process.returncode < 0:
        detail = "stopped by signal %s" % -process.returncode
    return _refused("too_complex", detail=detail)


def make_print_file_preview(data):
    """A product image (PNG/JPEG, at most 1920 px) made from a print file, or None.

    Decoded in a separate, resource-limited process like :func:`check_print_file`.
    """
    try:
        process = subprocess.run(  # noqa: S603 - fixed interpreter and script, no shell
            [sys.executable, "-I", str(CHECKER_PATH), "--preview"],
            input=data,
            capture_output=True,
            timeout=const.PRINT_FILE_CHECK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    except OSError:
        return print_file_check.make_preview(data)
    try:
        preview = json.loads(process.stdout).get("preview") if process.returncode == 0 else None
    except ValueError:
        preview = None
    return base64.b64decode(preview) if preview else None


def _refused(code, **params):
    return {
        "status": "error",
        "file_type": None,
        "width_px": 0,
        "height_px": 0,
        "width_mm": 0.0,
        "height_mm": 0.0,
        "dpi": 0,
        "page_count": 0,
        "color_mode": "",
        "findings": [{"level": "error", "code": code, "params": params}],
    }
