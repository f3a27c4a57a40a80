"""The print-file check and preview, run in a separate, resource-limited process."""

import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import const, print_file_check
from .text import clean_filename

_logger = logging.getLogger(__name__)

CHECKER_PATH = Path(print_file_check.__file__).resolve()
CHECKED_NAME_LENGTH = 255


# The checker's environment: nothing of the server's (no proxies, no PYTHON* variables, no
# secrets in the environment); ``-I`` isolates it from the user's site and the working folder.
CHECKER_ENV = {"PATH": os.defpath, "LC_ALL": "C.UTF-8"}
# The interpreter that runs the checker: this one (its libraries are Odoo's).
CHECKER_PYTHON = sys.executable
# Only the end of the checker's error output is read: a hostile file can make it long.
STDERR_KEPT_BYTES = 4096


def _run_checker(mode_args, data):
    """Run the checker process on ``data``.

    :return: ``(returncode, stdout, stderr_tail)``.
    :raise subprocess.TimeoutExpired: when it runs past the check timeout (it is killed).
    :raise OSError: when no process can be started.
    """
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.run(  # noqa: S603 - fixed interpreter and script, no shell
            [CHECKER_PYTHON, "-I", str(CHECKER_PATH), *mode_args],
            input=data,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=CHECKER_ENV,
            timeout=const.PRINT_FILE_CHECK_TIMEOUT,
            check=False,
        )
        size = stderr.seek(0, os.SEEK_END)
        stderr.seek(max(0, size - STDERR_KEPT_BYTES))
        tail = stderr.read().decode(errors="replace")
    return process.returncode, process.stdout, tail


def check_print_file(data, filename=None, width_mm=None, height_mm=None):
    """Check a print file in a separate, resource-limited process (see print_file_check).

    The file is never parsed in the calling (Odoo) process: a file that makes the checker run
    out of memory or time is refused ("too_complex"), and when the checker cannot run at all
    (no process, a missing library) the file is refused with that reason
    ("check_unavailable"), for an administrator to fix.

    :return: :func:`print_file_check.inspect_print_file`'s result.
    """
    filename = clean_filename(filename)
    mode_args = [
        "--check",
        # Only the end of a long name (its extension is what is checked): an argument over
        # 128 KB cannot start the process.
        (filename or "")[-CHECKED_NAME_LENGTH:],
        "-" if not width_mm else repr(float(width_mm)),
        "-" if not height_mm else repr(float(height_mm)),
    ]
    started = time.monotonic()
    try:
        returncode, stdout, stderr = _run_checker(mode_args, data)
    except subprocess.TimeoutExpired:
        _logger.warning("Print file check of %s timed out", filename)
        return _refused("too_complex", detail="timeout")
    except OSError as error:
        _logger.error("Print file check could not start a process: %s", error)
        return _refused("check_unavailable", detail="no process could be started")
    if returncode == print_file_check.EXIT_MISSING_LIBRARY:
        _logger.error("Print file check cannot run: %s", stderr.strip()[-300:])
        return _refused("check_unavailable", detail=stderr.strip()[-200:] or "missing library")
    if returncode == 0:
        try:
            result = json.loads(stdout)
        except ValueError:
            result = None
        if isinstance(result, dict) and result.get("status") in ("ok", "warning", "error"):
            return result
        _logger.info("Print file check of %s gave no readable answer", filename)
    _logger.info(
        "Print file check of %s stopped (exit %s after %.1fs): %s",
        filename,
        returncode,
        time.monotonic() - started,
        stderr[-300:],
    )
    detail = "out of memory" if "MemoryError" in stderr else "stopped"
    if returncode < 0:
        detail = "stopped by signal %s" % -returncode
    return _refused("too_complex", detail=detail)


def make_print_file_preview(data):
    """A product image (PNG/JPEG, at most 1920 px) made from a print file, or None.

    Decoded in a separate, resource-limited process like :func:`check_print_file` (never in
    the calling process).
    """
    try:
        returncode, stdout, _stderr = _run_checker(["--preview"], data)
    except (subprocess.TimeoutExpired, OSError):
        return None
    try:
        preview = json.loads(stdout).get("preview") if returncode == 0 else None
    except (ValueError, AttributeError):
        preview = None
    return base64.b64decode(preview) if preview else None


def _refused(code, **params):
    return print_file_check.empty_result(
        "error", [{"level": "error", "code": code, "params": params}]
    )
