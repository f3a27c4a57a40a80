"""Gelato's webhook events as they are received: what the request may decide on its own.

The request records an event without reading the database; what can be told from the payload
alone (an event type the connector does not act on, no order id, a status Gelato does not
document, an estimate without a date) is recorded as ignored right away, everything else waits
in the inbox for the job that asks Gelato what is true.
"""

import datetime

from . import const


def text(value, limit=255):
    """A non-empty string cut to ``limit`` characters, or None (any JSON value accepted)."""
    return value[:limit] if isinstance(value, str) and value else None


def is_status(value):
    """Whether ``value`` is a fulfilment status Gelato documents (any JSON value accepted)."""
    return isinstance(value, str) and value in const.FULFILLMENT_STATUS_LABELS


def event_identity(payload):
    """(event id, event type) of a decoded payload, or (None, None) when it is not an event."""
    if not isinstance(payload, dict):
        return None, None
    event_id, event_type = payload.get("id"), payload.get("event")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        return None, None
    event_id, event_type = event_id.strip()[:255], event_type.strip()[:64]
    return (event_id, event_type) if event_id and event_type else (None, None)


def is_test_event(payload):
    """Gelato's "send test" button fills ids with placeholders such as ``{{MyOrderId}}``."""
    return any("{{" in str(payload.get(key) or "") for key in const.WEBHOOK_ID_KEYS)


def event_problem(event_type, payload):
    """Why an event (a dict with an id and a type) cannot be acted on, or None.

    Only what the payload itself says: whether the order exists, and what is true about it,
    is for the inbox job to ask Gelato.
    """
    if event_type not in const.WEBHOOK_EVENTS:
        return "event type not handled"
    if not text(payload.get("orderId")):
        return "unknown order"
    status_key = {
        "order_status_updated": "fulfillmentStatus",
        "order_item_status_updated": "status",
    }.get(event_type)
    if status_key and not is_status(payload.get(status_key)):
        return "unknown status %r" % (payload.get(status_key),)
    if event_type == "order_delivery_estimate_updated" and not (
        iso_date(payload.get("minDeliveryDate")) or iso_date(payload.get("maxDeliveryDate"))
    ):
        return "no delivery date"
    return None


def iso_date(value):
    """The ``YYYY-MM-DD`` part of Gelato's ISO date or datetime text, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
