"""The Gelato API routes: ecommerce (v1 templates), product (v3), shipment (v1), order (v4).

Each handler takes ``(app, request)`` and returns ``(status, body)``; ``body`` None means an
empty answer. Errors are raised as :class:`ApiError`.
"""

from . import previews, pricing
from .errors import ApiError, not_found
from .validation import invalid, require_object

PRODUCT_SEARCH_MAX_LIMIT = 100
STOCK_MAX_PRODUCTS = 250


# === Ecommerce === #


def get_template(app, request):
    template = app.catalog.templates.get(request.params["templateId"])
    if template is None:
        raise ApiError(404, "Template not found")
    return 200, previews.with_local_previews(template, request.base_url)


# === Product === #


def list_catalogs(app, request):
    return 200, [
        {"catalogUid": c["catalogUid"], "title": c["title"]} for c in app.catalog.catalogs.values()
    ]


def _catalog(app, uid):
    catalog = app.catalog.catalogs.get(uid)
    if catalog is None:
        raise not_found(f"Catalog {uid} not found.")
    return catalog


def get_catalog(app, request):
    return 200, _catalog(app, request.params["catalogUid"])


def search_products(app, request):
    catalog_uid = _catalog(app, request.params["catalogUid"])["catalogUid"]
    body = require_object(request.json({}), "body")
    filters = body.get("attributeFilters") or {}
    if not isinstance(filters, dict) or not all(isinstance(v, list) for v in filters.values()):
        raise invalid("attributeFilters", "must map attribute uids to lists of value uids")
    limit = body.get("limit", 50)
    offset = body.get("offset", 0)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise invalid("limit", "must be an integer")
    if not 1 <= limit <= PRODUCT_SEARCH_MAX_LIMIT:
        raise invalid("limit", f"must be from 1 to {PRODUCT_SEARCH_MAX_LIMIT}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise invalid("offset", "must be an integer >= 0")
    found = [
        product
        for product in app.catalog.products.values()
        if product["catalogUid"] == catalog_uid
        and all(product["attributes"].get(attr) in values for attr, values in filters.items())
    ]
    hits = {}
    for product in found:
        for attr, value in product["attributes"].items():
            hits.setdefault(attr, {}).setdefault(value, 0)
            hits[attr][value] += 1
    return 200, {
        "products": [app.catalog.product_view(p) for p in found[offset : offset + limit]],
        "hits": {"attributeHits": hits},
    }


def _product(app, uid):
    product = app.catalog.products.get(uid)
    if product is None:
        raise not_found(f"Product {uid} not found.")
    return product


def get_product(app, request):
    return 200, app.catalog.product_detail(_product(app, request.params["productUid"]))


def get_product_prices(app, request):
    uid = _product(app, request.params["productUid"])["productUid"]
    country = request.query.get("country", "US")
    if country not in app.catalog.countries:
        raise invalid("country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
    currency = request.query.get("currency") or app.catalog.country_currency(country)
    if not app.catalog.is_currency(currency):
        raise invalid("currency", f"currency '{currency}' is not supported")
    return 200, pricing.product_prices(app.catalog, uid, country, currency)


def stock_availability(app, request):
    body = require_object(request.json({}), "body")
    products = body.get("products")
    if not isinstance(products, list) or not products:
        raise ApiError(
            400, "Products must be provided.", code="invalid_request_products_not_provided"
        )
    if len(products) > STOCK_MAX_PRODUCTS:
        raise ApiError(
            400,
            f"Too many products requested: {len(products)} of maximum {STOCK_MAX_PRODUCTS}.",
            code="invalid_request_too_many_products",
        )
    return 200, {
        "productsAvailability": [
            {"productUid": uid, "availability": app.catalog.stock_availability(uid)}
            for uid in products
        ]
    }


# === Shipment === #


def list_shipment_methods(app, request):
    country = request.query.get("country")
    if country is not None and country not in app.catalog.countries:
        raise invalid("country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
    methods = app.catalog.methods_for(country)
    return 200, {"shipmentMethods": [app.catalog.method_view(m) for m in methods]}


def search_shipment_prices(app, request):
    return 200, pricing.shipment_prices(request.json({}), app.catalog)


# === Orders === #


def create_order(app, request):
    return 200, app.store.create(request.json({}))


def get_order(app, request):
    return 200, app.store.get(request.params["id"])


def search_orders(app, request):
    return 200, app.store.search(request.json({}))


def patch_order(app, request):
    return 200, app.store.patch(request.params["id"], request.json({}))


def delete_order(app, request):
    app.store.delete(request.params["id"])
    return 204, None


def cancel_order(app, request):
    return 200, app.store.cancel(request.params["id"])


def quote_order(app, request):
    return 200, pricing.build_quote(request.json({}), app.catalog)


ROUTES = [
    ("GET", "/v1/templates/{templateId}", get_template),
    ("GET", "/v3/catalogs", list_catalogs),
    ("GET", "/v3/catalogs/{catalogUid}", get_catalog),
    ("POST", "/v3/catalogs/{catalogUid}/products:search", search_products),
    ("GET", "/v3/products/{productUid}", get_product),
    ("GET", "/v3/products/{productUid}/prices", get_product_prices),
    ("POST", "/v3/stock/region-availability", stock_availability),
    ("GET", "/v1/shipment-methods", list_shipment_methods),
    ("POST", "/v1/prices:search", search_shipment_prices),
    ("POST", "/v4/orders", create_order),
    ("POST", "/v4/orders:search", search_orders),
    ("POST", "/v4/orders:quote", quote_order),
    ("GET", "/v4/orders/{id}", get_order),
    ("PATCH", "/v4/orders/{id}", patch_order),
    ("DELETE", "/v4/orders/{id}", delete_order),
    ("POST", "/v4/orders/{id}:cancel", cancel_order),
]
