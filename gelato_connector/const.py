"""Facts about Gelato's API that the connector relies on (data only).

Reference: https://dashboard.gelato.com/docs/ (overview, orders v4, products v3, shipment v1,
ecommerce v1). Kept in sync with the project's GELATO_API.md notes.
"""

# === Transport === #
# https://dashboard.gelato.com/docs/ : one host per service, URL {service}.gelatoapis.com/{ver}/.
API_SERVICES = {
    "order": ("https://order.gelatoapis.com", "v4"),
    "product": ("https://product.gelatoapis.com", "v3"),
    "shipment": ("https://shipment.gelatoapis.com", "v1"),
    "ecommerce": ("https://ecommerce.gelatoapis.com", "v1"),
}

# Seconds to wait for Gelato before giving up on one request (connect, read).
REQUEST_TIMEOUT = (10, 30)

# HTTP statuses worth retrying later: too many requests and server-side failures.
# https://dashboard.gelato.com/docs/ "Response codes": 429 asks to back off exponentially.
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}

# Headers and keys never written to logs.
SECRET_HEADERS = {"x-api-key", "authorization", "signature"}
# Address keys (GELATO_API: shippingAddress/recipient) masked in debug logs.
PERSONAL_KEYS = {
    "firstName",
    "lastName",
    "companyName",
    "addressLine1",
    "addressLine2",
    "city",
    "postCode",
    "state",
    "email",
    "phone",
}

# === Webhooks === #
# https://dashboard.gelato.com/docs/webhooks/ : authorization is a static header whose name the
# merchant chooses in Gelato's dashboard; the connector's documentation uses "signature".
WEBHOOK_DEFAULT_HEADER = "signature"
WEBHOOK_ROUTE = "/gelato/webhook"
# Events the connector acts on; the dashboard lets the merchant subscribe to each of them.
WEBHOOK_EVENTS = (
    "order_status_updated",
    "order_item_status_updated",
    "order_item_tracking_code_updated",
    "order_delivery_estimate_updated",
)

# Largest webhook body accepted; Gelato's events are a few kilobytes (413 above this).
WEBHOOK_MAX_BODY_BYTES = 256 * 1024
# Processed webhook events are kept this many days (to answer duplicates), then purged so that
# the cost of a webhook never grows with history.
WEBHOOK_EVENT_RETENTION_DAYS = 90
# Keys whose values Gelato's "send test" fills with placeholders such as {{MyOrderId}}.
WEBHOOK_ID_KEYS = ("orderId", "orderReferenceId", "itemReferenceId", "storeId")
