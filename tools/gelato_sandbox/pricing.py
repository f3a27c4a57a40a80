"""Quotes (``POST /v4/orders:quote``) and shipment prices (``POST /v1/prices:search``).

Prices are deterministic: product base prices from ``fixtures/products.json`` with volume
discounts, shipping from ``fixtures/shipping.json`` (base + per kg, more across borders),
converted with the fixed rates of ``fixtures/pricing.json``.
"""

from .util import new_id
from .validation import invalid, require_object, validate_currency, validate_quote


def build_quote(payload, catalog):
    """One quote per fulfilment facility (or a single one unless ``allowMultipleQuotes``)."""
    validate_quote(payload, catalog)
    currency = payload["currency"]
    country = payload["recipient"]["country"]
    products = payload["products"]
    if payload.get("allowMultipleQuotes", False):
        groups = {}
        for product in products:
            facility = catalog.facility(product["productUid"], country)
            groups.setdefault(facility["id"], (facility, []))[1].append(product)
        batches = list(groups.values())
    else:
        batches = [(catalog.facility(products[0]["productUid"], country), products)]
    return {
        "orderReferenceId": payload["orderReferenceId"],
        "quotes": [
            _quote(catalog, facility, lines, country, currency) for facility, lines in batches
        ],
    }


def _quote(catalog, facility, lines, country, currency):
    weights = [(line["productUid"], line["quantity"]) for line in lines]
    methods = []
    for method in catalog.methods_for(country):
        offer = catalog.shipping_quote(
            method, weights, origin=facility["country"], destination=country, currency=currency
        )
        methods.append(
            {
                "name": method["name"],
                "shipmentMethodUid": method["shipmentMethodUid"],
                "price": offer["price"],
                "currency": currency,
                "minDeliveryDays": offer["minDeliveryDays"],
                "maxDeliveryDays": offer["maxDeliveryDays"],
                "minDeliveryDate": offer["minDeliveryDate"],
                "maxDeliveryDate": offer["maxDeliveryDate"],
                "type": method["type"],
                "isPrivate": method["isPrivate"],
                "isBusiness": method["isBusiness"],
                "totalWeight": offer["totalWeight"],
                "numberOfParcels": 1,
            }
        )
    methods.sort(key=lambda m: (m["price"], m["shipmentMethodUid"]))
    return {
        "id": new_id(),
        "itemReferenceIds": [line["itemReferenceId"] for line in lines],
        "fulfillmentCountry": facility["country"],
        "shipmentMethods": methods,
        "products": [
            {
                "itemReferenceId": line["itemReferenceId"],
                "productUid": line["productUid"],
                "quantity": line["quantity"],
                "price": catalog.money(
                    catalog.product_price_eur(line["productUid"], line["quantity"]), currency
                ),
                "currency": currency,
            }
            for line in lines
        ],
    }


def product_prices(catalog, product_uid, country, currency):
    """``GET /v3/products/{uid}/prices``: total price per quantity tier."""
    return [
        {
            "productUid": product_uid,
            "country": country,
            "quantity": quantity,
            "price": catalog.money(catalog.product_price_eur(product_uid, quantity), currency),
            "currency": currency,
            "pageCount": None,
        }
        for quantity in catalog.pricing["priceQuantities"]
    ]


def shipment_prices(payload, catalog):
    """``POST /v1/prices:search``: shipping price per product and quantity, per method."""
    require_object(payload, "body")
    currency = validate_currency(payload, catalog)
    country = payload.get("country")
    if country not in catalog.countries:
        raise invalid("country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
    products = payload.get("products")
    if not isinstance(products, list) or not products:
        raise invalid("products", "at least one product is required")
    prices = []
    for index, entry in enumerate(products):
        require_object(entry, f"products[{index}]")
        uid = entry.get("productUid")
        if uid not in catalog.products:
            raise invalid(f"products[{index}].productUid", f"unknown product '{uid}'")
        quantities = entry.get("quantities")
        if not isinstance(quantities, list) or not all(
            isinstance(q, int) and not isinstance(q, bool) and q >= 1 for q in quantities
        ):
            raise invalid(f"products[{index}].quantities", "must be a list of integers >= 1")
        facility = catalog.facility(uid, country)
        rows = []
        for quantity in quantities:
            methods = []
            for method in catalog.methods_for(country):
                offer = catalog.shipping_quote(
                    method,
                    [(uid, quantity)],
                    origin=facility["country"],
                    destination=country,
                    currency=currency,
                )
                methods.append(
                    {
                        "shipmentMethodUid": method["shipmentMethodUid"],
                        "type": method["type"],
                        "minPrice": offer["price"],
                        "avgPrice": offer["price"],
                        "minDays": offer["minDeliveryDays"],
                        "maxDays": offer["maxDeliveryDays"],
                        "hasFlatRate": False,
                    }
                )
            rows.append({"quantity": quantity, "pageCount": None, "methods": methods})
        prices.append({"productUid": uid, "quantities": rows})
    return {"prices": prices}
