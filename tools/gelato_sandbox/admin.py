"""The sandbox's own control API under ``/_sandbox/`` (no API key; loopback clients only)."""

from .errors import ApiError
from .util import event_id
from .validation import require_object
from .webhooks import RELEASE_ORDERS

WAIT_DEFAULT_TIMEOUT = 10.0


def _body(request):
    return require_object(request.json({}), "body")


def health(app, request):
    return 200, {"status": "ok", "orders": len(app.store.orders)}


def reset(app, request):
    app.reset()
    return 200, {"status": "reset"}


def get_config(app, request):
    return 200, app.config.as_dict()


def set_config(app, request):
    values = app.config.update(_body(request))
    app.clock.wake()
    return 200, values


def list_faults(app, request):
    return 200, {"faults": app.faults.list()}


def add_fault(app, request):
    return 200, app.faults.add(_body(request))


def clear_faults(app, request):
    app.faults.clear()
    return 200, {"faults": []}


def counters(app, request):
    return 200, {
        "calls": app.call_counts(),
        "ordersByReference": app.store.reference_counters(),
        "faults": app.faults.fired(),
    }


def list_orders(app, request):
    return 200, {"orders": app.store.all_orders()}


def tick(app, request):
    app.store.advance_all()
    return 200, {"status": "ticked"}


def advance(app, request):
    body = _body(request)
    order = app.store.advance(request.params["id"], body.get("to"), body.get("packages", 1))
    return 200, order


def split(app, request):
    body = _body(request)
    parts = app.store.split(
        request.params["id"], body.get("parts"), body.get("groups"), bool(body.get("notify"))
    )
    return 200, {"orders": parts}


def fail(app, request):
    reason = _body(request).get("reason") or "The print file could not be processed."
    return 200, app.store.fail(request.params["id"], reason)


def hold(app, request):
    reason = _body(request).get("reason") or "The order is on hold: action required."
    return 200, app.store.hold(request.params["id"], reason)


def mark_returned(app, request):
    reason = _body(request).get("reason") or "The parcel was returned to the sender."
    return 200, app.store.mark_returned(request.params["id"], reason)


def gelato_cancel(app, request):
    reason = _body(request).get("reason") or "Canceled by Gelato."
    return 200, app.store.gelato_cancel(request.params["id"], reason)


def item_status(app, request):
    body = _body(request)
    order = app.store.set_item_status(
        request.params["id"], request.params["item"], body.get("to"), body.get("comment") or ""
    )
    return 200, order


def delivery_estimate(app, request):
    body = _body(request)
    order = app.store.set_delivery_estimate(
        request.params["id"], body.get("minDeliveryDate"), body.get("maxDeliveryDate")
    )
    return 200, order


def webhook_log(app, request):
    """``?since=N`` only deliveries numbered above N; ``?payloads=0`` without the payloads."""
    try:
        since = int(request.query.get("since", 0))
    except ValueError as exc:
        raise ApiError(400, "since: must be a delivery number") from exc
    payloads = request.query.get("payloads", "1") not in ("0", "false")
    return 200, app.webhooks.snapshot(since=max(since, 0), payloads=payloads)


def resend_webhook(app, request):
    delivery = app.webhooks.resend(_body(request).get("event_id"))
    if delivery is None:
        raise ApiError(404, "No such event.", code="not_found")
    return 200, {"eventId": delivery["eventId"], "delivery": delivery["delivery"]}


def send_webhook(app, request):
    """Send any payload (e.g. a store_product_* event); an ``id`` is added when missing."""
    payload = require_object(_body(request).get("payload"), "payload")
    if not isinstance(payload.get("event"), str):
        raise ApiError(400, "payload.event: is required")
    payload.setdefault("id", event_id("ev"))
    delivery = app.webhooks.emit(payload)
    return 200, {"eventId": delivery["eventId"], "delivery": delivery["delivery"]}


def hold_webhooks(app, request):
    app.webhooks.hold()
    return 200, {"holding": True}


def release_webhooks(app, request):
    body = _body(request)
    order = body.get("order", "fifo")
    if order not in RELEASE_ORDERS:
        raise ApiError(400, f"order: must be one of {', '.join(RELEASE_ORDERS)}")
    released = app.webhooks.release(order, body.get("seed"))
    return 200, {"released": released}


def wait_webhooks(app, request):
    timeout = _body(request).get("timeout", WAIT_DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ApiError(400, "timeout: must be a number >= 0")
    idle = app.webhooks.wait_idle(timeout)
    return 200, {"idle": idle}


def download_log(app, request):
    return 200, {"downloads": app.store.download_log()}


ROUTES = [
    ("GET", "/_sandbox/health", health),
    ("POST", "/_sandbox/reset", reset),
    ("GET", "/_sandbox/config", get_config),
    ("POST", "/_sandbox/config", set_config),
    ("GET", "/_sandbox/faults", list_faults),
    ("POST", "/_sandbox/faults", add_fault),
    ("DELETE", "/_sandbox/faults", clear_faults),
    ("GET", "/_sandbox/counters", counters),
    ("GET", "/_sandbox/orders", list_orders),
    ("POST", "/_sandbox/tick", tick),
    ("POST", "/_sandbox/orders/{id}/advance", advance),
    ("POST", "/_sandbox/orders/{id}/split", split),
    ("POST", "/_sandbox/orders/{id}/fail", fail),
    ("POST", "/_sandbox/orders/{id}/hold", hold),
    ("POST", "/_sandbox/orders/{id}/return", mark_returned),
    ("POST", "/_sandbox/orders/{id}/cancel", gelato_cancel),
    ("POST", "/_sandbox/orders/{id}/delivery-estimate", delivery_estimate),
    ("POST", "/_sandbox/orders/{id}/items/{item}/status", item_status),
    ("GET", "/_sandbox/webhooks", webhook_log),
    ("POST", "/_sandbox/webhooks/resend", resend_webhook),
    ("POST", "/_sandbox/webhooks/send", send_webhook),
    ("POST", "/_sandbox/webhooks/hold", hold_webhooks),
    ("POST", "/_sandbox/webhooks/release", release_webhooks),
    ("POST", "/_sandbox/webhooks/wait", wait_webhooks),
    ("GET", "/_sandbox/downloads", download_log),
]
