"""Gelato's address rules (shippingAddress / recipient payloads)."""

import re

from . import const

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
