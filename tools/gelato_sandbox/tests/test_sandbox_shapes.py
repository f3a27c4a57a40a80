"""Gelato's event shapes and statuses (gelato_sandbox/shapes.py), the examples the connector's
fuzz test and the bench mutate: they must stay what the sandbox (Gelato's stand-in) sends."""

from gelato_sandbox import orders
from gelato_sandbox.shapes import EXAMPLE_ORDER_ID, FULFILLMENT_STATUSES, example_events


def test_example_events_are_fresh_copies_about_the_reference():
    first = example_events("REF-1")
    assert [e["event"] for e in first] == [
        "order_status_updated",
        "order_item_status_updated",
        "order_item_tracking_code_updated",
        "order_delivery_estimate_updated",
    ]
    assert {e["orderReferenceId"] for e in first} == {"REF-1"}
    assert {e["orderId"] for e in first} == {EXAMPLE_ORDER_ID}
    first[0]["items"][0]["fulfillments"].clear()
    assert example_events()[0]["items"][0]["fulfillments"]
    assert {e["orderReferenceId"] for e in example_events()} == {"S00001"}


def test_the_sandbox_statuses_are_gelatos():
    assert len(set(FULFILLMENT_STATUSES)) == len(FULFILLMENT_STATUSES)
    known = set(FULFILLMENT_STATUSES)
    for name in ("PROGRESSION", "UNCANCELLABLE", "FINAL", "RETURNABLE", "FINANCIAL_STATUS"):
        assert set(getattr(orders, name)) <= known, name
    for event in example_events():
        for status in (event.get("fulfillmentStatus"), event.get("status")):
            assert status is None or status in known


def test_example_events_have_the_sandbox_keys(sandbox, create_order, receiver):
    """Every key of an example is one the sandbox sends in the same event (the examples may
    leave some out: Gelato's docs do)."""
    order = create_order("SO-SHAPES")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "shipped"})
    sandbox.wait_webhooks()
    sent = {}
    for event in receiver.events():
        sent.setdefault(event["event"], event)
    shipped = [
        e
        for e in receiver.events()
        if e["event"] == "order_status_updated" and e["fulfillmentStatus"] == "shipped"
    ][-1]
    for example in example_events():
        real = shipped if example["event"] == "order_status_updated" else sent[example["event"]]
        assert set(example) <= set(real), example["event"]
    example_item = example_events()[0]["items"][0]
    real_item = shipped["items"][0]
    assert set(example_item) <= set(real_item)
    assert set(example_item["fulfillments"][0]) <= set(real_item["fulfillments"][0])
