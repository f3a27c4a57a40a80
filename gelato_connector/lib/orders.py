"""Gelato's order answers (create, get, search, quote) and the send job's back-off."""

import hashlib
import json

from . import const


def order_data_problem(data):
    """What makes an order as Gelato returns it (create, get, patch, cancel) unusable.

    Gelato documents these shapes (orders v4); a proxy, an outage or a change at Gelato may
    answer something else with a 2xx status, and that must not be taken for an order.

    :return: a short technical description, or None when the order can be read.
    """
    if not isinstance(data, dict):
        return "the order is not a JSON object"
    return next((problem for problem in _order_problems(data) if problem), None)


def _order_problems(data):
    """The problems of an order answer, checked lazily in order (None when a check passes)."""
    yield (
        None if isinstance(data.get("id"), str) and data["id"].strip() else "the order has no id"
    )
    for key in ("orderType", "fulfillmentStatus", "financialStatus", "refusalReason"):
        yield (
            None
            if data.get(key) is None or isinstance(data[key], str)
            else ("%s is not a string" % key)
        )
    for key in ("items", "connectedOrderIds"):
        yield (
            None
            if data.get(key) is None or isinstance(data[key], list)
            else ("%s is not a list" % key)
        )
    if any(not isinstance(item, dict) for item in data.get("items") or []):
        yield "an item is not an object"
    if any(not isinstance(other, str) for other in data.get("connectedOrderIds") or []):
        yield "connectedOrderIds holds something else than ids"
    shipment = data.get("shipment")
    if shipment is not None and not isinstance(shipment, dict):
        yield "shipment is not an object"
        return
    packages = (shipment or {}).get("packages")
    if packages is not None and (
        not isinstance(packages, list)
        or any(
            not isinstance(package, dict) or not isinstance(package.get("orderItemIds") or [], list)
            for package in packages
        )
    ):
        yield "shipment.packages is not a list of parcels"


def search_answer_orders(answer):
    """The orders of an ``orders:search`` answer, or None when the answer is not one."""
    orders = answer.get("orders") if isinstance(answer, dict) else None
    if not isinstance(orders, list) or any(
        not isinstance(order, dict) or not isinstance(order.get("id"), str) for order in orders
    ):
        return None
    return orders


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


# Keys of an ``orders:quote`` payload that name the request, not what is priced.
QUOTE_REFERENCE_KEYS = ("orderReferenceId", "customerReferenceId")
# What the rates read of each shipment method of a quote (the rest is not kept in the cache).
QUOTE_METHOD_KEYS = ("type", "price", "currency", "minDeliveryDays", "maxDeliveryDays")


def quote_cache_key(payload, scope=()):
    """The cache key of an ``orders:quote`` payload: a hash of everything sent that Gelato
    prices (recipient, currency, products and quantities, options), without the references.

    Two carts with the same products, quantities, delivery address and currency share a key;
    any change to what is sent (an address field, a quantity, a product) makes another one.

    :param dict payload: the quote's body.
    :param scope: what else separates answers (the company, the API's address), JSON-able.
    :return: a hex SHA-256 digest (the address is not readable from it).
    """
    material = {
        key: value
        for key, value in payload.items()
        if key not in QUOTE_REFERENCE_KEYS and key != "products"
    }
    # Products by position: itemReferenceId (the sale line) is a reference too.
    material["products"] = [
        {key: value for key, value in product.items() if key != "itemReferenceId"}
        for product in payload.get("products") or []
    ]
    text = json.dumps(
        ["quote-v1", list(scope), material], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def quotes_for_cache(quotes, item_refs):
    """The part of an ``orders:quote`` answer the rates need, item references replaced by
    their position in the request, so that another cart with the same content can use it.

    :param list quotes: ``quotes`` of the answer.
    :param list item_refs: the request's ``itemReferenceId`` values, in order.
    :return: ``[{"itemReferenceIds": [positions], "shipmentMethods": [...]}]``.
    :raise AttributeError, TypeError, ValueError: when the answer is not shaped as documented.
    """
    position = {str(ref): index for index, ref in enumerate(item_refs)}
    reduced = []
    for quote in quotes:
        refs = quote.get("itemReferenceIds") or []
        methods = quote.get("shipmentMethods") or []
        if not isinstance(refs, list) or not isinstance(methods, list):
            raise TypeError("a quote's references or methods are not a list")
        reduced.append(
            {
                "itemReferenceIds": [position[str(r)] for r in refs if str(r) in position],
                "shipmentMethods": [
                    {key: method.get(key) for key in QUOTE_METHOD_KEYS} for method in methods
                ],
            }
        )
    # Every service level must be readable from what is kept (a garbage price is never cached).
    for method_types in const.SERVICE_LEVEL_METHOD_TYPES.values():
        rate_from_quotes(reduced, method_types)
    return reduced


def quotes_from_cache(reduced, item_refs):
    """:func:`quotes_for_cache`'s result with this request's item references put back."""
    return [
        {
            **quote,
            "itemReferenceIds": [
                str(item_refs[index])
                for index in quote["itemReferenceIds"]
                if isinstance(index, int) and 0 <= index < len(item_refs)
            ],
        }
        for quote in reduced
    ]
