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
# The inbox job: received events read per batch (one transaction), and at most this many
# Gelato orders fetched per batch (one GET each, however many events they had).
INBOX_BATCH_EVENTS = 500
INBOX_BATCH_ORDERS = 50
# An event whose Gelato order is still a draft here (its promotion not committed yet) waits
# this long; Gelato's answers failing are retried with the send job's back-off.
INBOX_DRAFT_WAIT_SECONDS = 10
# After this many failed attempts to ask Gelato about an order's events (about an hour with the
# back-off), the salesperson gets an activity: the updates wait, nothing is lost.
INBOX_OUTAGE_ACTIVITY_ATTEMPTS = 6
# An order whose sale order another transaction held is taken again this much later.
INBOX_SKIPPED_RETRY_SECONDS = 5
# The request wakes the cron workers (a NOTIFY) at most this often per HTTP worker process;
# every event still gets its cron trigger row, which a running job's runner picks up.
WEBHOOK_NOTIFY_INTERVAL = 0.2

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
# The longest a print-file link may work (the setting is bounded by it).
PRINT_FILE_URL_MAX_VALIDITY_DAYS = 30
# How long a line's print files stay downloadable after Gelato printed it (reprints).
PRINT_FILE_GRACE_DAYS_AFTER_PRINTED = 7
# The parameters holding the key print-file links are signed with (rotated by neutralize.sql)
# and, after an upgrade from links signed with database.secret, until when those still work.
PRINT_FILE_SIGNING_KEY_PARAM = "gelato_connector.print_file_signing_key"
PRINT_FILE_LEGACY_SIGNATURE_PARAM = "gelato_connector.print_file_legacy_signatures_until"
# Seconds a print-file check (a separate, resource-limited process) may take.
PRINT_FILE_CHECK_TIMEOUT = 90
# The template's preview image: fetched once, when the product has no image.
PREVIEW_IMAGE_TIMEOUT = (5, 15)
PREVIEW_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# === Orders === #
# https://dashboard.gelato.com/docs/orders/v4/create/ : shippingAddress (and a quote's recipient)
# field limits; required fields; state required for these countries.
ADDRESS_MAX_LENGTHS = {
    "firstName": 25,
    "lastName": 25,
    "companyName": 60,
    "addressLine1": 35,
    "addressLine2": 35,
    "city": 30,
    "postCode": 15,
    "state": 35,
    "phone": 25,
}
ADDRESS_REQUIRED = ("firstName", "lastName", "addressLine1", "city", "postCode", "country", "email")
STATE_REQUIRED_COUNTRIES = ("US", "CA", "AU")

# The Odoo contact field behind each Gelato address key, to name it in messages.
ADDRESS_ODOO_FIELDS = {
    "firstName": "name",
    "lastName": "name",
    "companyName": "commercial_company_name",
    "addressLine1": "street",
    "addressLine2": "street2",
    "city": "city",
    "postCode": "zip",
    "state": "state_id",
    "country": "country_id",
    "email": "email",
    "phone": "phone",
}

# https://dashboard.gelato.com/docs/orders/v4/quote/ : shipmentMethods[].type is one of
# normal, standard, express, pallet, pick_up. A carrier's service level matches these types; its
# rate is the sum over the quotes of the cheapest matching method.
SERVICE_LEVEL_METHOD_TYPES = {
    "standard": ("normal", "standard"),
    "express": ("express",),
}
# https://dashboard.gelato.com/docs/orders/v4/create/ : shipmentMethodUid accepts a service type;
# left out, Gelato picks the cheapest normal/standard method (what a standard rate quoted).
SERVICE_LEVEL_SHIPMENT_METHOD = {
    "standard": None,
    "express": "express",
}

# https://dashboard.gelato.com/docs/orders/v4/search/ : at most 100 orders per page.
ORDER_SEARCH_LIMIT = 100
# https://dashboard.gelato.com/docs/orders/v4/create/ : at most 20 metadata entries.
ORDER_METADATA_MAX_LENGTH = 100

