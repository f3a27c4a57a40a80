"""File names: the pattern a merchant configures, the name expected for an order line and the
matching of a storage key against the expected names."""

import re
import string

from . import const

_FORMATTER = string.Formatter()


class PatternError(ValueError):
    """A file-name pattern that cannot be used.

    :param str code: what is wrong (``empty``, ``unknown_token``, ``missing_token``,
        ``repeated_token``, ``adjacent_tokens``, ``bad_character``, ``format``, ``too_long``).
    :param dict params: details for the message (``token``, ``character``).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def parse_pattern(pattern):
    """The pattern split into constants and tokens.

    :return: a list of ``(constant, token or None)`` pairs.
    :raise PatternError: when the pattern is not usable (see :func:`validate_pattern`).
    """
    if not pattern or not pattern.strip():
        raise PatternError("empty")
    try:
        parts = list(_FORMATTER.parse(pattern))
    except ValueError as error:
        raise PatternError("format", detail=str(error)) from error
    result = []
    for constant, token, format_spec, conversion in parts:
        if token is not None and (format_spec or conversion or token not in const.TOKENS):
            raise PatternError("unknown_token", token=token)
        result.append((constant, token))
    return result


def validate_pattern(pattern):
    """Check a file-name pattern: each required token once, ``{print_area}`` at most once, a
    constant between two tokens (``{order_number}{order_item_number}`` would make ``S1`` item
    ``11`` and ``S11`` item ``1`` the same name) and only characters every store and URL carry.

    :raise PatternError: saying what is wrong.
    """
    parts = parse_pattern(pattern)
    tokens = [token for _constant, token in parts if token]
    for token in const.REQUIRED_TOKENS:
        if token not in tokens:
            raise PatternError("missing_token", token=token)
    for token in tokens:
        if tokens.count(token) > 1:
            raise PatternError("repeated_token", token=token)
    previous_token = False
    for constant, token in parts:
        for character in constant:
            if character not in const.NAME_SAFE_CHARACTERS:
                raise PatternError("bad_character", character=character)
        if token and previous_token and not constant:
            raise PatternError("adjacent_tokens", token=token)
        previous_token = token is not None
    if len(pattern) > const.NAME_MAX_LENGTH:
        raise PatternError("too_long")


def has_print_area_token(pattern):
    return "print_area" in {token for _constant, token in parse_pattern(pattern)}


def safe_value(value):
    """A token's value as it appears in a name: characters no store or URL carries become
    ``-`` (an order number ``SO/2024/7`` is written ``SO-2024-7``)."""
    return "".join(c if c in const.NAME_SAFE_CHARACTERS else "-" for c in str(value))


def expected_name(pattern, order_number, item_number, print_area=None):
    """The file name (without extension) expected for one order line and print area.

    :param str print_area: Gelato's print area (``default``, ``back``...); used by the
        ``{print_area}`` token, and appended as ``_<print_area>`` when the pattern has no such
        token but the line needs several files (``print_area`` given).
    """
    values = {
        "order_number": safe_value(order_number),
        "order_item_number": safe_value(item_number),
        "print_area": safe_value(print_area or ""),
    }
    name = "".join(
        constant + (values[token] if token else "") for constant, token in parse_pattern(pattern)
    )
    if print_area and not has_print_area_token(pattern):
        name = "%s_%s" % (name, values["print_area"])
    return name


def split_key(key, prefix=""):
    """The name and extension of a storage key, or None when the key cannot be an artwork file.

    The key must sit right under ``prefix`` (files in sub-folders are not artwork) and end with
    one of :data:`const.EXTENSIONS`, in any case (``S00042_1.PNG``).

    :return: ``(name, extension in lower case)`` or None.
    """
    if prefix:
        if not key.startswith(prefix):
            return None
        key = key[len(prefix) :]
    if not key or "/" in key:
        return None
    name, dot, extension = key.rpartition(".")
    extension = extension.lower()
    if not dot or not name or extension not in const.EXTENSIONS:
        return None
    return name, extension


def normalize_prefix(prefix):
    """A bucket prefix as keys start with it: no leading slash, one trailing slash."""
    prefix = (prefix or "").strip().strip("/")
    return prefix + "/" if prefix else ""


_ETAG_QUOTES = re.compile(r'^(W/)?"(.*)"$')


def clean_etag(etag):
    """An ETag without its quotes (``"9dd4..."`` -> ``9dd4...``); weak marker kept."""
    if not etag:
        return ""
    match = _ETAG_QUOTES.match(etag.strip())
    if match:
        return (match.group(1) or "") + match.group(2)
    return etag.strip()
