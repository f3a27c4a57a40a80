"""Life of an order: status steps (admin and clock), shipping, splits and Gelato-side events."""

import uuid

import pytest
from sandbox_support import MUG_UID, POSTER_UID, TSHIRT_UID

PATH = ["created", "passed", "in_production", "printed", "shipped", "in_transit", "delivered"]


def _status_events(receiver, event="order_status_updated"):
    return [e for e in receiver.events() if e["event"] == event]


def test_advance_one_step_emits_item_then_order_events(sandbox, create_order, receiver):
    order = create_order("SO-A1")
    advanced = sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    assert advanced["fulfillmentStatus"] == "passed"
    assert advanced["items"][0]["fulfillmentStatus"] == "passed"
    sandbox.wait_webhooks()
    events = receiver.events()
    assert [e["event"] for e in events] == ["order_item_status_updated", "order_status_updated"]
    item_event, order_event = events
    assert item_event["status"] == "passed"
    assert item_event["itemReferenceId"] == "line-1"
    assert item_event["orderReferenceId"] == "SO-A1"
    assert item_event["orderId"] == order["id"]
    assert item_event["id"].startswith("is_")
    assert {
        "comment",
        "created",
        "fulfillmentCountry",
        "fulfillmentFacilityId",
        "fulfillmentStateProvince",
        "storeId",
    } <= set(item_event)
    assert order_event["id"].startswith("os_")
    assert order_event["fulfillmentStatus"] == "passed"
    assert order_event["items"] == [
        {"itemReferenceId": "line-1", "fulfillmentStatus": "passed", "fulfillments": []}
    ]


def test_advance_to_shipped_assigns_tracking(sandbox, create_order, receiver, payloads):
    items = [payloads.item("a", POSTER_UID), payloads.item("b", MUG_UID)]
    order = create_order("SO-SHIP", items)
    shipped = sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "shipped"})
    assert shipped["fulfillmentStatus"] == "shipped"
    shipment = shipped["shipment"]
    [package] = shipment["packages"]
    assert package["orderItemIds"] == [i["id"] for i in shipped["items"]]
    assert package["trackingCode"]
    assert package["trackingUrl"].startswith("https://")
    assert ".invalid/" in package["trackingUrl"]
    assert package["trackingCode"] in package["trackingUrl"]
    assert shipment["minDeliveryDate"] <= shipment["maxDeliveryDate"]

    sandbox.wait_webhooks()
    statuses = [e["fulfillmentStatus"] for e in _status_events(receiver)]
    assert statuses == PATH[1:5]
    item_statuses = [
        (e["itemReferenceId"], e["status"])
        for e in _status_events(receiver, "order_item_status_updated")
    ]
    assert item_statuses == [(ref, s) for s in PATH[1:5] for ref in ("a", "b")]
    tracking = _status_events(receiver, "order_item_tracking_code_updated")
    assert [t["itemReferenceId"] for t in tracking] == ["a", "b"]
    assert tracking[0]["trackingCode"] == package["trackingCode"]
    assert tracking[0]["trackingUrl"] == package["trackingUrl"]
    assert tracking[0]["id"].startswith("tc_")
    assert {
        "productionCountry",
        "productionStateProvince",
        "productionFacilityId",
        "shipmentMethodName",
        "shipmentMethodUid",
        "created",
    } <= set(tracking[0])
    shipped_event = _status_events(receiver)[-1]
    fulfillment = shipped_event["items"][0]["fulfillments"][0]
    assert fulfillment["trackingCode"] == package["trackingCode"]
    assert fulfillment["shipmentMethodUid"] == shipment["shipmentMethodUid"]
    assert {"fulfillmentCountry", "fulfillmentStateProvince", "fulfillmentFacilityId"} <= set(
        fulfillment
    )
    [estimate] = _status_events(receiver, "order_delivery_estimate_updated")
    assert estimate["minDeliveryDate"] == shipment["minDeliveryDate"]
    assert estimate["maxDeliveryDate"] == shipment["maxDeliveryDate"]
    all_ids = [e["id"] for e in receiver.events()]
    assert len(all_ids) == len(set(all_ids))


def test_several_parcels(sandbox, create_order, payloads):
    items = [payloads.item("a"), payloads.item("b"), payloads.item("c")]
    order = create_order("SO-PK", items)
    shipped = sandbox.admin(
        "POST", f"orders/{order['id']}/advance", {"to": "shipped", "packages": 2}
    )
    ids = [i["id"] for i in shipped["items"]]
    parcels = shipped["shipment"]["packages"]
    assert [p["orderItemIds"] for p in parcels] == [[ids[0], ids[2]], [ids[1]]]
    assert len({p["trackingCode"] for p in parcels}) == 2
    assert shipped["shipment"]["packagesCount"] == 2