# https://dashboard.gelato.com/docs/orders/order_details/ : fulfilment statuses of orders and
# items. The rank orders the normal life of an order; a status only moves to a higher rank.
# Statuses without a rank (failed, canceled, on_hold, returned) are side exits handled by
# utils.gelato_status_moves_forward().
FULFILLMENT_STATUSES = [
    ("draft", "Draft"),
    ("created", "Created"),
    ("uploading", "Uploading"),
    ("pending_approval", "Pending approval"),
    ("pending_personalization", "Pending personalization"),
    ("not_connected", "Not connected"),
    ("digitizing", "Digitizing"),
    ("passed", "Passed"),
    ("in_production", "In production"),
    ("printed", "Printed"),
    ("shipped", "Shipped"),
    ("in_transit", "In transit"),
    ("delivered", "Delivered"),
    ("on_hold", "On hold"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
    ("returned", "Returned"),
]
FULFILLMENT_STATUS_LABELS = dict(FULFILLMENT_STATUSES)
FULFILLMENT_STATUS_RANK = {
    "draft": 0,
    "created": 10,
    "uploading": 12,
    "pending_approval": 14,
    "pending_personalization": 14,
    "not_connected": 14,
    "digitizing": 16,
    "passed": 20,
    "in_production": 30,
    "printed": 40,
    "shipped": 50,
    "in_transit": 60,
    "delivered": 70,
}
# No status follows these (returned only follows a shipment; see utils).
FINAL_FULFILLMENT_STATUSES = ("canceled", "failed", "returned")
# From these on the goods have left Gelato: the sale line counts as delivered (a later
# `returned` does not undo it: returns are handled by the merchant, as with a picking).
DELIVERED_FULFILLMENT_STATUSES = ("shipped", "in_transit", "delivered")
# Statuses that make a step of the order's journey in the chatter.
# In production and printed are shown on the order and its lines, not posted: the chatter
# keeps to the steps a salesperson acts on (and each post costs a webhook a dozen queries).
JOURNEY_STATUSES = ("passed", "shipped", "in_transit", "delivered")

# === Sending orders === #
# Exponential back-off of retryable failures (timeouts, 429, 5xx, dropped connections): the
# n-th retry waits BASE * 2**(n-1) seconds, at most CAP, and at least what Retry-After asks.
SEND_RETRY_BASE_SECONDS = 60
SEND_RETRY_CAP_SECONDS = 3600
# After this many failed attempts in a row the order goes to `error` (≈ 7 hours of retries).
SEND_MAX_ATTEMPTS = 12
# Orders locked and sent per batch (one transaction, committed by the cron runner).
SEND_BATCH_SIZE = 10
# A draft created at Gelato is promoted right after the batch commits; other workers leave
# the order alone for this long, then promote it themselves (the first worker died).
SEND_PROMOTE_LEASE_SECONDS = 300
# Seconds (connect, read) of each order call; ir.config_parameter
# gelato_connector.order_request_timeout overrides the read timeout.
ORDER_REQUEST_TIMEOUT = (10, 30)
# Orders refreshed from Gelato per run of the safety-net sync (webhooks are the main path),
# and how old the last refresh must be.
SYNC_BATCH_SIZE = 50
SYNC_MIN_AGE_HOURS = 6

# A typed webhook secret: at least this long, with at least this many distinct characters.
WEBHOOK_SECRET_MIN_LENGTH = 20
WEBHOOK_SECRET_MIN_DISTINCT = 10

# === Shipping quotes === #
# https://dashboard.gelato.com/docs/orders/v4/quote/ : the web shop quotes every rate request
# (delivery methods, rates, express checkout), and the quote calls share the API key with order
# sending. A successful answer is reused for this long for the same products, quantities,
# recipient and currency (ir.config_parameter gelato_connector.quote_cache_ttl, seconds; 0 turns
# the cache off). Failed calls are never reused.
QUOTE_CACHE_TTL_SECONDS = 300
# Live quote calls a shopper (public or portal user) may cause per cart in a rolling window;
# beyond it the shop says to wait, without calling Gelato. Cached answers do not count; internal
# users are not limited. ir.config_parameter gelato_connector.quote_limit_per_cart and
# gelato_connector.quote_limit_window (seconds) override them.
QUOTE_LIMIT_PER_CART = 10
QUOTE_LIMIT_WINDOW_SECONDS = 60

# === Paid quotations Odoo failed to confirm (sale_order_payment.py) === #
# A payment is looked at once it is this old (Odoo's own flow confirms first) and until it is
# this old; at most this many per run of the hourly job.
PAID_CHECK_DELAY_MINUTES = 15
PAID_CHECK_MAX_AGE_DAYS = 30
PAID_CHECK_BATCH_SIZE = 200
