"""Authentication, routing, templates, product catalog, stock and shipment methods."""

import urllib.request

import pytest
from sandbox_support import API_KEY, HANGER_UID, MUG_UID, POSTER_UID, SECOND_KEY, TSHIRT_UID, http

DOCS_TEMPLATE_ID = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
TEMPLATE_IDS = [
    "poster-30x40-matte",
    "tshirt-classic-white-black",
    "mug-11oz-15oz",
    "greeting-card-personalised",
    "tshirt-premium-324",
    DOCS_TEMPLATE_ID,
]


# === Authentication and routing === #


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_api_key_missing_or_wrong_is_401(sandbox, key):
    reply = sandbox.api("GET", "/v3/catalogs", key=key)
    assert reply.status == 401
    assert reply.body == {
        "code": "invalid_api_key_provided",
        "message": "Access denied. Token is invalid.",
    }


def test_every_configured_key_is_accepted(sandbox):
    assert sandbox.api("GET", "/v3/catalogs").status == 200
    assert sandbox.api("GET", "/v3/catalogs", key=SECOND_KEY).status == 200


def test_unknown_path_is_json_404(sandbox):
    reply = sandbox.api("GET", "/v9/nothing")
    assert reply.status == 404
    assert "message" in reply.body


def test_wrong_method_is_json_405(sandbox):
    reply = sandbox.api("PUT", "/v3/catalogs")
    assert reply.status == 405
    assert reply.body["message"]


def test_invalid_json_body_is_400(sandbox):
    reply = http(
        "POST", sandbox.base_url + "/v4/orders", headers={"X-API-KEY": API_KEY}, raw=b"{not json"
    )
    assert reply.status == 400
    assert reply.body == {"code": "invalid_request", "message": "Invalid request body."}


# === Templates === #


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_templates_have_gelato_shape(sandbox, template_id):
    reply = sandbox.api("GET", f"/v1/templates/{template_id}")
    assert reply.status == 200
    template = reply.body
    assert template["id"] == template_id
    for key in ("templateName", "title", "description", "previewUrl"):
        assert isinstance(template[key], str)
    assert template["variants"]
    for variant in template["variants"]:
        assert {"id", "title", "productUid", "variantOptions", "imagePlaceholders"} <= set(variant)
        for placeholder in variant["imagePlaceholders"]:
            assert {"name", "printArea", "width", "height"} <= set(placeholder)
    # All of them are known products: checked in bulk in test_sandbox_fixtures.py.
    first_product = template["variants"][0]["productUid"]
    assert sandbox.api("GET", f"/v3/products/{first_product}").status == 200


def test_template_previews_are_served_by_the_sandbox_like_gelatos_cdn(sandbox):
    template = sandbox.api("GET", "/v1/templates/poster-30x40-matte").body
    url = template["previewUrl"]
    assert url == sandbox.base_url + "/previews/poster-30x40-matte.png"
    # Public like an image CDN: no API key.
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        image = response.read()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == image, "the same image every time"
    # Previews that are not the sandbox's (e.g. the documentation's S3 link) are left alone.
    docs = sandbox.api("GET", f"/v1/templates/{DOCS_TEMPLATE_ID}").body
    assert docs["previewUrl"].startswith("https://gelato-api-test.s3.")
    # An unknown template has no preview; faults apply to previews too.
    assert http("GET", sandbox.base_url + "/previews/nothing.png").status == 404
    sandbox.admin("POST", "faults", {"kind": "500", "endpoint": "GET /previews/*"})
    assert http("GET", url).status == 500
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200


def test_unknown_template_is_404(sandbox):
    reply = sandbox.api("GET", "/v1/templates/does-not-exist")
    assert reply.status == 404
    assert reply.body == {"message": "Template not found"}


def test_poster_template_is_one_variant_30x40_on_print_area_1(sandbox):
    variants = sandbox.api("GET", "/v1/templates/poster-30x40-matte").body["variants"]
    assert len(variants) == 1
    assert variants[0]["productUid"] == POSTER_UID
    assert variants[0]["imagePlaceholders"] == [
        {"name": "ImageFront", "printArea": "1", "width": 300, "height": 400}
    ]


