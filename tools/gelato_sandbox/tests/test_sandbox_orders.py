"""Orders: create (with file downloads), get, search, drafts, delete and cancel."""

import uuid

import pytest
from sandbox_support import MUG_UID, PNG, POSTER_UID, TSHIRT_UID

ORDER_KEYS = {
    "id",
    "orderType",
    "orderReferenceId",
    "customerReferenceId",
    "fulfillmentStatus",
    "financialStatus",
    "currency",
    "channel",
    "createdAt",
    "updatedAt",
    "orderedAt",
    "items",
    "shipment",
    "shippingAddress",
    "connectedOrderIds",
    "receipts",
    "metadata",
}


def _is_uuid4(value):
    return uuid.UUID(value).version == 4


# === Create and get === #


def test_create_order_answers_the_full_order(sandbox, payloads):
    items = [
        payloads.item("line-1", TSHIRT_UID, files=[("default", "front.jpg"), ("back", "back.pdf")]),
        payloads.item("line-2", POSTER_UID, quantity=3),
    ]
    reply = sandbox.api("POST", "/v4/orders", payloads.order("SO042", items))
    assert reply.status == 200
    order = reply.body
    assert set(order) >= ORDER_KEYS
    assert _is_uuid4(order["id"])
    assert order["orderType"] == "order"
    assert order["fulfillmentStatus"] == "created"
    assert order["financialStatus"] == "pending"
    assert order["channel"] == "api"
    assert order["orderedAt"]
    assert order["connectedOrderIds"] == []
    assert [i["itemReferenceId"] for i in order["items"]] == ["line-1", "line-2"]
    assert all(_is_uuid4(i["id"]) and i["fulfillmentStatus"] == "created" for i in order["items"])
    assert order["items"][0]["files"] == items[0]["files"]
    assert order["items"][1]["quantity"] == 3
    shipment = order["shipment"]
    assert {
        "id",
        "shipmentMethodName",
        "shipmentMethodUid",
        "minDeliveryDate",
        "maxDeliveryDate",
        "packages",
    } <= set(shipment)
    assert shipment["minDeliveryDate"] <= shipment["maxDeliveryDate"]
    assert order["shippingAddress"]["orderId"] == order["id"]
    assert order["shippingAddress"]["firstName"] == "Paul"
    receipt = order["receipts"][0]
    assert receipt["currency"] == "USD"
    assert {entry["type"] for entry in receipt["items"]} == {"product", "shipment", "packaging"}
    assert receipt["totalInclVat"] >= receipt["total"] > 0
    assert order["metadata"] == [{"key": "odooOrder", "value": "SO042"}]

    fetched = sandbox.api("GET", f"/v4/orders/{order['id']}")
    assert fetched.status == 200
    assert fetched.body == order


def test_default_shipment_is_the_cheapest_normal_or_standard(sandbox, payloads):
    order = sandbox.api("POST", "/v4/orders", payloads.order()).body
    quote = sandbox.api(
        "POST",
        "/v4/orders:quote",
        payloads.quote([payloads.item()], currency="USD", multiple=False),
    ).body["quotes"][0]
    cheapest = min(
        (m for m in quote["shipmentMethods"] if m["type"] in ("normal", "standard")),
        key=lambda m: m["price"],
    )
    assert order["shipment"]["shipmentMethodUid"] == cheapest["shipmentMethodUid"]


def test_get_unknown_order_is_404(sandbox):
    reply = sandbox.api("GET", f"/v4/orders/{uuid.uuid4()}")
    assert reply.status == 404
    assert reply.body["message"]


def test_create_downloads_every_file_and_records_it(sandbox, payloads):
    items = [
        payloads.item("a", TSHIRT_UID, files=[("default", "front.jpg"), ("back", "back.pdf")]),
        payloads.item("b", POSTER_UID),
    ]
    order = sandbox.api("POST", "/v4/orders", payloads.order("SO-DL", items)).body
    downloads = sandbox.admin("GET", "downloads")["downloads"]
    assert [(d["itemReferenceId"], d["fileType"], d["type"], d["status"]) for d in downloads] == [
        ("a", "default", "jpeg", 200),
        ("a", "back", "pdf", 200),
        ("b", "default", "png", 200),
    ]
    assert downloads[2]["bytes"] == len(PNG)
    assert all(d["orderId"] == order["id"] and d["error"] is None for d in downloads)


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("gone.png", "HTTP 404"),
        ("page.html", "not a PNG, JPEG or PDF"),
    ],
)
def test_unusable_file_rejects_the_order(sandbox, payloads, receiver, file_name, reason):
    items = [payloads.item("ok"), payloads.item("bad", files=[("default", file_name)])]
    reply = sandbox.api("POST", "/v4/orders", payloads.order("SO-BAD", items))
    assert reply.status == 400
    message = reply.body["message"]
    assert message.startswith("items[1] (bad).files:")
    assert receiver.url(file_name) in message
    assert reason in message
    assert sandbox.admin("GET", "orders")["orders"] == []
    assert sandbox.admin("GET", "downloads")["downloads"][-1]["error"].startswith(reason)


