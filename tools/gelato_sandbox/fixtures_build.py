"""Generate the sandbox's product catalog and built-in templates.

The outputs are committed under ``fixtures/``; run this again after editing the data below::

    PYTHONPATH=tools python -m gelato_sandbox.fixtures_build

Product UIDs follow the shapes shown in Gelato's docs examples (``flat_...`` posters,
``cards_pf_...``, ``apparel_product_gca_...``, ``mug_product_msz_...``). The docs' own example
template (``fixtures/templates/c12a363e-...json``) is a verbatim copy and is not generated.
"""

import itertools
import json
import sys
import uuid
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ID_NAMESPACE = uuid.UUID("5b0d6f0e-9d3c-4a53-9f0e-6e1f3c1e7a10")
TEMPLATE_STAMP = "2024-03-01T09:00:00+0000"
PREVIEW_BASE = "https://previews.gelato-sandbox.invalid/templates"

POSTER_FORMATS = [
    # (attribute value uid, title, short side mm, long side mm, token in the product UID)
    ("130x180-mm-5R", '13x18 cm / 5x7"', 130, 180, "130x180-mm-5r"),
    ("A3", "A3 (29.7x42 cm)", 297, 420, "a3"),
    ("300x400-mm", '30x40 cm / 12x16"', 300, 400, "300x400-mm"),
    ("A2", "A2 (42x59.4 cm)", 420, 594, "a2"),
    ("500x700-mm", '50x70 cm / 20x28"', 500, 700, "500x700-mm"),
    ("A1", "A1 (59.4x84.1 cm)", 594, 841, "a1"),
]
POSTER_PAPERS = [
    # (uid, title, gsm, price factor)
    ("170-gsm-65lb-uncoated", "170 gsm uncoated (matte)", 170, 1.0),
    ("200-gsm-80lb-coated-silk", "200 gsm coated silk (semi-gloss)", 200, 1.15),
    ("250-gsm-100lb-uncoated", "250 gsm museum uncoated (premium matte)", 250, 1.35),
]
ORIENTATIONS = [("hor", "Landscape"), ("ver", "Portrait")]

CARD_FORMATS = [
    ("5R", "5R (12.7x17.8 cm)", 127, 178, "5r"),
    ("A6", "A6 (10.5x14.8 cm)", 105, 148, "a6"),
    ("BX", "Business card (5.5x8.5 cm)", 55, 85, "bx"),
]
CARD_PAPERS = [
    ("100-lb-cover-coated-silk", "100 lb cover coated silk (270 gsm)", 270, 1.1),
    ("110-lb-cover-uncoated", "110 lb cover uncoated (300 gsm)", 300, 1.0),
]

# (uid, title, half chest mm, length mm)
GARMENT_SIZES = [
    ("xs", "XS", 430, 690),
    ("s", "S", 457, 710),
    ("m", "M", 508, 737),
    ("l", "L", 559, 760),
    ("xl", "XL", 610, 787),
    ("2xl", "2XL", 660, 810),
    ("3xl", "3XL", 710, 838),
    ("4xl", "4XL", 760, 864),
    ("5xl", "5XL", 810, 889),
]
GARMENT_COLORS = [
    ("white", "White"),
    ("black", "Black"),
    ("navy", "Navy"),
    ("heather-grey", "Heather Grey"),
    ("red", "Red"),
    ("royal-blue", "Royal Blue"),
    ("forest-green", "Forest Green"),
    ("maroon", "Maroon"),
    ("orange", "Orange"),
    ("yellow", "Yellow"),
    ("purple", "Purple"),
    ("pink", "Pink"),
]
GARMENT_CUTS = [("unisex", "Unisex"), ("mens", "Men"), ("womens", "Women")]
GARMENT_QUALITIES = [("classic", "Classic"), ("premium", "Premium")]
GARMENT_PRINTS = [("4-0", "Front print (4-0)"), ("4-4", "Front and back print (4-4)")]
CLASSIC_SIZES = ["s", "m", "l", "xl", "2xl", "3xl"]
CLASSIC_COLORS = ["white", "black", "navy"]
OVERSIZE = {"2xl", "3xl", "4xl", "5xl"}

MUG_SIZES = [
    # (uid, title, diameter mm, height mm, weight g, price EUR)
    ("11-oz", "11 oz (330 ml)", 82, 95, 340, 6.9),
    ("15-oz", "15 oz (450 ml)", 87, 118, 430, 8.4),
]