def test_tshirt_template_placements_differ_between_variants(sandbox):
    variants = sandbox.api("GET", "/v1/templates/tshirt-classic-white-black").body["variants"]
    assert len(variants) == 8
    areas = {
        tuple(o["value"] for o in v["variantOptions"]): [
            p["printArea"] for p in v["imagePlaceholders"]
        ]
        for v in variants
    }
    assert areas[("White", "M")] == ["front", "back"]
    assert areas[("Black", "M")] == ["front"]
    uids = {v["title"]: v["productUid"] for v in variants}
    assert uids["White - M"] == TSHIRT_UID
    assert uids["Black - XL"].endswith("_gsi_xl_gco_black_gpr_4-0")


def test_mug_and_personalised_templates(sandbox):
    mug = sandbox.api("GET", "/v1/templates/mug-11oz-15oz").body
    assert {p["printArea"] for v in mug["variants"] for p in v["imagePlaceholders"]} == {"default"}
    assert MUG_UID in [v["productUid"] for v in mug["variants"]]
    card = sandbox.api("GET", "/v1/templates/greeting-card-personalised").body
    for variant in card["variants"]:
        assert [t["name"] for t in variant["textPlaceholders"]] == [
            "Greeting",
            "Message",
            "Signature",
        ]


def test_large_template_has_324_variants(sandbox):
    template = sandbox.api("GET", "/v1/templates/tshirt-premium-324").body
    assert len(template["variants"]) == 324
    assert len({v["id"] for v in template["variants"]}) == 324
    assert {o["name"] for o in template["variants"][0]["variantOptions"]} == {
        "Size",
        "Color",
        "Fit",
    }


def test_docs_template_is_served_verbatim(sandbox):
    template = sandbox.api("GET", f"/v1/templates/{DOCS_TEMPLATE_ID}").body
    assert template["templateName"] == "Template For Unisex Crewneck T-shirt"
    assert [v["id"] for v in template["variants"]][:2] == [
        "83e30e31-0aee-4eca-8a8f-dceb2455cdc1",
        "d7c3241e-db88-40f1-9862-3d145b29dfef",
    ]
    assert template["productType"] == "Printable Matrial"  # the docs' typo, kept


# === Catalog === #


def test_catalog_list_is_a_bare_array(sandbox):
    catalogs = sandbox.api("GET", "/v3/catalogs").body
    assert isinstance(catalogs, list)
    assert {"posters", "apparel", "mugs", "cards"} <= {c["catalogUid"] for c in catalogs}
    assert all(set(c) == {"catalogUid", "title"} for c in catalogs)


def test_posters_catalog_can_describe_a_30x40_matte_poster(sandbox):
    catalog = sandbox.api("GET", "/v3/catalogs/posters").body
    attributes = {
        a["productAttributeUid"]: {v["productAttributeValueUid"] for v in a["values"]}
        for a in catalog["productAttributes"]
    }
    assert "300x400-mm" in attributes["PaperFormat"]
    assert "170-gsm-65lb-uncoated" in attributes["PaperType"]
    assert attributes["Orientation"] == {"hor", "ver"}


def test_unknown_catalog_is_404(sandbox):
    assert sandbox.api("GET", "/v3/catalogs/nope").status == 404


def test_product_search_filters_and_pages(sandbox):
    body = {
        "attributeFilters": {
            "PaperFormat": ["300x400-mm"],
            "PaperType": ["170-gsm-65lb-uncoated"],
            "Orientation": ["ver"],
        }
    }
    reply = sandbox.api("POST", "/v3/catalogs/posters/products:search", body)
    assert reply.status == 200
    assert [p["productUid"] for p in reply.body["products"]] == [POSTER_UID]
    product = reply.body["products"][0]
    assert product["dimensions"]["Width"] == {"value": 300, "measureUnit": "mm"}
    assert reply.body["hits"]["attributeHits"]["PaperFormat"] == {"300x400-mm": 1}

    everything = sandbox.api("POST", "/v3/catalogs/posters/products:search", {"limit": 100})
    page = sandbox.api(
        "POST", "/v3/catalogs/posters/products:search", {"limit": 5, "offset": 5}
    ).body["products"]
    assert page == everything.body["products"][5:10]
    assert len(everything.body["products"]) == 36


