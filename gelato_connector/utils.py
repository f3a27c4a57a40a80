"""Pure-Python helpers of the connector: no ORM here, so they are fast to test."""

import base64
import hashlib
import hmac
import json
import logging
import math
import re
import subprocess
import sys
import time
from pathlib import Path

from odoo.exceptions import UserError

from . import const, print_file_check

_logger = logging.getLogger(__name__)


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


def mask_payload(data):
    """Deep copy of a JSON-like payload with personal data (names, address, contact) masked."""
    if isinstance(data, dict):
        return {
            key: ("***" if key in const.PERSONAL_KEYS and value else mask_payload(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_payload(item) for item in data]
    return data


# === Templates === #


class GelatoTemplateError(Exception):
    """Gelato's template cannot be turned into a product.

    :param str code: what is wrong (see :func:`template_error_message`).
    :param params: details for the message (template ref, variant title, option...).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def template_error_message(env, error):
    """The user's message for a :class:`GelatoTemplateError`, in ``env``'s language."""
    messages = {
        "not_a_template": lambda: env._(
            "Gelato's answer for template %(ref)s is not a template.", **error.params
        ),
        "no_variants": lambda: env._(
            "Gelato's template %(ref)s has no variants to sell.", **error.params
        ),
        "no_uid": lambda: env._(
            "Variant %(variant)s of Gelato template %(ref)s has no product UID.", **error.params
        ),
        "bad_option": lambda: env._(
            "Variant %(variant)s of Gelato template %(ref)s has an option without a name or a "
            "value.",
            **error.params,
        ),
        "option_twice": lambda: env._(
            "Variant %(variant)s of Gelato template %(ref)s has the option %(option)s twice.",
            **error.params,
        ),
        "missing_option": lambda: env._(
            "Variant %(variant)s of Gelato template %(ref)s has no value for %(options)s, which "
            "other variants have: its options cannot be mapped to product attributes.",
            **error.params,
        ),
        "same_options": lambda: env._(
            "Variants %(first)s and %(second)s of Gelato template %(ref)s have the same "
            "options: they cannot be told apart.",
            **error.params,
        ),
    }
    return messages[error.code]()


def print_area_file_type(print_area):
    """Gelato's file type (``items[].files[].type``) for a template's ``printArea``.

    A print area ``1`` or ``front`` is sent as ``default``; the others keep their name.
    """
    area = str(print_area if print_area is not None else "").strip().lower() or "default"
    return const.PRINT_AREA_ALIASES.get(area, area)


def print_area_label(print_area):
    """A human name for a print area (``front`` → ``Front``, ``sleeve-left`` → ``Left sleeve``)."""
    area = str(print_area if print_area is not None else "").strip().lower() or "default"
    label = const.PRINT_AREA_LABELS.get(area)
    if label:
        return label
    words = area.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() or area


def _number(value):
    """A positive size in mm, or None when Gelato gives none (no size check then)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = round(float(value), 2)
    except ValueError:
        return None
    return number if number > 0 else None


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _variant_placements(variant_data, template_ref=""):
    """``{file type: {"name", "label", "width", "height"}}`` of one variant, de-duplicated.

    Two placeholders for one print area (several layers in Gelato's editor) become one
    placement: Gelato takes one file per type; the larger size is kept.
    """
    placements = {}
    placeholders = variant_data.get("imagePlaceholders") or []
    if not isinstance(placeholders, list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    for placeholder in placeholders:
        if not isinstance(placeholder, dict):
            continue
        area = placeholder.get("printArea")
        if area is not None and (isinstance(area, bool) or not isinstance(area, (str, int))):
            raise GelatoTemplateError("not_a_template", ref=template_ref)
        file_type = print_area_file_type(area)
        width, height = _number(placeholder.get("width")), _number(placeholder.get("height"))
        name = _text(placeholder.get("name"))
        current = placements.get(file_type)
        if current is None:
            placements[file_type] = {
                "name": name,
                "label": print_area_label(area),
                "width": width,
                "height": height,
            }
            continue
        current["name"] = _join_names(current["name"], name)
        current["width"] = _max(current["width"], width)
        current["height"] = _max(current["height"], height)
    return placements


def _max(first, second):
    values = [v for v in (first, second) if v is not None]
    return max(values) if values else None


def parse_template(data, template_ref):
    """Check and normalise Gelato's answer to ``GET /v1/templates/{id}``.

    :param dict data: Gelato's answer.
    :param str template_ref: the template id asked for (for messages).
    :return: ``{"id", "title", "description", "preview_url", "attributes": [(name, [values])],
        "attribute_keys": [casefolded names], "variants": [{"uid", "id", "title",
        "options": {attribute key: value key}, "placements"}], "placements": {file type:
        {"name", "label", "width", "height", "sequence"}}}``. Attribute and value names keep
        Gelato's spelling of their first appearance; matching is case-insensitive (keys are
        casefolded). ``placements`` is the union over every variant (the largest size per
        print area); each variant keeps its own.
    :raise GelatoTemplateError: when the answer cannot be mapped to variants.
    """
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    raw_variants = [v for v in data["variants"] if isinstance(v, dict)]
    if not raw_variants:
        raise GelatoTemplateError("no_variants", ref=template_ref)
    attributes = {}  # casefolded name -> [name, {casefolded value: value}], in Gelato's order
    variants = [
        _parse_variant(raw, index, template_ref, attributes)
        for index, raw in enumerate(raw_variants)
    ]
    if len(variants) > 1:
        _check_combinations(variants, attributes, template_ref)
    return {
        "id": _text(data.get("id")) or template_ref,
        "title": _text(data.get("title")) or _text(data.get("templateName")),
        "description": data.get("description") if isinstance(data.get("description"), str) else "",
        "preview_url": _text(data.get("previewUrl")),
        "attributes": [(name, list(values.values())) for name, values in attributes.values()],
        "attribute_keys": list(attributes),
        "variants": variants,
        "placements": _merge_placements(variants),
    }


def _parse_variant(raw, index, template_ref, attributes):
    """One variant of a template; its options are added to ``attributes``."""
    uid = _text(raw.get("productUid"))
    title = _text(raw.get("title")) or "#%s" % (index + 1)
    if not uid:
        raise GelatoTemplateError("no_uid", variant=title, ref=template_ref)
    options = {}
    raw_options = raw.get("variantOptions") or []
    if not isinstance(raw_options, list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    for option in raw_options:
        if not isinstance(option, dict):
            continue
        name, value = _text(option.get("name")), _text(option.get("value"))
        if not name or not value:
            raise GelatoTemplateError("bad_option", variant=title, ref=template_ref)
        key = name.casefold()
        if key in options:
            raise GelatoTemplateError("option_twice", variant=title, ref=template_ref, option=name)
        attributes.setdefault(key, [name, {}])[1].setdefault(value.casefold(), value)
        options[key] = value.casefold()
    return {
        "uid": uid,
        "id": _text(raw.get("id")),
        "title": title,
        "options": options,
        "placements": _variant_placements(raw, template_ref),
    }


def _check_combinations(variants, attributes, template_ref):
    """Every variant has a value for every option, and no two have the same values."""
    seen = {}
    for variant in variants:
        missing = [name for key, (name, _v) in attributes.items() if key not in variant["options"]]
        if missing:
            raise GelatoTemplateError(
                "missing_option",
                variant=variant["title"],
                ref=template_ref,
                options=", ".join(missing),
            )
        combination = tuple(variant["options"][key] for key in attributes)
        if combination in seen:
            raise GelatoTemplateError(
                "same_options", first=seen[combination], second=variant["title"], ref=template_ref
            )
        seen[combination] = variant["title"]


def _merge_placements(variants):
    """The print areas of all variants: one per file type, with the largest size."""
    placements = {}
    for variant in variants:
        for file_type, placement in variant["placements"].items():
            current = placements.get(file_type)
            if current is None:
                placements[file_type] = dict(placement)
                continue
            current["width"] = _max(current["width"], placement["width"])
            current["height"] = _max(current["height"], placement["height"])
            current["name"] = _join_names(current["name"], placement["name"])
    # "default" first, then Gelato's own order of the types, then the rest as they came.
    known = {file_type: index for index, file_type in enumerate(const.PRINT_FILE_TYPES)}
    ordered = sorted(placements, key=lambda t: known.get(t, len(known)))
    for sequence, file_type in enumerate(ordered, start=1):
        placements[file_type]["sequence"] = sequence * 10
    return {file_type: placements[file_type] for file_type in ordered}


def _join_names(first, second):
    names = [n for n in first.split(", ") if n]
    names += [n for n in second.split(", ") if n and n not in names]
    return ", ".join(names)


# === Print files === #


def _print_file_templates(env):
    """Message of each print-file check code, translated (placeholders: the params)."""
    return {
        "empty": env._("The file is empty."),
        "too_big": env._("The file is %(size_mb)s MB; files up to %(max_mb)s MB are accepted."),
        "unsupported_type": env._(
            "%(detected)s files are not accepted here: upload a PNG, JPEG or PDF file."
        ),
        "unknown_type": env._("This is not a PNG, JPEG or PDF file."),
        "bad_extension": env._(
            "The file's name ends with %(extension)s but it contains %(detected)s data: rename it "
            "with the right extension."
        ),
        "type_mismatch": env._(
            "The file is named %(extension)s but contains %(detected)s data: export it again in "
            "the right format or rename it."
        ),
        "unreadable": env._("The file cannot be read (%(detail)s): export it again."),
        "corrupt": env._("The file is damaged (%(detail)s): export it again."),
        "truncated": env._(
            "The file is incomplete (it stops before its end): upload it again or export it again."
        ),
        "too_many_pixels": env._(
            "The image has %(megapixels)s megapixels; the limit is %(max_megapixels)s megapixels. "
            "Export it at 300 dpi at print size."
        ),
        "too_complex": env._(
            "The file could not be checked safely (%(detail)s): it is too large or too complex. "
            "Export a simpler or flattened version."
        ),
        "encrypted": env._("The PDF is password-protected: export it without a password."),
        "pdf_protected": env._(
            "The PDF has usage restrictions (owner password); Gelato may refuse it."
        ),
        "no_pages": env._("The PDF has no page."),
        "pdf_pages": env._(
            "The PDF has %(count)s pages: only the first one is printed on this print area."
        ),
        "dpi_too_low": env._(
            "Resolution too low for printing: %(dpi)s dpi on the %(area_width_mm)s x "
            "%(area_height_mm)s mm print area (at least %(min_dpi)s dpi; %(width_px)s x "
            "%(height_px)s pixels for 300 dpi)."
        ),
        "dpi_low": env._(
            "Low resolution: %(dpi)s dpi on the %(area_width_mm)s x %(area_height_mm)s mm print "
            "area; %(target_dpi)s dpi (%(width_px)s x %(height_px)s pixels) is recommended."
        ),
        "pdf_page_too_small": env._(
            "The PDF page (%(page_width_mm)s x %(page_height_mm)s mm) is far smaller than the "
            "print area (%(area_width_mm)s x %(area_height_mm)s mm): it would be enlarged more "
            "than twice. Export it at print size."
        ),
        "pdf_page_small": env._(
            "The PDF page (%(page_width_mm)s x %(page_height_mm)s mm) is smaller than the print "
            "area (%(area_width_mm)s x %(area_height_mm)s mm) and will be enlarged."
        ),
        "pdf_image_dpi_too_low": env._(
            "An image in the PDF prints at %(dpi)s dpi: at least %(min_dpi)s dpi is needed."
        ),
        "pdf_image_dpi_low": env._(
            "An image in the PDF prints at %(dpi)s dpi; %(target_dpi)s dpi is recommended."
        ),
        "aspect_ratio": env._(
            "The artwork's proportions (%(file_ratio)s) differ from the print area's "
            "(%(area_ratio)s, %(area_width_mm)s x %(area_height_mm)s mm): Gelato will crop or "
            "pad it."
        ),
        "color_mode": env._("Colour mode: %(mode)s."),
    }


def print_file_messages(env, result, levels=("error", "warning", "info")):
    """Readable messages of a :func:`check_print_file` result, in ``env``'s language."""
    templates = _print_file_templates(env)
    messages = []
    order = {"error": 0, "warning": 1, "info": 2}
    for finding in sorted(result.get("findings", []), key=lambda f: order.get(f["level"], 3)):
        if finding["level"] not in levels:
            continue
        text = templates.get(finding["code"], finding["code"])
        try:
            messages.append(text % finding["params"] if finding["params"] else text)
        except (KeyError, TypeError, ValueError):
            messages.append(text)
    return messages


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


# === Signed print-file URLs === #


def sign_print_file(secret, attachment_id, expires):
    """HMAC-SHA256 (hex) over an attachment id and an expiry timestamp.

    :param str secret: the server secret (never sent anywhere).
    :param int attachment_id: the ``ir.attachment`` served.
    :param int expires: Unix time after which the URL stops working.
    """
    if not secret:
        raise ValueError("A secret is required to sign print file URLs.")
    message = ("gelato_connector.print_file:%d:%d" % (int(attachment_id), int(expires))).encode()
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_print_file_signature(secret, attachment_id, expires, signature, now=None):
    """Whether ``signature`` was made by :func:`sign_print_file` and has not expired.

    Constant-time comparison; a wrong, tampered or expired signature all give False.
    """
    if not secret or not isinstance(signature, str) or len(signature) != 64:
        return False
    if int(expires) < (time.time() if now is None else now):
        return False
    expected = sign_print_file(secret, attachment_id, expires)
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


# === Addresses === #

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def split_name(name):
    """Split a contact name into Gelato's (firstName, lastName): the last word is the last name.

    :return: ``(first, last)``; ``first`` is empty for a one-word name.
    """
    parts = (name or "").split()
    if not parts:
        return "", ""
    return " ".join(parts[:-1]), parts[-1]


def check_address(address):
    """Check a Gelato address payload (shippingAddress / recipient) against Gelato's rules.

    :param dict address: the payload, keys as Gelato names them.
    :return: a list of ``(key, problem, details)``: ``problem`` is ``required``, ``too_long``
        (details: ``(limit, length)``), ``state_required`` (details: the country code) or
        ``invalid_email``. Empty when Gelato will accept the address.
    """
    problems = []
    for key in dict.fromkeys((*const.ADDRESS_REQUIRED, *const.ADDRESS_MAX_LENGTHS)):
        value = address.get(key) or ""
        if isinstance(value, str):
            value = value.strip()
        if not value:
            if key in const.ADDRESS_REQUIRED:
                problems.append((key, "required", None))
            continue
        limit = const.ADDRESS_MAX_LENGTHS.get(key)
        if limit and len(value) > limit:
            problems.append((key, "too_long", (limit, len(value))))
    country = address.get("country") or ""
    if country in const.STATE_REQUIRED_COUNTRIES and not (address.get("state") or "").strip():
        problems.append(("state", "state_required", country))
    email = (address.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        problems.append(("email", "invalid_email", None))
    return problems


# === Statuses === #


def gelato_status_moves_forward(old, new):
    """Whether a Gelato fulfilment status may replace the current one (never backwards).

    Normal statuses only move up in :data:`const.FULFILLMENT_STATUS_RANK`; ``on_hold``,
    ``failed`` and ``canceled`` may interrupt any order that is not finished; ``returned``
    follows a shipment; an order on hold may resume with any status but ``draft``; nothing
    follows ``canceled``, ``failed`` or ``returned``.
    """
    ranks = const.FULFILLMENT_STATUS_RANK
    if not new or new == old:
        allowed = False
    elif not old:
        allowed = True
    elif old in const.FINAL_FULFILLMENT_STATUSES:
        allowed = False
    elif new == "returned":
        allowed = old in const.DELIVERED_FULFILLMENT_STATUSES or old == "on_hold"
    elif old == "delivered":
        allowed = False
    elif new in ("on_hold", "failed", "canceled"):
        allowed = True
    elif old == "on_hold":
        allowed = new in ranks and ranks[new] > ranks["draft"]
    else:
        # A status this connector does not know is ignored rather than guessed.
        allowed = new in ranks and ranks[new] > ranks.get(old, -1)
    return allowed


def aggregate_fulfillment_status(statuses):
    """One status for a sale order sent as several Gelato orders (Gelato split it).

    A failed, held or returned part needs attention and wins; canceled parts count only when
    all are canceled; otherwise the order is as far as its least advanced part.
    """
    statuses = [status for status in statuses if status]
    if not statuses:
        return False
    for exceptional in ("failed", "on_hold", "returned"):
        if exceptional in statuses:
            return exceptional
    live = [status for status in statuses if status != "canceled"]
    if not live:
        return "canceled"
    ranks = const.FULFILLMENT_STATUS_RANK
    return min(live, key=lambda status: ranks.get(status, 0))


# === Sending orders === #


def order_data_problem(data):
    """What makes an order as Gelato returns it (create, get, patch, cancel) unusable.

    Gelato documents these shapes (orders v4); a proxy, an outage or a change at Gelato may
    answer something else with a 2xx status, and that must not be taken for an order.

    :return: a short technical description, or None when the order can be read.
    """
    if not isinstance(data, dict):
        return "the order is not a JSON object"
    return next((problem for problem in _order_problems(data) if problem), None)


def _order_problems(data):
    """The problems of an order answer, checked lazily in order (None when a check passes)."""
    yield (
        None if isinstance(data.get("id"), str) and data["id"].strip() else "the order has no id"
    )
    for key in ("orderType", "fulfillmentStatus", "financialStatus", "refusalReason"):
        yield (
            None
            if data.get(key) is None or isinstance(data[key], str)
            else ("%s is not a string" % key)
        )
    for key in ("items", "connectedOrderIds"):
        yield (
            None
            if data.get(key) is None or isinstance(data[key], list)
            else ("%s is not a list" % key)
        )
    if any(not isinstance(item, dict) for item in data.get("items") or []):
        yield "an item is not an object"
    if any(not isinstance(other, str) for other in data.get("connectedOrderIds") or []):
        yield "connectedOrderIds holds something else than ids"
    shipment = data.get("shipment")
    if shipment is not None and not isinstance(shipment, dict):
        yield "shipment is not an object"
        return
    packages = (shipment or {}).get("packages")
    if packages is not None and (
        not isinstance(packages, list)
        or any(
            not isinstance(package, dict) or not isinstance(package.get("orderItemIds") or [], list)
            for package in packages
        )
    ):
        yield "shipment.packages is not a list of parcels"


def search_answer_orders(answer):
    """The orders of an ``orders:search`` answer, or None when the answer is not one."""
    orders = answer.get("orders") if isinstance(answer, dict) else None
    if not isinstance(orders, list) or any(
        not isinstance(order, dict) or not isinstance(order.get("id"), str) for order in orders
    ):
        return None
    return orders


def backoff_delay(attempt, retry_after=None):
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    Exponential (``SEND_RETRY_BASE_SECONDS * 2**(attempt-1)``), capped at
    ``SEND_RETRY_CAP_SECONDS``, never shorter than what Gelato's ``Retry-After`` asked.
    """
    delay = const.SEND_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    delay = min(delay, const.SEND_RETRY_CAP_SECONDS)
    if retry_after:
        delay = max(delay, min(float(retry_after), const.SEND_RETRY_CAP_SECONDS))
    return delay


def rate_from_quotes(quotes, method_types):
    """The rate of one service level from an ``orders:quote`` answer.

    Gelato answers one quote per fulfilment facility: the level's rate is the sum over the
    quotes of the cheapest method of a matching type.

    :param list quotes: ``quotes`` of the answer.
    :param method_types: the shipment method types of the service level.
    :return: ``(price, min_days, max_days, currencies, missing)``: ``missing`` lists the quotes
        offering no method of the level (then ``price`` is None).
    """
    total = 0.0
    min_days = max_days = 0
    currencies = set()
    missing = []
    for quote in quotes:
        methods = [
            method
            for method in quote.get("shipmentMethods") or []
            if method.get("type") in method_types and method.get("price") is not None
        ]
        if not methods:
            missing.append(quote)
            continue
        cheapest = min(methods, key=lambda method: float(method["price"]))
        total += float(cheapest["price"])
        currencies.add(cheapest.get("currency"))
        min_days = max(min_days, int(cheapest.get("minDeliveryDays") or 0))
        max_days = max(max_days, int(cheapest.get("maxDeliveryDays") or 0))
    if missing or not quotes:
        return None, 0, 0, currencies, missing
    return total, min_days, max_days, currencies, missing