# Stock per region for the two stockable products, as in Gelato's region-availability example
# (including its "in-of-stock" typo, kept so a client learns to tolerate unknown statuses).
HANGER_STOCK = [
    ("US-CA", "in-stock", None),
    ("EU", "out-of-stock-replenishable", "2022-02-13"),
    ("OC", "in-stock", None),
    ("AS", "out-of-stock", None),
    ("SA", "out-of-stock", None),
    ("UK", "in-of-stock", None),
    ("ROW", "in-stock", None),
]
FRAME_STOCK = [
    ("US-CA", "in-stock", None),
    ("EU", "in-stock", None),
    ("OC", "out-of-stock-replenishable", "2022-04-21"),
    ("AS", "in-stock", None),
    ("SA", "out-of-stock", None),
    ("UK", "in-of-stock", None),
    ("ROW", "out-of-stock-replenishable", "2021-11-04"),
]
HANGER_UID = "wall_hanger_product_whs_290-mm_whc_white_whm_wood_whp_w14xt20-mm"
FRAME_UID = (
    "frame_and_poster_product_frs_300x400-mm_frc_black_frm_wood_frp_w12xt22-mm_gt_plexiglass"
    "__pf_300x400-mm_pt_170-gsm-coated-silk_cl_4-0_ct_none_prt_none_hor"
)
PHONE_CASE_UID = "phonecase_apple_iphone-13promax_flexi_transparent_satin"
# Product group per catalog: products of one group are made in the same facilities.
CATALOG_GROUPS = {
    "posters": "paper",
    "cards": "paper",
    "apparel": "apparel",
    "mugs": "mugs",
    "phone-cases": "accessories",
    "wall-hangers": "wall-decor",
    "framed-posters": "wall-decor",
}


def _attribute(uid, title, values):
    return {
        "productAttributeUid": uid,
        "title": title,
        "values": [{"productAttributeValueUid": v, "title": t} for v, t in values],
    }


def _product(uid, catalog, attributes, *, weight, size, price, printable=True, stock=None):
    """One catalog product; ``size`` is (width, height) in mm, ``price`` a base price in EUR."""
    width, height = size
    return {
        "productUid": uid,
        "catalogUid": catalog,
        "group": CATALOG_GROUPS[catalog],
        "attributes": {**attributes, "ProductStatus": "activated"},
        "weight": weight,
        "dimensions": {"Width": width, "Height": height},
        "price": round(price, 2),
        "isPrintable": printable,
        "isStockable": stock is not None,
        "stock": [
            {"stockRegionUid": r, "status": s, "replenishmentDate": d} for r, s, d in stock or []
        ],
    }


def _oriented(short, long, orientation):
    return (long, short) if orientation == "hor" else (short, long)


def poster_products():
    products = []
    for fmt, paper, (orient, _title) in itertools.product(
        POSTER_FORMATS, POSTER_PAPERS, ORIENTATIONS
    ):
        fmt_uid, _fmt_title, short, long, token = fmt
        paper_uid, _paper_title, gsm, factor = paper
        width, height = _oriented(short, long, orient)
        area = short * long / 1_000_000
        products.append(
            _product(
                f"flat_{token}_{paper_uid}_4-0_{orient}",
                "posters",
                {
                    "PaperFormat": fmt_uid,
                    "PaperType": paper_uid,
                    "Orientation": orient,
                    "ColorType": "4-0",
                    "CoatingType": "none",
                },
                weight=round(area * gsm + 20, 1),
                size=(width, height),
                price=(3.5 + area * 45) * factor,
            )
        )
    return products


def card_products():
    products = []
    for fmt, paper, (orient, _title) in itertools.product(CARD_FORMATS, CARD_PAPERS, ORIENTATIONS):
        fmt_uid, _fmt_title, short, long, token = fmt
        paper_uid, _paper_title, gsm, factor = paper
        width, height = _oriented(short, long, orient)
        area = short * long / 1_000_000
        products.append(
            _product(
                f"cards_pf_{token}_pt_{paper_uid}_cl_4-4_{orient}",
                "cards",
                {
                    "PaperFormat": fmt_uid,
                    "PaperType": paper_uid,
                    "Orientation": orient,
                    "ColorType": "4-4",
                },
                weight=round(area * gsm + 5, 1),
                size=(width, height),
                price=(1.2 + area * 30) * factor,
            )
        )
    return products


def tshirt_uid(cut, quality, size, color, print_uid):
    return (
        f"apparel_product_gca_t-shirt_gsc_crewneck_gcu_{cut}_gqa_{quality}"
        f"_gsi_{size}_gco_{color}_gpr_{print_uid}"
    )