def test_product_search_limit_over_100_is_400(sandbox):
    reply = sandbox.api("POST", "/v3/catalogs/apparel/products:search", {"limit": 101})
    assert reply.status == 400
    assert "limit" in reply.body["message"]


def test_get_product_has_dimensions_and_weight(sandbox):
    product = sandbox.api("GET", f"/v3/products/{POSTER_UID}").body
    assert product["productUid"] == POSTER_UID
    assert product["dimensions"]["Height"] == {"value": 400, "measureUnit": "mm"}
    assert product["weight"]["measureUnit"] == "grams"
    assert product["isPrintable"] is True
    assert sandbox.api("GET", "/v3/products/unknown_product").status == 404


def test_prices_are_a_bare_array_in_the_asked_currency(sandbox):
    usd = sandbox.api("GET", f"/v3/products/{POSTER_UID}/prices?country=US&currency=USD").body
    eur = sandbox.api("GET", f"/v3/products/{POSTER_UID}/prices?country=DE&currency=EUR").body
    assert isinstance(usd, list)
    assert {p["currency"] for p in usd} == {"USD"}
    assert [p["quantity"] for p in usd] == [1, 5, 10, 20, 50, 100]
    assert usd[0]["price"] == round(eur[0]["price"] * 1.08, 2)
    assert usd[-1]["price"] < usd[0]["price"] * 100  # volume discount
    bad = sandbox.api("GET", f"/v3/products/{POSTER_UID}/prices?country=US&currency=XXX")
    assert bad.status == 400


def test_stock_availability(sandbox):
    body = {"products": [HANGER_UID, POSTER_UID, "non-existing-product-uid"]}
    reply = sandbox.api("POST", "/v3/stock/region-availability", body)
    assert reply.status == 200
    found = {p["productUid"]: p["availability"] for p in reply.body["productsAvailability"]}
    hanger = {a["stockRegionUid"]: a for a in found[HANGER_UID]}
    assert hanger["EU"] == {
        "stockRegionUid": "EU",
        "status": "out-of-stock-replenishable",
        "replenishmentDate": "2022-02-13",
    }
    assert {a["status"] for a in found[POSTER_UID]} == {"in-stock"}
    assert {a["status"] for a in found["non-existing-product-uid"]} == {"not-supported"}


def test_stock_availability_refuses_more_than_250_products(sandbox):
    reply = sandbox.api(
        "POST", "/v3/stock/region-availability", {"products": [f"p{i}" for i in range(273)]}
    )
    assert reply.status == 400
    assert reply.body == {
        "code": "invalid_request_too_many_products",
        "message": "Too many products requested: 273 of maximum 250.",
    }
    ok = sandbox.api(
        "POST", "/v3/stock/region-availability", {"products": [f"p{i}" for i in range(250)]}
    )
    assert ok.status == 200


# === Shipment === #


def test_shipment_methods_per_country(sandbox):
    us = sandbox.api("GET", "/v1/shipment-methods?country=US").body["shipmentMethods"]
    types = [m["type"] for m in us]
    assert types.count("normal") >= 2
    assert "express" in types
    assert all("US" in m["supportedCountries"] for m in us)
    assert set(us[0]) >= {"shipmentMethodUid", "type", "name", "hasTracking", "supportedCountries"}

    iceland = sandbox.api("GET", "/v1/shipment-methods?country=IS").body["shipmentMethods"]
    assert iceland
    assert "express" not in {m["type"] for m in iceland}

    every = sandbox.api("GET", "/v1/shipment-methods").body["shipmentMethods"]
    assert len(every) > len(us)
    assert sandbox.api("GET", "/v1/shipment-methods?country=UK").status == 400


def test_shipment_prices_search(sandbox):
    body = {
        "currency": "USD",
        "country": "US",
        "products": [{"productUid": POSTER_UID, "quantities": [1, 5]}],
    }
    reply = sandbox.api("POST", "/v1/prices:search", body)
    assert reply.status == 200
    quantities = reply.body["prices"][0]["quantities"]
    assert [q["quantity"] for q in quantities] == [1, 5]
    cheapest = {q["quantity"]: min(m["minPrice"] for m in q["methods"]) for q in quantities}
    assert cheapest[5] > cheapest[1]
