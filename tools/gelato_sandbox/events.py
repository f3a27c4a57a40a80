"""Webhook payloads, shaped like the examples on Gelato's webhooks page."""

from .util import event_id, now_iso


def _facility(catalog, order, item):
    return catalog.facility(item["productUid"], order["shippingAddress"]["country"])


def order_status_updated(catalog, order, comment=""):
    shipment = order["shipment"]
    items = []
    for item in order["items"]:
        facility = _facility(catalog, order, item)
        fulfillments = [
            {
                "trackingCode": package["trackingCode"],
                "trackingUrl": package["trackingUrl"],
                "shipmentMethodName": shipment["shipmentMethodName"],
                "shipmentMethodUid": shipment["shipmentMethodUid"],
                "fulfillmentCountry": facility["country"],
                "fulfillmentStateProvince": facility["stateProvince"],
                "fulfillmentFacilityId": facility["id"],
            }
            for package in shipment["packages"]
            if item["id"] in package["orderItemIds"]
        ]
        items.append(
            {
                "itemReferenceId": item["itemReferenceId"],
                "fulfillmentStatus": item["fulfillmentStatus"],
                "fulfillments": fulfillments,
            }
        )
    return {
        "id": event_id("os"),
        "event": "order_status_updated",
        "orderId": order["id"],
        "storeId": order["storeId"],
        "orderReferenceId": order["orderReferenceId"],
        "fulfillmentStatus": order["fulfillmentStatus"],
        "comment": comment,
        "items": items,
    }


def order_item_status_updated(catalog, order, item, comment=""):
    facility = _facility(catalog, order, item)
    return {
        "id": event_id("is"),
        "event": "order_item_status_updated",
        "itemReferenceId": item["itemReferenceId"],
        "orderReferenceId": order["orderReferenceId"],
        "orderId": order["id"],
        "storeId": order["storeId"],
        "fulfillmentCountry": facility["country"],
        "fulfillmentStateProvince": facility["stateProvince"],
        "fulfillmentFacilityId": facility["id"],
        "status": item["fulfillmentStatus"],
        "comment": comment,
        "created": now_iso(),
    }


def order_item_tracking_code_updated(catalog, order, item, package):
    """One event per item and parcel; location keys are ``production*`` as in the docs."""
    facility = _facility(catalog, order, item)
    shipment = order["shipment"]
    return {
        "id": event_id("tc"),
        "event": "order_item_tracking_code_updated",
        "orderId": order["id"],
        "storeId": order["storeId"],
        "itemReferenceId": item["itemReferenceId"],
        "orderReferenceId": order["orderReferenceId"],
        "trackingCode": package["trackingCode"],
        "trackingUrl": package["trackingUrl"],
        "shipmentMethodName": shipment["shipmentMethodName"],
        "shipmentMethodUid": shipment["shipmentMethodUid"],
        "productionCountry": facility["country"],
        "productionStateProvince": facility["stateProvince"],
        "productionFacilityId": facility["id"],
        "created": now_iso(),
    }


def order_delivery_estimate_updated(order):
    return {
        "id": event_id("os"),
        "event": "order_delivery_estimate_updated",
        "orderId": order["id"],
        "storeId": order["storeId"],
        "orderReferenceId": order["orderReferenceId"],
        "minDeliveryDate": order["shipment"]["minDeliveryDate"],
        "maxDeliveryDate": order["shipment"]["maxDeliveryDate"],
        "created": now_iso(),
    }