def test_advance_to_delivered_then_no_further(sandbox, create_order):
    order = create_order("SO-END")
    delivered = sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "delivered"})
    assert delivered["fulfillmentStatus"] == "delivered"
    reply = sandbox.admin_reply("POST", f"orders/{order['id']}/advance", {})
    assert reply.status == 409


def test_advance_errors(sandbox, create_order):
    order = create_order("SO-ERR")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "printed"})
    assert (
        sandbox.admin_reply("POST", f"orders/{order['id']}/advance", {"to": "passed"}).status == 409
    )
    assert (
        sandbox.admin_reply("POST", f"orders/{order['id']}/advance", {"to": "flying"}).status == 400
    )
    assert sandbox.admin_reply("POST", f"orders/{uuid.uuid4()}/advance", {}).status == 404
    draft = create_order("SO-ERR-D", orderType="draft")
    assert sandbox.admin_reply("POST", f"orders/{draft['id']}/advance", {}).status == 409


def test_clock_advances_placed_orders(sandbox, create_order, poll):
    order = create_order("SO-CLOCK")
    draft = create_order("SO-CLOCK-D", orderType="draft")
    sandbox.admin("POST", "config", {"advance_every": 0.1})
    poll(lambda: sandbox.status_of(order["id"]) == "delivered", timeout=5)
    sandbox.admin("POST", "config", {"advance_every": 0})
    assert sandbox.status_of(draft["id"]) == "draft"


def test_clock_from_the_command_line(start_sandbox, payloads, poll):
    process = start_sandbox("--advance-every", "0.1")
    order = process.api("POST", "/v4/orders", payloads.order("SO-CLI-CLOCK")).body
    poll(lambda: process.status_of(order["id"]) == "delivered", timeout=5)


def test_manual_tick(sandbox, create_order):
    first = create_order("SO-T1")
    second = create_order("SO-T2")
    sandbox.admin("POST", "tick")
    assert [sandbox.status_of(o["id"]) for o in (first, second)] == ["passed", "passed"]


# === Splits === #


def test_split_into_connected_orders(sandbox, create_order, payloads, receiver):
    items = [
        payloads.item("poster", POSTER_UID),
        payloads.item("shirt", TSHIRT_UID),
        payloads.item("mug", MUG_UID),
    ]
    order = create_order("SO-SPLIT", items)
    parts = sandbox.admin("POST", f"orders/{order['id']}/split", {"parts": 2})["orders"]
    assert len(parts) == 2
    first, second = parts
    assert first["id"] == order["id"]
    assert second["id"] != order["id"]
    assert first["connectedOrderIds"] == second["connectedOrderIds"] == [first["id"], second["id"]]
    assert [i["itemReferenceId"] for i in first["items"]] == ["poster", "shirt"]
    assert [i["itemReferenceId"] for i in second["items"]] == ["mug"]
    assert second["items"][0]["id"] == order["items"][2]["id"]
    assert second["orderReferenceId"] == "SO-SPLIT"
    assert second["shipment"]["id"] != first["shipment"]["id"]

    found = sandbox.api("POST", "/v4/orders:search", {"orderReferenceIds": ["SO-SPLIT"]}).body
    assert sorted(o["id"] for o in found["orders"]) == sorted([first["id"], second["id"]])
    assert all(o["connectedOrderIds"] == [first["id"], second["id"]] for o in found["orders"])
    fetched = sandbox.api("GET", f"/v4/orders/{second['id']}").body
    assert fetched["connectedOrderIds"] == [first["id"], second["id"]]
    counters = sandbox.admin("GET", "counters")["ordersByReference"]["SO-SPLIT"]
    assert counters["orders"] == 1
    assert counters["splitParts"] == 1

    # Each part now lives its own life, with webhooks per Gelato order.
    sandbox.admin("POST", f"orders/{second['id']}/advance", {})
    sandbox.wait_webhooks()
    [event] = _status_events(receiver)
    assert event["orderId"] == second["id"]
    assert event["orderReferenceId"] == "SO-SPLIT"
    assert [i["itemReferenceId"] for i in event["items"]] == ["mug"]


def test_split_by_explicit_groups_and_notify(sandbox, create_order, payloads, receiver):
    items = [payloads.item("a"), payloads.item("b"), payloads.item("c")]
    order = create_order("SO-SG", items)
    parts = sandbox.admin(
        "POST", f"orders/{order['id']}/split", {"groups": [["b"], ["a", "c"]], "notify": True}
    )["orders"]
    assert [[i["itemReferenceId"] for i in p["items"]] for p in parts] == [["b"], ["a", "c"]]
    sandbox.wait_webhooks()
    assert [e["orderId"] for e in _status_events(receiver)] == [p["id"] for p in parts]


@pytest.mark.parametrize(
    "body", [{"parts": 5}, {"parts": 1}, {"groups": [["a"], ["x"]]}, {"groups": [["a", "b"]]}]
)
def test_split_rejects_bad_partitions(sandbox, create_order, payloads, body):
    order = create_order("SO-SB", [payloads.item("a"), payloads.item("b")])
    assert sandbox.admin_reply("POST", f"orders/{order['id']}/split", body).status == 400