def test_unreachable_file_rejects_the_order(sandbox, payloads):
    order = payloads.order()
    order["items"][0]["files"] = [{"type": "default", "url": "http://127.0.0.1:9/art.png"}]
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert "http://127.0.0.1:9/art.png" in reply.body["message"]
    assert "unreachable" in reply.body["message"]


def test_non_loopback_file_hosts_are_refused_without_a_lookup(sandbox, payloads):
    order = payloads.order()
    order["items"][0]["files"] = [{"type": "default", "url": "https://print.example.invalid/a.png"}]
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert "loopback" in reply.body["message"]


def test_download_timeout_applies(sandbox, payloads, receiver):
    sandbox.admin("POST", "config", {"download_timeout": 0.3, "hang_seconds": 1})
    # The sandbox's own hang fault is a handy slow file server.
    sandbox.admin("POST", "faults", {"kind": "hang", "endpoint": "GET /slow.png"})
    order = payloads.order()
    order["items"][0]["files"] = [{"type": "default", "url": f"{sandbox.base_url}/slow.png"}]
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert "unreachable" in reply.body["message"]


# === Search === #


def test_search_filters_and_pages(sandbox, create_order, payloads):
    first = create_order("SO-1")
    second = create_order("SO-2", currency="EUR")
    draft = create_order("SO-3", orderType="draft")
    gb = payloads.address(country="GB", state=None, postCode="SW1A 1AA")
    fourth = create_order("SO-4", shippingAddress=gb)

    def ids(body):
        reply = sandbox.api("POST", "/v4/orders:search", body)
        assert reply.status == 200
        return [o["id"] for o in reply.body["orders"]]

    assert ids({}) == [fourth["id"], draft["id"], second["id"], first["id"]]  # newest first
    assert ids({"orderReferenceIds": ["SO-2", "SO-3"]}) == [draft["id"], second["id"]]
    assert ids({"ids": [first["id"]]}) == [first["id"]]
    assert ids({"orderTypes": ["draft"]}) == [draft["id"]]
    assert ids({"fulfillmentStatuses": ["draft"]}) == [draft["id"]]
    assert ids({"countries": ["GB"]}) == [fourth["id"]]
    assert ids({"orderTypes": ["order"], "limit": 2}) == [fourth["id"], second["id"]]
    assert ids({"orderTypes": ["order"], "limit": 2, "offset": 2}) == [first["id"]]
    assert ids({"orderReferenceIds": ["nope"]}) == []


def test_search_summary_shape(sandbox, create_order):
    order = create_order("SO-S")
    summary = sandbox.api("POST", "/v4/orders:search", {"ids": [order["id"]]}).body["orders"][0]
    assert summary == {
        "id": order["id"],
        "orderType": "order",
        "orderReferenceId": "SO-S",
        "customerReferenceId": "CUST-1",
        "fulfillmentStatus": "created",
        "financialStatus": "pending",
        "currency": "USD",
        "channel": "api",
        "storeId": None,
        "connectedOrderIds": [],
        "country": "US",
        "firstName": "Paul",
        "lastName": "Smith",
        "itemsCount": 1,
        "totalInclVat": f"{order['receipts'][0]['totalInclVat']:.2f}",
        "createdAt": order["createdAt"],
        "updatedAt": order["updatedAt"],
        "orderedAt": order["orderedAt"],
    }


@pytest.mark.parametrize("body", [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"ids": "x"}])
def test_search_rejects_bad_paging(sandbox, body):
    reply = sandbox.api("POST", "/v4/orders:search", body)
    assert reply.status == 400
    assert reply.body["message"].startswith(next(iter(body)))