def _tshirt(cut, quality, size, color, print_uid):
    index = [s[0] for s in GARMENT_SIZES].index(size)
    _uid, _title, chest, length = GARMENT_SIZES[index]
    base = 8.95 if quality == "classic" else 11.95
    price = base + (3.5 if print_uid == "4-4" else 0) + (1.5 if size in OVERSIZE else 0)
    return _product(
        tshirt_uid(cut, quality, size, color, print_uid),
        "apparel",
        {
            "GarmentCategory": "t-shirt",
            "GarmentSubcategory": "crewneck",
            "GarmentCut": cut,
            "GarmentQuality": quality,
            "GarmentSize": size,
            "GarmentColor": color,
            "GarmentPrint": print_uid,
        },
        weight=(160 if quality == "classic" else 190) + index * 10,
        size=(chest, length),
        price=price,
    )


def apparel_products():
    classic = [
        _tshirt("unisex", "classic", size, color, print_uid)
        for size, color, print_uid in itertools.product(
            CLASSIC_SIZES, CLASSIC_COLORS, ["4-0", "4-4"]
        )
    ]
    premium = [
        _tshirt(cut, "premium", size[0], color[0], "4-0")
        for cut, size, color in itertools.product(
            [c[0] for c in GARMENT_CUTS], GARMENT_SIZES, GARMENT_COLORS
        )
    ]
    return classic + premium


def mug_products():
    return [
        _product(
            f"mug_product_msz_{size}_mmat_ceramic-white_cl_4-0",
            "mugs",
            {"MugSize": size, "MugMaterial": "ceramic-white", "ColorType": "4-0"},
            weight=weight,
            size=(diameter, height),
            price=price,
        )
        for size, _title, diameter, height, weight, price in MUG_SIZES
    ]


def other_products():
    return [
        _product(
            PHONE_CASE_UID,
            "phone-cases",
            {
                "PhoneBrand": "apple",
                "PhoneModel": "iphone-13promax",
                "CaseType": "flexi",
                "CaseColor": "transparent",
                "CaseFinish": "satin",
            },
            weight=30,
            size=(78, 160),
            price=9.9,
        ),
        _product(
            HANGER_UID,
            "wall-hangers",
            {
                "WallHangerSize": "290-mm",
                "WallHangerColor": "white",
                "WallHangerMaterial": "wood",
                "WallHangerProfile": "w14xt20-mm",
            },
            weight=120,
            size=(290, 20),
            price=12.0,
            printable=False,
            stock=HANGER_STOCK,
        ),
        _product(
            FRAME_UID,
            "framed-posters",
            {
                "FrameSize": "300x400-mm",
                "FrameColor": "black",
                "FrameMaterial": "wood",
                "FrameProfile": "w12xt22-mm",
                "GlassType": "plexiglass",
                "PaperFormat": "300x400-mm",
                "PaperType": "170-gsm-coated-silk",
                "ColorType": "4-0",
                "Orientation": "hor",
            },
            weight=1450,
            size=(424, 324),
            price=39.0,
            stock=FRAME_STOCK,
        ),
    ]


