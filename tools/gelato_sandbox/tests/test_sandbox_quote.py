"""POST /v4/orders:quote: quotes per facility, methods per service level, currencies."""

import pytest
from sandbox_support import MUG_UID, POSTER_UID, TSHIRT_UID

METHOD_KEYS = {
    "shipmentMethodUid",
    "name",
    "type",
    "price",
    "currency",
    "minDeliveryDays",
    "maxDeliveryDays",
    "minDeliveryDate",
    "maxDeliveryDate",
}


def _products(payloads):
    return [
        payloads.item("poster", POSTER_UID, quantity=2),
        payloads.item("shirt", TSHIRT_UID),
        payloads.item("mug", MUG_UID, files=None),
    ]


def _quote(sandbox, body):
    reply = sandbox.api("POST", "/v4/orders:quote", body)
    assert reply.status == 200, reply
    return reply.body


def test_one_quote_per_facility_when_allowed(sandbox, payloads):
    body = payloads.quote(
        _products(payloads),
        currency="EUR",
        multiple=True,
        country="DE",
        state=None,
        postCode="10115",
    )
    answer = _quote(sandbox, body)
    assert answer["orderReferenceId"] == "SO-Q1"
    quotes = answer["quotes"]
    assert len(quotes) == 3
    assert [q["itemReferenceIds"] for q in quotes] == [["poster"], ["shirt"], ["mug"]]
    assert [q["fulfillmentCountry"] for q in quotes] == ["DE", "LV", "CZ"]
    for quote in quotes:
        assert quote["id"]
        types = {m["type"] for m in quote["shipmentMethods"]}
        assert types & {"normal", "standard"}
        assert "express" in types
        for method in quote["shipmentMethods"]:
            assert set(method) >= METHOD_KEYS
            assert method["currency"] == "EUR"
            assert method["minDeliveryDate"] <= method["maxDeliveryDate"]
    poster = quotes[0]["products"][0]
    assert poster == {
        "itemReferenceId": "poster",
        "productUid": POSTER_UID,
        "quantity": 2,
        "price": poster["price"],
        "currency": "EUR",
    }
    assert poster["price"] > 0


def test_single_quote_unless_allowed(sandbox, payloads):
    body = payloads.quote(
        _products(payloads),
        currency="EUR",
        multiple=False,
        country="DE",
        state=None,
        postCode="10115",
    )
    [quote] = _quote(sandbox, body)["quotes"]
    assert quote["itemReferenceIds"] == ["poster", "shirt", "mug"]
    assert [p["itemReferenceId"] for p in quote["products"]] == ["poster", "shirt", "mug"]


def test_several_methods_of_one_type_with_different_prices(sandbox, payloads):
    [quote] = _quote(sandbox, payloads.quote([payloads.item()], currency="USD"))["quotes"]
    normal = [m["price"] for m in quote["shipmentMethods"] if m["type"] == "normal"]
    express = [m["price"] for m in quote["shipmentMethods"] if m["type"] == "express"]
    assert len(normal) >= 2
    assert len(set(normal)) == len(normal)
    assert len(express) >= 2
    assert min(express) > min(normal)


def test_express_is_unavailable_to_iceland(sandbox, payloads):
    body = payloads.quote(_products(payloads), country="IS", state=None, postCode="101")
    for quote in _quote(sandbox, body)["quotes"]:
        types = {m["type"] for m in quote["shipmentMethods"]}
        assert "express" not in types
        assert types & {"normal", "standard"}


def test_prices_follow_the_currency(sandbox, payloads):
    products = [payloads.item(quantity=10)]
    eur = _quote(sandbox, payloads.quote(products, currency="EUR"))["quotes"][0]
    sek = _quote(sandbox, payloads.quote(products, currency="SEK"))["quotes"][0]
    usd = _quote(sandbox, payloads.quote(products, currency="USD"))["quotes"][0]
    assert sek["products"][0]["currency"] == "SEK"
    assert abs(sek["products"][0]["price"] - eur["products"][0]["price"] * 11.45) < 0.1
    eur_methods = {m["shipmentMethodUid"]: m["price"] for m in eur["shipmentMethods"]}
    for method in sek["shipmentMethods"]:
        assert method["currency"] == "SEK"
        assert abs(method["price"] - eur_methods[method["shipmentMethodUid"]] * 11.45) < 0.1
    price_list = sandbox.api("GET", f"/v3/products/{POSTER_UID}/prices?country=US&currency=USD")
    tier = next(p for p in price_list.body if p["quantity"] == 10)
    assert usd["products"][0]["price"] == tier["price"]


@pytest.mark.parametrize(
    "currency", ["EUR", "USD", "GBP", "SEK", "NOK", "DKK", "CHF", "CAD", "AUD"]
)
def test_supported_currencies(sandbox, payloads, currency):
    quote = _quote(sandbox, payloads.quote([payloads.item()], currency=currency))["quotes"][0]
    assert quote["products"][0]["currency"] == currency


def test_quotes_are_deterministic(sandbox, payloads):
    body = payloads.quote(_products(payloads))
    first, second = _quote(sandbox, body), _quote(sandbox, body)
    strip = [
        [(m["shipmentMethodUid"], m["price"]) for m in q["shipmentMethods"]]
        for q in first["quotes"]
    ]
    assert strip == [
        [(m["shipmentMethodUid"], m["price"]) for m in q["shipmentMethods"]]
        for q in second["quotes"]
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": None}, "currency"),
        ({"orderReferenceId": None}, "orderReferenceId"),
        ({"allowMultipleQuotes": "yes"}, "allowMultipleQuotes"),
        ({"recipient": {"firstName": "P" * 26}}, "recipient.firstName"),
        ({"recipient": {"country": "UK", "state": None}}, "recipient.country"),
        ({"recipient": {"state": None}}, "recipient.state"),
        ({"products": []}, "products"),
    ],
)
def test_invalid_quote_is_400_naming_the_field(sandbox, payloads, change, field):
    body = payloads.quote([payloads.item()])
    for key, value in change.items():
        if key == "recipient":
            body["recipient"] = payloads.address(**value)
        elif value is None:
            del body[key]
        else:
            body[key] = value
    reply = sandbox.api("POST", "/v4/orders:quote", body)
    assert reply.status == 400
    assert reply.body["message"].startswith(field + ":"), reply.body["message"]


def test_quote_product_errors_name_the_product(sandbox, payloads):
    unknown = payloads.quote([payloads.item("x", "nope")])
    reply = sandbox.api("POST", "/v4/orders:quote", unknown)
    assert reply.body["message"].startswith("products[0] (x).productUid:")
    duplicate = payloads.quote([payloads.item("x"), payloads.item("x")])
    reply = sandbox.api("POST", "/v4/orders:quote", duplicate)
    assert reply.body["message"].startswith("products[1] (x).itemReferenceId:")


def test_quote_does_not_download_files(sandbox, payloads):
    _quote(sandbox, payloads.quote([payloads.item(files=[("default", "gone.png")])]))
    assert sandbox.admin("GET", "downloads")["downloads"] == []