def test_search_default_limit_is_50(sandbox, payloads):
    for index in range(51):
        reply = sandbox.api("POST", "/v4/orders", payloads.order(f"SO-{index}", orderType="draft"))
        assert reply.status == 200
    assert len(sandbox.api("POST", "/v4/orders:search", {}).body["orders"]) == 50


# === Drafts === #


def test_draft_is_not_downloaded_until_promoted(sandbox, payloads):
    items = [payloads.item("a", TSHIRT_UID, files=[("default", "front.jpg"), ("back", "back.pdf")])]
    draft = sandbox.api("POST", "/v4/orders", payloads.order("SO-D", items, orderType="draft")).body
    assert draft["orderType"] == "draft"
    assert draft["fulfillmentStatus"] == "draft"
    assert draft["financialStatus"] == "draft"
    assert draft["orderedAt"] is None
    assert draft["receipts"] == []
    assert sandbox.admin("GET", "downloads")["downloads"] == []

    promoted = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", {"orderType": "order"})
    assert promoted.status == 200
    assert promoted.body["id"] == draft["id"]
    assert promoted.body["orderType"] == "order"
    assert promoted.body["fulfillmentStatus"] == "created"
    assert promoted.body["items"][0]["fulfillmentStatus"] == "created"
    assert promoted.body["orderedAt"]
    assert promoted.body["receipts"]
    downloads = sandbox.admin("GET", "downloads")["downloads"]
    assert [d["type"] for d in downloads] == ["jpeg", "pdf"]
    counters = sandbox.admin("GET", "counters")["ordersByReference"]["SO-D"]
    assert counters["orders"] == 1
    assert counters["drafts"] == 0


def test_draft_may_lack_files_but_promotion_needs_them(sandbox, payloads):
    items = [payloads.item("a", files=None)]
    draft = sandbox.api("POST", "/v4/orders", payloads.order("SO-NF", items, orderType="draft"))
    assert draft.status == 200
    reply = sandbox.api("PATCH", f"/v4/orders/{draft.body['id']}", {"orderType": "order"})
    assert reply.status == 400
    assert reply.body["message"].startswith("items[0] (a).files:")
    assert sandbox.api("GET", f"/v4/orders/{draft.body['id']}").body["orderType"] == "draft"


def test_promotion_with_a_bad_file_keeps_the_draft(sandbox, payloads):
    items = [payloads.item("a", files=[("default", "gone.png")])]
    draft = sandbox.api(
        "POST", "/v4/orders", payloads.order("SO-BF", items, orderType="draft")
    ).body
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", {"orderType": "order"})
    assert reply.status == 400
    assert "HTTP 404" in reply.body["message"]
    assert sandbox.api("GET", f"/v4/orders/{draft['id']}").body["fulfillmentStatus"] == "draft"


def test_patch_items_replaces_the_list(sandbox, payloads, receiver):
    items = [payloads.item("a"), payloads.item("b", MUG_UID), payloads.item("c")]
    draft = sandbox.api("POST", "/v4/orders", payloads.order("SO-P", items, orderType="draft")).body
    keep_a, drop_b, keep_c = draft["items"]
    new_file = [{"type": "default", "url": receiver.url("front.jpg")}]
    body = {
        "items": [
            {"id": keep_a["id"], "files": new_file, "quantity": 4},
            {"id": keep_c["id"]},
            payloads.item("d", MUG_UID),
        ]
    }
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", body)
    assert reply.status == 200
    patched = reply.body
    assert patched["orderType"] == "draft"
    assert [i["itemReferenceId"] for i in patched["items"]] == ["a", "c", "d"]
    assert patched["items"][0]["id"] == keep_a["id"]
    assert patched["items"][0]["files"] == new_file
    assert patched["items"][0]["quantity"] == 4
    assert patched["items"][1] == keep_c
    assert drop_b["id"] not in [i["id"] for i in patched["items"]]
    assert sandbox.admin("GET", "downloads")["downloads"] == []


