"""Request validation with Gelato's rules (orders, drafts, quotes).

Every failure raises :class:`ApiError` (400) whose message starts with the path of the
offending field, e.g. ``shippingAddress.firstName: must be at most 25 characters``.
"""

import re

from .errors import ApiError

FILE_TYPES = (
    "default",
    "front",
    "back",
    "neck-inner",
    "neck-outer",
    "sleeve-left",
    "sleeve-right",
    "inside",
)
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
METADATA_MAX_ENTRIES = 20
METADATA_MAX_LENGTH = 100
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
ORDER_TYPES = ("order", "draft")


def invalid(field, message):
    return ApiError(400, f"{field}: {message}", code="invalid_request")


def require_object(value, field):
    if not isinstance(value, dict):
        raise invalid(field, "must be an object")
    return value


def require_string(container, key, prefix, required=True, max_length=None):
    field = f"{prefix}{key}"
    value = container.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(field, "is required")
        return None
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    if max_length is not None and len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters (got {len(value)})")
    return value


def validate_currency(payload, catalog):
    currency = require_string(payload, "currency", "")
    if not CURRENCY_RE.match(currency):
        raise invalid("currency", f"'{currency}' is not an ISO 4217 code")
    if not catalog.is_currency(currency):
        raise invalid("currency", f"currency '{currency}' is not supported")
    return currency


def validate_address(address, prefix, catalog):
    """Validate a shipping address / quote recipient; ``prefix`` names it in messages."""
    require_object(address, prefix)
    for key in dict.fromkeys((*ADDRESS_REQUIRED, *ADDRESS_MAX_LENGTHS)):
        require_string(
            address,
            key,
            f"{prefix}.",
            required=key in ADDRESS_REQUIRED,
            max_length=ADDRESS_MAX_LENGTHS.get(key),
        )
    country = address["country"]
    if country == "UK":
        raise invalid(f"{prefix}.country", "'UK' is not an ISO 3166-1 alpha-2 code, use 'GB'")
    if country not in catalog.countries:
        raise invalid(f"{prefix}.country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
    if country in STATE_REQUIRED_COUNTRIES and not address.get("state"):
        raise invalid(f"{prefix}.state", f"is required for country {country}")
    if not EMAIL_RE.match(address["email"]):
        raise invalid(f"{prefix}.email", f"'{address['email']}' is not a valid email address")
    if country in catalog.unshippable:
        raise invalid(f"{prefix}.country", f"Gelato does not ship to {country}")


def validate_metadata(metadata):
    if metadata is None:
        return
    if not isinstance(metadata, list):
        raise invalid("metadata", "must be a list of {key, value}")
    if len(metadata) > METADATA_MAX_ENTRIES:
        raise invalid("metadata", f"at most {METADATA_MAX_ENTRIES} entries (got {len(metadata)})")
    for index, entry in enumerate(metadata):
        prefix = f"metadata[{index}]."
        require_object(entry, f"metadata[{index}]")
        require_string(entry, "key", prefix, max_length=METADATA_MAX_LENGTH)
        require_string(entry, "value", prefix, max_length=METADATA_MAX_LENGTH)


def line_prefix(lines_key, index, item):
    """``items[1] (line-2)``: the position, and the item's reference when it has one."""
    reference = item.get("itemReferenceId") if isinstance(item, dict) else None
    return f"{lines_key}[{index}]" + (f" ({reference})" if isinstance(reference, str) else "")


def validate_files(item, prefix, *, required):
    files = item.get("files")
    if files is None or files == []:
        if required:
            raise invalid(f"{prefix}.files", "at least one print file is required")
        return
    if not isinstance(files, list):
        raise invalid(f"{prefix}.files", "must be a list of {type, url}")
    for index, entry in enumerate(files):
        field = f"{prefix}.files[{index}]"
        require_object(entry, field)
        file_type = require_string(entry, "type", f"{field}.")
        if file_type not in FILE_TYPES:
            raise invalid(f"{field}.type", f"'{file_type}' is not one of {', '.join(FILE_TYPES)}")
        url = require_string(entry, "url", f"{field}.")
        if not url.lower().startswith(("http://", "https://")):
            raise invalid(f"{field}.url", f"'{url}' is not an http(s) URL")


def validate_line(item, prefix, catalog, seen_references, *, files_required):
    """Validate one order item or quote product.

    :param files_required: require files for printable products (orders; not drafts/quotes).
    """
    require_object(item, prefix)
    reference = require_string(item, "itemReferenceId", f"{prefix}.")
    if reference in seen_references:
        raise invalid(f"{prefix}.itemReferenceId", f"'{reference}' is used by more than one item")
    seen_references.add(reference)
    product_uid = require_string(item, "productUid", f"{prefix}.")
    product = catalog.products.get(product_uid)
    if product is None:
        raise invalid(f"{prefix}.productUid", f"unknown product '{product_uid}'")
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise invalid(f"{prefix}.quantity", f"must be an integer >= 1 (got {quantity!r})")
    page_count = item.get("pageCount")
    if page_count is not None and (not isinstance(page_count, int) or page_count < 1):
        raise invalid(f"{prefix}.pageCount", f"must be an integer >= 1 (got {page_count!r})")
    validate_files(item, prefix, required=files_required and product["isPrintable"])


def validate_items(items, catalog, *, files_required):
    if not isinstance(items, list) or not items:
        raise invalid("items", "at least one item is required")
    seen = set()
    for index, item in enumerate(items):
        prefix = line_prefix("items", index, item)
        validate_line(item, prefix, catalog, seen, files_required=files_required)


def validate_order(payload, catalog):
    """Validate a create-order body; return its ``orderType``."""
    require_object(payload, "body")
    order_type = payload.get("orderType", "order")
    if order_type not in ORDER_TYPES:
        raise invalid("orderType", f"'{order_type}' is not one of {', '.join(ORDER_TYPES)}")
    require_string(payload, "orderReferenceId", "")
    require_string(payload, "customerReferenceId", "")
    validate_currency(payload, catalog)
    validate_items(payload.get("items"), catalog, files_required=order_type == "order")
    validate_address(payload.get("shippingAddress"), "shippingAddress", catalog)
    if payload.get("returnAddress") is not None:
        require_object(payload["returnAddress"], "returnAddress")
    validate_metadata(payload.get("metadata"))
    method = payload.get("shipmentMethodUid")
    if method is not None and (not isinstance(method, str) or not method):
        raise invalid("shipmentMethodUid", "must be a non-empty string")
    return order_type


def validate_quote(payload, catalog):
    require_object(payload, "body")
    require_string(payload, "orderReferenceId", "")
    require_string(payload, "customerReferenceId", "")
    validate_currency(payload, catalog)
    if not isinstance(payload.get("allowMultipleQuotes", False), bool):
        raise invalid("allowMultipleQuotes", "must be true or false")
    validate_address(payload.get("recipient"), "recipient", catalog)
    products = payload.get("products")
    if not isinstance(products, list) or not products:
        raise invalid("products", "at least one product is required")
    seen = set()
    for index, product in enumerate(products):
        prefix = line_prefix("products", index, product)
        validate_line(product, prefix, catalog, seen, files_required=False)
