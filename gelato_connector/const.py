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

# === Products and print files === #
# https://dashboard.gelato.com/docs/ecommerce/templates/get/ : each template variant lists its
# imagePlaceholders (name, printArea, width and height in mm); placeholders may differ between
# variants. https://dashboard.gelato.com/docs/orders/v4/create/ : items[].files[].type is one of
# these; a print area "1" or "front" is sent as "default" (Gelato refuses "front" on orders).
PRINT_FILE_TYPES = (
    "default",
    "front",
    "back",
    "neck-inner",
    "neck-outer",
    "sleeve-left",
    "sleeve-right",
    "inside",
)
PRINT_AREA_ALIASES = {"1": "default", "front": "default"}
# Human names of print areas (keys: Gelato's printArea, lower case), for placements' labels.
PRINT_AREA_LABELS = {
    "1": "Front",
    "front": "Front",
    "default": "Default",
    "back": "Back",
    "neck-inner": "Inner neck",
    "neck-outer": "Outer neck",
    "sleeve-left": "Left sleeve",
    "sleeve-right": "Right sleeve",
    "inside": "Inside",
}
# Print files Gelato downloads are served by the module under this path, with a signed token
# that expires (days, company setting; 14 by default).
PRINT_FILE_ROUTE = "/gelato/print-file"
PRINT_FILE_URL_VALIDITY_DAYS = 14
# Seconds a print-file check (a separate, resource-limited process) may take.
PRINT_FILE_CHECK_TIMEOUT = 90
# The template's preview image: fetched once, when the product has no image.
PREVIEW_IMAGE_TIMEOUT = (5, 15)
PREVIEW_IMAGE_MAX_BYTES = 10 * 1024 * 1024
