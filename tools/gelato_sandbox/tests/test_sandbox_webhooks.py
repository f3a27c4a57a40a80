"""Webhook delivery: header and secret, retries, duplicates, held and out-of-order events."""

from sandbox_support import WEBHOOK_HEADER, WEBHOOK_SECRET


def _log(sandbox):
    return sandbox.admin("GET", "webhooks")


def test_webhook_carries_the_configured_header_and_secret(sandbox, create_order, receiver):
    order = create_order("SO-WH")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    assert len(receiver.hooks) == 2
    for hook in receiver.hooks:
        headers = {k.lower(): v for k, v in hook["headers"].items()}
        assert headers[WEBHOOK_HEADER] == WEBHOOK_SECRET
        assert headers["content-type"] == "application/json"


def test_header_name_and_secret_follow_the_config(sandbox, create_order, receiver):
    sandbox.admin("POST", "config", {"webhook_header": "X-Gelato-Key", "webhook_secret": "other"})
    order = create_order("SO-WH2")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    headers = {k.lower(): v for k, v in receiver.hooks[0]["headers"].items()}
    assert headers["x-gelato-key"] == "other"
    assert WEBHOOK_HEADER not in headers


def test_failed_deliveries_are_retried_and_logged(sandbox, create_order, receiver):
    order = create_order("SO-RETRY")
    receiver.hook_statuses[:] = [500, 500]
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    first_event_id = receiver.hooks[0]["body"]["id"]
    assert [h["status"] for h in receiver.hooks[:3]] == [500, 500, 200]
    assert {h["body"]["id"] for h in receiver.hooks[:3]} == {first_event_id}
    deliveries = _log(sandbox)["deliveries"]
    first = deliveries[0]
    assert first["eventId"] == first_event_id
    assert first["state"] == "delivered"
    assert [(a["attempt"], a["status"]) for a in first["attempts"]] == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    # The event behind it waited its turn: order of emission is kept.
    assert [h["body"]["event"] for h in receiver.hooks[3:]] == ["order_status_updated"]
    assert deliveries[1]["state"] == "delivered"


def test_delivery_gives_up_after_the_configured_attempts(sandbox, create_order, receiver):
    sandbox.admin("POST", "config", {"webhook_attempts": 2})
    order = create_order("SO-GIVEUP")
    receiver.hook_statuses[:] = [503, 503, 503, 503]
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    first, second = _log(sandbox)["deliveries"]
    assert first["state"] == "failed"
    assert [a["status"] for a in first["attempts"]] == [503, 503]
    assert second["state"] == "failed"


def test_connection_errors_are_retried(sandbox, create_order):
    sandbox.admin("POST", "config", {"webhook_url": "http://127.0.0.1:9/hooks"})
    order = create_order("SO-CONN")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    attempts = _log(sandbox)["deliveries"][0]["attempts"]
    assert len(attempts) == 4
    assert all(a["status"] is None and a["error"] for a in attempts)


def test_no_webhook_url_skips_delivery(sandbox, create_order, receiver):
    sandbox.admin("POST", "config", {"webhook_url": ""})
    order = create_order("SO-SKIP")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    assert {d["state"] for d in _log(sandbox)["deliveries"]} == {"skipped"}
    assert receiver.hooks == []


def test_resend_keeps_the_event_id(sandbox, create_order, receiver):
    order = create_order("SO-DUP")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    sandbox.wait_webhooks()
    original = receiver.events()[-1]
    resent = sandbox.admin("POST", "webhooks/resend", {"event_id": original["id"]})
    assert resent["eventId"] == original["id"]
    sandbox.wait_webhooks()
    assert receiver.events()[-1] == original
    assert [e["id"] for e in receiver.events()].count(original["id"]) == 2
    assert _log(sandbox)["deliveries"][-1]["resend"] is True
    assert sandbox.admin_reply("POST", "webhooks/resend", {"event_id": "os_nope"}).status == 404


def test_held_events_are_released_in_reverse(sandbox, create_order, receiver):
    order = create_order("SO-REV")
    sandbox.admin("POST", "webhooks/hold")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "printed"})
    sandbox.wait_webhooks()
    assert receiver.hooks == []
    log = _log(sandbox)
    assert log["holding"] is True
    assert log["held"] == 6
    emitted = [d["eventId"] for d in log["deliveries"]]
    released = sandbox.admin("POST", "webhooks/release", {"order": "reverse"})["released"]
    assert released == emitted[::-1]
    sandbox.wait_webhooks()
    assert [e["id"] for e in receiver.events()] == emitted[::-1]
    statuses = [
        e["fulfillmentStatus"] for e in receiver.events() if e["event"] == "order_status_updated"
    ]
    assert statuses == ["printed", "in_production", "passed"]


def test_held_events_shuffled_with_a_seed(sandbox, create_order, receiver):
    order = create_order("SO-SHUF")
    sandbox.admin("POST", "webhooks/hold")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "delivered"})
    emitted = [d["eventId"] for d in _log(sandbox)["deliveries"]]
    released = sandbox.admin("POST", "webhooks/release", {"order": "shuffle", "seed": 7})[
        "released"
    ]
    assert sorted(released) == sorted(emitted)
    assert released != emitted
    sandbox.wait_webhooks()
    assert [e["id"] for e in receiver.events()] == released
    assert _log(sandbox)["holding"] is False


def test_release_rejects_unknown_order(sandbox):
    assert sandbox.admin_reply("POST", "webhooks/release", {"order": "random"}).status == 400


def test_send_any_event(sandbox, receiver):
    payload = {"event": "store_product_deleted", "storeProductId": "{{MyProductId}}"}
    sent = sandbox.admin("POST", "webhooks/send", {"payload": payload})
    sandbox.wait_webhooks()
    [event] = receiver.events()
    assert event["event"] == "store_product_deleted"
    assert event["id"] == sent["eventId"]


def test_log_since_a_delivery_and_without_payloads(sandbox, create_order, receiver):
    order = create_order("SO-LOG")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "printed"})
    sandbox.wait_webhooks()
    full = sandbox.admin("GET", "webhooks")
    assert full["total"] == len(full["deliveries"]) == 6
    newer = sandbox.admin("GET", "webhooks?since=4&payloads=0")
    assert newer["total"] == 6
    assert [d["delivery"] for d in newer["deliveries"]] == [5, 6]
    assert [d["eventId"] for d in newer["deliveries"]] == [
        d["eventId"] for d in full["deliveries"][4:]
    ]
    assert all("payload" not in d for d in newer["deliveries"])
    assert sandbox.admin("GET", "webhooks?since=6")["deliveries"] == []
    assert sandbox.admin_reply("GET", "webhooks?since=x").status == 400
