"""Gelato's facts that the connector's tests and the bench share: the shapes of its webhook
events, as on its webhooks page (https://dashboard.gelato.com/docs/webhooks/), and the
fulfilment statuses it gives orders and items. Standard library only.

The sandbox builds the events of its own orders in events.py; these are fixed examples about
one made-up Gelato order, for fuzzing (mutate them, post them). Import them with tools/ on
the path: ``from gelato_sandbox.shapes import example_events``.
"""

import copy

# Every fulfilment status of a Gelato order or item, in the order of an order's life, then the
# ones off its path. The connector knows each of them (gelato_connector/const.py), and the
# sandbox's orders walk a part of them (orders.PROGRESSION, FINAL, ...).
FULFILLMENT_STATUSES = (
    "draft",
    "created",
    "uploading",
    "pending_approval",
    "pending_personalization",
    "not_connected",
    "digitizing",
    "passed",
    "in_production",
    "printed",
    "shipped",
    "in_transit",
    "delivered",
    "on_hold",
    "failed",
    "canceled",
    "returned",
)

# The Gelato order of the examples (unknown to any database).
EXAMPLE_ORDER_ID = "a6a1f9cd-2b7a-4c6e-9f1b-2c9e1d0e9d11"
_CREATED = "2026-11-22T10:00:00+00:00"
_EXAMPLE_EVENTS = (
    {
        "id": "os_5e5680ec6b9a3",
        "event": "order_status_updated",
        "orderId": EXAMPLE_ORDER_ID,
        "storeId": None,
        "orderReferenceId": None,
        "fulfillmentStatus": "shipped",
        "items": [
            {
                "itemReferenceId": "1",
                "fulfillmentStatus": "shipped",
                "fulfillments": [
                    {
                        "trackingCode": "code",
                        "trackingUrl": "https://tracking.example/code",
                        "shipmentMethodName": "DHL Parcel",
                        "shipmentMethodUid": "dhl_parcel",
                        "fulfillmentCountry": "US",
                        "fulfillmentStateProvince": "NY",
                        "fulfillmentFacilityId": "f1",
                    }
                ],
            }
        ],
    },
    {
        "id": "oi_5e5680ec6b9a4",
        "event": "order_item_status_updated",
        "orderId": EXAMPLE_ORDER_ID,
        "itemReferenceId": "1",
        "orderReferenceId": None,
        "status": "printed",
        "comment": "",
        "created": _CREATED,
    },
    {
        "id": "ot_5e5680ec6b9a5",
        "event": "order_item_tracking_code_updated",
        "orderId": EXAMPLE_ORDER_ID,
        "itemReferenceId": "1",
        "orderReferenceId": None,
        "trackingCode": "code",
        "trackingUrl": "https://tracking.example/code",
        "shipmentMethodName": "DHL",
        "shipmentMethodUid": "dhl",
        "productionCountry": "US",
        "created": _CREATED,
    },
    {
        "id": "ode_5e5680ec6b9a6",
        "event": "order_delivery_estimate_updated",
        "orderId": EXAMPLE_ORDER_ID,
        "orderReferenceId": None,
        "minDeliveryDate": "2026-11-25",
        "maxDeliveryDate": "2026-11-28",
        "created": _CREATED,
    },
)


# A recipient Gelato ships to (and the sandbox accepts), for orders placed at the sandbox
# directly by the tests and benches: copy it (``dict(RECIPIENT)``) before changing it.
RECIPIENT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "addressLine1": "Drottninggatan 12",
    "city": "Stockholm",
    "postCode": "111 51",
    "country": "SE",
    "email": "ada@example.com",
}


def example_events(order_reference="S00001"):
    """One event of each kind the connector handles, about :data:`EXAMPLE_ORDER_ID` placed
    with ``order_reference`` (its ``orderReferenceId``): a fresh copy at each call."""
    events = copy.deepcopy(list(_EXAMPLE_EVENTS))
    for event in events:
        event["orderReferenceId"] = order_reference
    return events
