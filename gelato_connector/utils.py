"""Pure-Python helpers of the connector: no ORM here, so they are fast to test."""

import json
import re

from odoo.exceptions import UserError

from . import const


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