def catalogs():
    paper_formats = [(f[0], f[1]) for f in POSTER_FORMATS]
    return [
        {
            "catalogUid": "posters",
            "title": "Posters",
            "productAttributes": [
                _attribute("Orientation", "Orientation", ORIENTATIONS),
                _attribute("PaperFormat", "Paper Format", paper_formats),
                _attribute("PaperType", "Paper Type", [(p[0], p[1]) for p in POSTER_PAPERS]),
                _attribute("ColorType", "Color Type", [("4-0", "4/0 (one side in color)")]),
                _attribute("CoatingType", "Coating Type", [("none", "None")]),
            ],
        },
        {
            "catalogUid": "cards",
            "title": "cards",
            "productAttributes": [
                _attribute("Orientation", "Orientation", ORIENTATIONS),
                _attribute("PaperFormat", "Paper Format", [(f[0], f[1]) for f in CARD_FORMATS]),
                _attribute("PaperType", "Paper Type", [(p[0], p[1]) for p in CARD_PAPERS]),
                _attribute("ColorType", "Color Type", [("4-4", "4/4 (both sides in color)")]),
            ],
        },
        {
            "catalogUid": "apparel",
            "title": "Apparel",
            "productAttributes": [
                _attribute("GarmentCategory", "Garment Category", [("t-shirt", "T-shirt")]),
                _attribute("GarmentSubcategory", "Garment Subcategory", [("crewneck", "Crewneck")]),
                _attribute("GarmentCut", "Garment Cut", GARMENT_CUTS),
                _attribute("GarmentQuality", "Garment Quality", GARMENT_QUALITIES),
                _attribute("GarmentSize", "Garment Size", [(s[0], s[1]) for s in GARMENT_SIZES]),
                _attribute("GarmentColor", "Garment Color", GARMENT_COLORS),
                _attribute("GarmentPrint", "Garment Print", GARMENT_PRINTS),
            ],
        },
        {
            "catalogUid": "mugs",
            "title": "Mugs",
            "productAttributes": [
                _attribute("MugSize", "Mug Size", [(m[0], m[1]) for m in MUG_SIZES]),
                _attribute("MugMaterial", "Mug Material", [("ceramic-white", "White ceramic")]),
                _attribute("ColorType", "Color Type", [("4-0", "4/0 (one side in color)")]),
            ],
        },
        {
            "catalogUid": "phone-cases",
            "title": "Phone Cases",
            "productAttributes": [
                _attribute("PhoneBrand", "Phone Brand", [("apple", "Apple")]),
                _attribute("PhoneModel", "Phone Model", [("iphone-13promax", "iPhone 13 Pro Max")]),
                _attribute("CaseType", "Case Type", [("flexi", "Flexi")]),
                _attribute("CaseColor", "Case Color", [("transparent", "Transparent")]),
                _attribute("CaseFinish", "Case Finish", [("satin", "Satin")]),
            ],
        },
        {
            "catalogUid": "wall-hangers",
            "title": "Wall Hangers",
            "productAttributes": [
                _attribute("WallHangerSize", "Wall Hanger Size", [("290-mm", "290 mm")]),
                _attribute("WallHangerColor", "Wall Hanger Color", [("white", "White")]),
                _attribute("WallHangerMaterial", "Wall Hanger Material", [("wood", "Wood")]),
                _attribute(
                    "WallHangerProfile", "Wall Hanger Profile", [("w14xt20-mm", "14x20 mm")]
                ),
            ],
        },
        {
            "catalogUid": "framed-posters",
            "title": "Framed Posters",
            "productAttributes": [
                _attribute("FrameSize", "Frame Size", [("300x400-mm", '30x40 cm / 12x16"')]),
                _attribute("FrameColor", "Frame Color", [("black", "Black")]),
                _attribute("FrameMaterial", "Frame Material", [("wood", "Wood")]),
                _attribute("FrameProfile", "Frame Profile", [("w12xt22-mm", "12x22 mm")]),
                _attribute("GlassType", "Glass Type", [("plexiglass", "Plexiglass")]),
                _attribute("PaperFormat", "Paper Format", [("300x400-mm", '30x40 cm / 12x16"')]),
                _attribute(
                    "PaperType", "Paper Type", [("170-gsm-coated-silk", "170 gsm coated silk")]
                ),
                _attribute("ColorType", "Color Type", [("4-0", "4/0 (one side in color)")]),
                _attribute("Orientation", "Orientation", [("hor", "Landscape")]),
            ],
        },
    ]


def _placeholder(name, print_area, width, height):
    return {"name": name, "printArea": print_area, "width": width, "height": height}


def _variant(template_id, title, product_uid, options, *, images, texts=None):
    variant = {
        "id": str(uuid.uuid5(ID_NAMESPACE, f"{template_id}/{title}")),
        "title": title,
        "productUid": product_uid,
        "variantOptions": [{"name": n, "value": v} for n, v in options],
        "imagePlaceholders": images,
    }
    if texts:
        variant["textPlaceholders"] = [{"name": n, "text": t} for n, t in texts]
    return variant


def _template(template_id, name, title, description, variants):
    return {
        "id": template_id,
        "templateName": name,
        "title": title,
        "description": description,
        "previewUrl": f"{PREVIEW_BASE}/{template_id}.png",
        "variants": variants,
        "productType": "Printable Material",
        "vendor": "Gelato",
        "createdAt": TEMPLATE_STAMP,
        "updatedAt": TEMPLATE_STAMP,
    }


def poster_template():
    tid = "poster-30x40-matte"
    variant = _variant(
        tid,
        "30x40 cm - Matte",
        "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver",
        [("Size", "30x40 cm")],
        images=[_placeholder("ImageFront", "1", 300, 400)],
    )
    return _template(
        tid,
        "Template For Matte Poster 30x40",
        "Classic Matte Poster 30x40 cm",
        "<p>Museum-quality poster on 170 gsm uncoated (matte) paper, portrait.</p>",
        [variant],
    )