def test_single_item_order_cannot_split(sandbox, create_order):
    order = create_order("SO-S1")
    assert sandbox.admin_reply("POST", f"orders/{order['id']}/split", {}).status == 409


# === Gelato-side events === #


def test_fail_with_reason(sandbox, create_order, receiver):
    order = create_order("SO-FAIL")
    failed = sandbox.admin("POST", f"orders/{order['id']}/fail", {"reason": "Low resolution"})
    assert failed["fulfillmentStatus"] == "failed"
    assert failed["refusalReason"] == "Low resolution"
    sandbox.wait_webhooks()
    [item_event] = _status_events(receiver, "order_item_status_updated")
    assert item_event["status"] == "failed"
    assert item_event["comment"] == "Low resolution"
    [order_event] = _status_events(receiver)
    assert order_event["fulfillmentStatus"] == "failed"
    assert order_event["comment"] == "Low resolution"
    assert sandbox.admin_reply("POST", f"orders/{order['id']}/advance", {}).status == 409


def test_hold_then_resume(sandbox, create_order, receiver):
    order = create_order("SO-HOLD")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "in_production"})
    held = sandbox.admin("POST", f"orders/{order['id']}/hold", {"reason": "Address check"})
    assert held["fulfillmentStatus"] == "on_hold"
    sandbox.admin("POST", "tick")  # the clock leaves held orders alone
    assert sandbox.status_of(order["id"]) == "on_hold"
    resumed = sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    assert resumed["fulfillmentStatus"] == "in_production"
    printed = sandbox.admin("POST", f"orders/{order['id']}/advance", {})
    assert printed["fulfillmentStatus"] == "printed"
    sandbox.wait_webhooks()
    statuses = [e["fulfillmentStatus"] for e in _status_events(receiver)]
    assert statuses == ["passed", "in_production", "on_hold", "in_production", "printed"]


def test_return_after_delivery(sandbox, create_order):
    order = create_order("SO-RET")
    assert sandbox.admin_reply("POST", f"orders/{order['id']}/return", {}).status == 409
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "delivered"})
    returned = sandbox.admin("POST", f"orders/{order['id']}/return", {"reason": "Refused"})
    assert returned["fulfillmentStatus"] == "returned"


def test_cancel_from_gelato_side_even_after_printing(sandbox, create_order, receiver):
    order = create_order("SO-GC")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "printed"})
    canceled = sandbox.admin("POST", f"orders/{order['id']}/cancel", {"reason": "Out of stock"})
    assert canceled["fulfillmentStatus"] == "canceled"
    sandbox.wait_webhooks()
    last = _status_events(receiver)[-1]
    assert (last["fulfillmentStatus"], last["comment"]) == ("canceled", "Out of stock")


def test_delivery_estimate_change(sandbox, create_order, receiver):
    order = create_order("SO-EST")
    body = {"minDeliveryDate": "2030-01-10", "maxDeliveryDate": "2030-01-12"}
    updated = sandbox.admin("POST", f"orders/{order['id']}/delivery-estimate", body)
    assert updated["shipment"]["minDeliveryDate"] == "2030-01-10"
    assert updated["shipment"]["maxDeliveryDate"] == "2030-01-12"
    sandbox.wait_webhooks()
    [event] = _status_events(receiver, "order_delivery_estimate_updated")
    assert event["orderId"] == order["id"]
    assert (event["minDeliveryDate"], event["maxDeliveryDate"]) == ("2030-01-10", "2030-01-12")
    assert event["id"].startswith("os_")
    bad = {"minDeliveryDate": "2030-01-12", "maxDeliveryDate": "2030-01-10"}
    assert sandbox.admin_reply("POST", f"orders/{order['id']}/delivery-estimate", bad).status == 400


def test_one_item_moves_alone(sandbox, create_order, receiver, payloads):
    items = [payloads.item("a", POSTER_UID), payloads.item("b", MUG_UID)]
    order = create_order("SO-ITEM", items)
    moved = sandbox.admin("POST", f"orders/{order['id']}/items/a/status", {"to": "printed"})
    assert moved["fulfillmentStatus"] == "created"
    assert [i["fulfillmentStatus"] for i in moved["items"]] == ["printed", "created"]
    fetched = sandbox.api("GET", f"/v4/orders/{order['id']}").body
    assert [i["fulfillmentStatus"] for i in fetched["items"]] == ["printed", "created"]
    sandbox.wait_webhooks()
    [event] = receiver.events()
    assert (event["event"], event["itemReferenceId"], event["status"]) == (
        "order_item_status_updated",
        "a",
        "printed",
    )
    base = f"orders/{order['id']}/items"
    assert sandbox.admin_reply("POST", f"{base}/zz/status", {"to": "printed"}).status == 404
    assert sandbox.admin_reply("POST", f"{base}/a/status", {"to": "flying"}).status == 400