def test_patch_items_and_promote_in_one_call(sandbox, payloads):
    items = [payloads.item("a", files=None)]
    draft = sandbox.api(
        "POST", "/v4/orders", payloads.order("SO-PP", items, orderType="draft")
    ).body
    body = {
        "orderType": "order",
        "items": [{"id": draft["items"][0]["id"], "files": payloads.item()["files"]}],
    }
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", body)
    assert reply.status == 200
    assert reply.body["fulfillmentStatus"] == "created"
    assert len(sandbox.admin("GET", "downloads")["downloads"]) == 1


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"id": "not-an-item"}], "items[0].id"),
        (
            [{"itemReferenceId": "x", "productUid": "nope", "quantity": 1}],
            "items[0] (x).productUid",
        ),
    ],
)
def test_patch_validates_new_items(sandbox, create_order, items, field):
    draft = create_order("SO-PV", orderType="draft")
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", {"items": items})
    assert reply.status == 400
    assert reply.body["message"].startswith(field + ":")


def test_patch_duplicate_reference_against_kept_item(sandbox, create_order, payloads):
    draft = create_order("SO-PD", orderType="draft")
    body = {"items": [{"id": draft["items"][0]["id"]}, payloads.item("line-1")]}
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", body)
    assert reply.status == 400
    assert "itemReferenceId" in reply.body["message"]


def test_only_drafts_can_be_patched_or_deleted(sandbox, create_order):
    order = create_order("SO-NP")
    patch = sandbox.api("PATCH", f"/v4/orders/{order['id']}", {"orderType": "order"})
    assert patch.status == 409
    assert "draft" in patch.body["message"]
    delete = sandbox.api("DELETE", f"/v4/orders/{order['id']}")
    assert delete.status == 409
    assert "draft" in delete.body["message"]
    assert sandbox.api("PATCH", f"/v4/orders/{uuid.uuid4()}", {}).status == 404


def test_delete_draft(sandbox, create_order):
    draft = create_order("SO-DEL", orderType="draft")
    reply = sandbox.api("DELETE", f"/v4/orders/{draft['id']}")
    assert reply.status == 204
    assert reply.body is None
    assert sandbox.api("GET", f"/v4/orders/{draft['id']}").status == 404
    assert sandbox.api("DELETE", f"/v4/orders/{draft['id']}").status == 404
    counters = sandbox.admin("GET", "counters")["ordersByReference"]["SO-DEL"]
    assert counters == {
        "creates": 1,
        "deletedDrafts": 1,
        "orders": 0,
        "drafts": 0,
        "splitParts": 0,
        "live": 0,
    }


# === Cancel === #


def test_cancel_order(sandbox, create_order, receiver):
    order = create_order("SO-C")
    reply = sandbox.api("POST", f"/v4/orders/{order['id']}:cancel")
    assert reply.status == 200
    assert reply.body["fulfillmentStatus"] == "canceled"
    assert reply.body["financialStatus"] == "canceled"
    assert sandbox.api("GET", f"/v4/orders/{order['id']}").body["fulfillmentStatus"] == "canceled"
    sandbox.wait_webhooks()
    statuses = [e for e in receiver.events() if e["event"] == "order_status_updated"]
    assert [(e["orderId"], e["fulfillmentStatus"]) for e in statuses] == [(order["id"], "canceled")]
    # Canceling again is harmless and sends nothing new.
    assert sandbox.api("POST", f"/v4/orders/{order['id']}:cancel").status == 200
    sandbox.wait_webhooks()
    assert len([e for e in receiver.events() if e["event"] == "order_status_updated"]) == 1


@pytest.mark.parametrize("status", ["printed", "shipped", "delivered"])
def test_cancel_after_printing_is_409(sandbox, create_order, status):
    order = create_order("SO-C409")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": status})
    reply = sandbox.api("POST", f"/v4/orders/{order['id']}:cancel")
    assert reply.status == 409
    assert reply.body["message"] == (
        f"The order can't be canceled: at least one of the items is in '{status}' status."
    )
    assert sandbox.api("GET", f"/v4/orders/{order['id']}").body["fulfillmentStatus"] == status


def test_cancel_in_production_is_allowed(sandbox, create_order):
    order = create_order("SO-CIP")
    sandbox.admin("POST", f"orders/{order['id']}/advance", {"to": "in_production"})
    assert sandbox.api("POST", f"/v4/orders/{order['id']}:cancel").status == 200


def test_cancel_unknown_is_404_and_draft_is_409(sandbox, create_order):
    assert sandbox.api("POST", f"/v4/orders/{uuid.uuid4()}:cancel").status == 404
    draft = create_order("SO-CD", orderType="draft")
    assert sandbox.api("POST", f"/v4/orders/{draft['id']}:cancel").status == 409