def tshirt_template():
    """White shirts print front and back (4-4), black ones only the front (4-0)."""
    tid = "tshirt-classic-white-black"
    front = _placeholder("ImageFront", "front", 305, 356)
    back = _placeholder("ImageBack", "back", 305, 356)
    variants = []
    for (color, color_title), size in itertools.product(
        [("white", "White"), ("black", "Black")], ["s", "m", "l", "xl"]
    ):
        print_uid, images = ("4-4", [front, back]) if color == "white" else ("4-0", [front])
        size_title = size.upper()
        variants.append(
            _variant(
                tid,
                f"{color_title} - {size_title}",
                tshirt_uid("unisex", "classic", size, color, print_uid),
                [("Color", color_title), ("Size", size_title)],
                images=images,
            )
        )
    return _template(
        tid,
        "Template For Classic Crewneck T-shirt",
        "Classic Unisex Crewneck T-shirt",
        "<p>Classic unisex t-shirt. White: printed front and back. Black: front only.</p>",
        variants,
    )


def mug_template():
    tid = "mug-11oz-15oz"
    variants = [
        _variant(
            tid,
            title,
            f"mug_product_msz_{size}_mmat_ceramic-white_cl_4-0",
            [("Size", title.split(" (")[0])],
            images=[_placeholder("Image1", "default", width, height)],
        )
        for (size, title, _d, _h, _w, _p), (width, height) in zip(
            MUG_SIZES, [(200, 85), (225, 95)], strict=True
        )
    ]
    return _template(
        tid,
        "Template For White Ceramic Mug",
        "White Ceramic Mug",
        "<p>Glossy white ceramic mug, wrap-around print.</p>",
        variants,
    )


def greeting_card_template():
    tid = "greeting-card-personalised"
    texts = [
        ("Greeting", "Happy Birthday!"),
        ("Message", "Wishing you a wonderful day"),
        ("Signature", "With love"),
    ]
    variants = []
    for (paper_uid, paper_title), (orient, orient_title) in itertools.product(
        [("110-lb-cover-uncoated", "Matte"), ("100-lb-cover-coated-silk", "Silk")],
        ORIENTATIONS,
    ):
        width, height = _oriented(127, 178, orient)
        variants.append(
            _variant(
                tid,
                f"{paper_title} - {orient_title}",
                f"cards_pf_5r_pt_{paper_uid}_cl_4-4_{orient}",
                [("Paper", paper_title), ("Orientation", orient_title)],
                images=[
                    _placeholder("ImageFront", "front", width, height),
                    _placeholder("ImageBack", "back", width, height),
                ],
                texts=texts,
            )
        )
    return _template(
        tid,
        "Template For Personalised Greeting Card",
        "Personalised Greeting Card 5R",
        "<p>Greeting card with a personal greeting, message and signature.</p>",
        variants,
    )


def large_template():
    """Size x Color x Fit = 9 x 12 x 3 = 324 variants, for benchmarks."""
    tid = "tshirt-premium-324"
    variants = [
        _variant(
            tid,
            f"{color_title} - {size_title} - {cut_title}",
            tshirt_uid(cut, "premium", size, color, "4-0"),
            [("Size", size_title), ("Color", color_title), ("Fit", cut_title)],
            images=[_placeholder("ImageFront", "front", 305, 356)],
        )
        for (cut, cut_title), (size, size_title, _c, _l), (color, color_title) in (
            itertools.product(GARMENT_CUTS, GARMENT_SIZES, GARMENT_COLORS)
        )
    ]
    return _template(
        tid,
        "Template For Premium Crewneck T-shirt (all variants)",
        "Premium Crewneck T-shirt",
        "<p>Premium t-shirt in every size, color and fit: 324 variants.</p>",
        variants,
    )


def build_all():
    """Return ``{relative path: data}`` for every generated fixture file."""
    products = (
        poster_products() + card_products() + apparel_products() + mug_products() + other_products()
    )
    files = {"products.json": products, "catalogs.json": catalogs()}
    for template in (
        poster_template(),
        tshirt_template(),
        mug_template(),
        greeting_card_template(),
        large_template(),
    ):
        files[f"templates/{template['id']}.json"] = template
    return files


def dump(data):
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(out_dir=FIXTURES_DIR):
    for relative, data in build_all().items():
        path = Path(out_dir) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(data), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
