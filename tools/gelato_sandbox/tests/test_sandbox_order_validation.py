"""POST /v4/orders validation: each rule answers 400 with a message naming the field."""

import pytest
from sandbox_support import HANGER_UID, MUG_UID, POSTER_UID


def _set_address(**changes):
    def change(order, payloads):
        order["shippingAddress"] = payloads.address(**changes)

    return change


def _drop(key):
    def change(order, payloads):
        del order[key]

    return change


def _set(key, value):
    def change(order, payloads):
        order[key] = value

    return change


def _set_item(**changes):
    def change(order, payloads):
        order["items"][0].update(changes)

    return change


CASES = {
    # Order fields.
    "missing orderReferenceId": (_drop("orderReferenceId"), "orderReferenceId"),
    "empty orderReferenceId": (_set("orderReferenceId", " "), "orderReferenceId"),
    "missing customerReferenceId": (_drop("customerReferenceId"), "customerReferenceId"),
    "missing currency": (_drop("currency"), "currency"),
    "currency not ISO": (_set("currency", "usd"), "currency"),
    "currency unknown": (_set("currency", "XYZ"), "currency"),
    "bad orderType": (_set("orderType", "rush"), "orderType"),
    "no items": (_set("items", []), "items"),
    "items not a list": (_set("items", {"a": 1}), "items"),
    # Items.
    "missing itemReferenceId": (_set_item(itemReferenceId=None), "items[0].itemReferenceId"),
    "unknown productUid": (
        _set_item(productUid="poster_does_not_exist"),
        "items[0] (line-1).productUid",
    ),
    "quantity zero": (_set_item(quantity=0), "items[0] (line-1).quantity"),
    "quantity not integer": (_set_item(quantity=1.5), "items[0] (line-1).quantity"),
    "quantity as string": (_set_item(quantity="2"), "items[0] (line-1).quantity"),
    "files missing": (_set_item(files=None), "items[0] (line-1).files"),
    "files empty": (_set_item(files=[]), "items[0] (line-1).files"),
    "file type unknown": (
        _set_item(files=[{"type": "top", "url": "http://127.0.0.1:9/x.png"}]),
        "items[0] (line-1).files[0].type",
    ),
    "file url missing": (_set_item(files=[{"type": "default"}]), "items[0] (line-1).files[0].url"),
    "file url not http": (
        _set_item(files=[{"type": "default", "url": "file:///etc/passwd"}]),
        "items[0] (line-1).files[0].url",
    ),
    # Shipping address.
    "no shippingAddress": (_drop("shippingAddress"), "shippingAddress"),
    "firstName too long": (_set_address(firstName="P" * 26), "shippingAddress.firstName"),
    "lastName too long": (_set_address(lastName="S" * 26), "shippingAddress.lastName"),
    "firstName missing": (_set_address(firstName=None), "shippingAddress.firstName"),
    "lastName missing": (_set_address(lastName=None), "shippingAddress.lastName"),
    "companyName too long": (_set_address(companyName="C" * 61), "shippingAddress.companyName"),
    "addressLine1 missing": (_set_address(addressLine1=None), "shippingAddress.addressLine1"),
    "addressLine1 too long": (_set_address(addressLine1="A" * 36), "shippingAddress.addressLine1"),
    "addressLine2 too long": (_set_address(addressLine2="A" * 36), "shippingAddress.addressLine2"),
    "city missing": (_set_address(city=None), "shippingAddress.city"),
    "city too long": (_set_address(city="C" * 31), "shippingAddress.city"),
    "postCode missing": (_set_address(postCode=None), "shippingAddress.postCode"),
    "postCode too long": (_set_address(postCode="1" * 16), "shippingAddress.postCode"),
    "state too long": (_set_address(state="S" * 36), "shippingAddress.state"),
    "state missing for US": (_set_address(state=None), "shippingAddress.state"),
    "state missing for CA": (
        _set_address(state=None, country="CA", postCode="M5V 2T6"),
        "shippingAddress.state",
    ),
    "state missing for AU": (_set_address(state=None, country="AU"), "shippingAddress.state"),
    "country missing": (_set_address(country=None), "shippingAddress.country"),
    "country UK": (_set_address(country="UK", state=None), "shippingAddress.country"),
    "country not ISO": (_set_address(country="XX", state=None), "shippingAddress.country"),
    "email missing": (_set_address(email=None), "shippingAddress.email"),
    "email invalid": (_set_address(email="paul-at-example"), "shippingAddress.email"),
    "phone too long": (_set_address(phone="1" * 26), "shippingAddress.phone"),
    "country not served": (_set_address(country="KP", state=None), "shippingAddress.country"),
    # Metadata.
    "metadata 21 entries": (
        _set("metadata", [{"key": f"k{i}", "value": "v"} for i in range(21)]),
        "metadata",
    ),
    "metadata key too long": (
        _set("metadata", [{"key": "k" * 101, "value": "v"}]),
        "metadata[0].key",
    ),
    "metadata value too long": (
        _set("metadata", [{"key": "k", "value": "v" * 101}]),
        "metadata[0].value",
    ),
    "metadata value missing": (_set("metadata", [{"key": "k"}]), "metadata[0].value"),
    # Shipment method.
    "unknown shipment method": (_set("shipmentMethodUid", "teleport"), "shipmentMethodUid"),
    "method not serving country": (_set("shipmentMethodUid", "dhl_parcel"), "shipmentMethodUid"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_order_is_400_naming_the_field(sandbox, payloads, case):
    change, field = CASES[case]
    order = payloads.order()
    change(order, payloads)
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400, reply
    assert reply.body["message"].startswith(field + ":"), reply.body["message"]
    assert sandbox.admin("GET", "orders")["orders"] == []


def test_uk_is_refused_with_a_hint_to_use_gb(sandbox, payloads):
    order = payloads.order()
    order["shippingAddress"] = payloads.address(country="UK", state=None)
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert "use 'GB'" in reply.body["message"]
    order["shippingAddress"]["country"] = "GB"
    assert sandbox.api("POST", "/v4/orders", order).status == 200


def test_limits_are_inclusive(sandbox, payloads):
    """Values exactly at each limit are accepted."""
    order = payloads.order(
        metadata=[{"key": "k" * 100, "value": "v" * 100}]
        + [{"key": f"k{i}", "value": "v"} for i in range(19)]
    )
    order["shippingAddress"] = payloads.address(
        firstName="F" * 25,
        lastName="L" * 25,
        companyName="C" * 60,
        addressLine1="A" * 35,
        addressLine2="B" * 35,
        city="C" * 30,
        postCode="P" * 15,
        state="S" * 35,
        phone="1" * 25,
    )
    assert sandbox.api("POST", "/v4/orders", order).status == 200


def test_state_is_optional_outside_us_ca_au(sandbox, payloads):
    order = payloads.order()
    order["shippingAddress"] = payloads.address(state=None, country="GB", postCode="SW1A 1AA")
    assert sandbox.api("POST", "/v4/orders", order).status == 200


def test_duplicate_item_reference_is_400(sandbox, payloads):
    order = payloads.order(items=[payloads.item("line-1"), payloads.item("line-1")])
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert reply.body["message"].startswith("items[1] (line-1).itemReferenceId:")


def test_second_item_is_named_by_position_and_reference(sandbox, payloads):
    order = payloads.order(
        items=[payloads.item("line-1"), payloads.item("line-2", product=MUG_UID, files=None)]
    )
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert reply.body["message"].startswith("items[1] (line-2).files:")


def test_files_not_required_for_non_printable_products(sandbox, payloads):
    order = payloads.order(items=[payloads.item("hanger", product=HANGER_UID, files=None)])
    assert sandbox.api("POST", "/v4/orders", order).status == 200


def test_every_documented_file_type_is_accepted(sandbox, payloads):
    kinds = [
        "default",
        "front",
        "back",
        "neck-inner",
        "neck-outer",
        "sleeve-left",
        "sleeve-right",
        "inside",
    ]
    order = payloads.order(items=[payloads.item(files=[(kind, "poster.png") for kind in kinds])])
    assert sandbox.api("POST", "/v4/orders", order).status == 200


@pytest.mark.parametrize("service", ["normal", "standard", "express", "fed_ex_smart_post"])
def test_shipment_method_by_type_or_uid(sandbox, payloads, service):
    reply = sandbox.api("POST", "/v4/orders", payloads.order(shipmentMethodUid=service))
    assert reply.status == 200
    method = reply.body["shipment"]["shipmentMethodUid"]
    us_methods = {
        m["shipmentMethodUid"]: m["type"]
        for m in sandbox.api("GET", "/v1/shipment-methods?country=US").body["shipmentMethods"]
    }
    assert method == service or us_methods[method] == service


def test_express_unavailable_to_iceland(sandbox, payloads):
    order = payloads.order(shipmentMethodUid="express")
    order["shippingAddress"] = payloads.address(country="IS", state=None, postCode="101")
    reply = sandbox.api("POST", "/v4/orders", order)
    assert reply.status == 400
    assert reply.body["message"].startswith("shipmentMethodUid:")


def test_known_product_of_every_family_is_orderable(sandbox, payloads):
    order = payloads.order(
        items=[
            payloads.item("poster", POSTER_UID),
            payloads.item("mug", MUG_UID),
        ]
    )
    assert sandbox.api("POST", "/v4/orders", order).status == 200
