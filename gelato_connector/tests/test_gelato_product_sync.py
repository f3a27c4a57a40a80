"""Template synchronisation: end to end against the sandbox, and unit tests of resyncs."""

import re
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.sql_db import Cursor
from odoo.tests import BaseCase, TransactionCase, tagged

from odoo.addons.gelato_connector.exceptions import GelatoApiError
from odoo.addons.gelato_connector.lib import templates
from odoo.addons.gelato_connector.tests.common import (
    GelatoTransactionCase,
    StaticHTTPServer,
    gelato_template,
    gelato_variant,
    make_png,
)

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def capture_queries():
    """Every SQL statement run meanwhile (through any cursor)."""
    queries = []
    execute = Cursor.execute

    def spy(cr, query, params=None, log_exceptions=True):
        queries.append(str(query.code if hasattr(query, "code") else query))
        return execute(cr, query, params, log_exceptions)

    with patch.object(Cursor, "execute", spy):
        yield queries


class SyncAssertions:
    def sync(self, template):
        """Press Synchronize; return the notification's params."""
        action = template.action_gelato_sync_template()
        self.assertEqual(action["tag"], "display_notification")
        return action["params"]

    def variants_by_options(self, template):
        return {
            tuple(
                sorted(
                    (ptav.attribute_id.name, ptav.name)
                    for ptav in variant.product_template_attribute_value_ids
                )
            ): variant
            for variant in template.product_variant_ids
        }

    def snapshot(self, template):
        """What a failed sync must leave untouched."""
        template.invalidate_recordset()
        variants = template.with_context(active_test=False).product_variant_ids
        return (
            template.name,
            sorted(variants.ids),
            sorted(variants.mapped(lambda v: (v.id, v.active, v.gelato_product_uid or ""))),
            sorted(
                template.attribute_line_ids.mapped(
                    lambda line: (line.attribute_id.id, tuple(line.value_ids.ids))
                )
            ),
            sorted(template.gelato_placement_ids.mapped(lambda p: (p.print_area, p.width_mm))),
        )


@tagged("post_install", "-at_install")
class TestTemplateSyncSandbox(SyncAssertions, GelatoTransactionCase):
    """The Synchronize button against the sandbox over real HTTP."""

    def new_product(self, ref, name="Gelato test product"):
        return self.env["product.template"].create(
            {"name": name, "gelato_template_ref": ref, "type": "consu"}
        )

    def test_multi_variant_sync_with_differing_placements(self):
        product = self.new_product("tshirt-classic-white-black")
        params = self.sync(product)
        self.assertEqual(params["type"], "success", params)
        self.assertTrue(product.gelato_is_product)
        self.assertTrue(product.image_1920, "the preview, from Gelato's (the sandbox's) images")
        variants = self.variants_by_options(product)
        self.assertEqual(len(variants), 8)
        white_m = variants[(("Color", "White"), ("Size", "M"))]
        black_xl = variants[(("Color", "Black"), ("Size", "XL"))]
        self.assertEqual(
            white_m.gelato_product_uid,
            "apparel_product_gca_t-shirt_gsc_crewneck_gcu_unisex_gqa_classic_gsi_m_gco_white_gpr_4-4",
        )
        self.assertTrue(black_xl.gelato_product_uid.endswith("_gsi_xl_gco_black_gpr_4-0"))
        # Placements come from every variant: White adds a back the first (White) and the
        # Black ones do not have; "front" is sent as "default".
        self.assertEqual(product.gelato_placement_ids.mapped("print_area"), ["default", "back"])
        self.assertEqual(product.gelato_placement_ids.mapped("name"), ["Front", "Back"])
        self.assertEqual(set(white_m.gelato_placements), {"default", "back"})
        self.assertEqual(set(black_xl.gelato_placements), {"default"})
        self.assertEqual(black_xl.gelato_placements["default"]["width"], 305)
        self.assertEqual(white_m._gelato_get_missing_print_files(), ["Front", "Back"])
        self.assertEqual(black_xl._gelato_get_missing_print_files(), ["Front"])
        # One attribute line per Gelato option, creating variants always.
        self.assertEqual(
            sorted(product.attribute_line_ids.attribute_id.mapped("create_variant")),
            ["always", "always"],
        )
        # The synchronisation is told in the chatter.
        self.assertIn("tshirt-classic-white-black", product.message_ids[0].body)

    def test_existing_attributes_are_reused_by_name(self):
        Attribute = self.env["product.attribute"]
        # A "Size" that does not create variants cannot carry Gelato's variants...
        no_variant_size = Attribute.create(
            {"name": "Size", "create_variant": "no_variant", "value_ids": [(0, 0, {"name": "S"})]}
        )
        # ...one that does is reused, whatever the case of its name and values.
        size = Attribute.create(
            {
                "name": "SIZE",
                "create_variant": "always",
                "sequence": -1,  # found before any other "size" of the database
                "value_ids": [(0, 0, {"name": "s"}), (0, 0, {"name": "XXL"})],
            }
        )
        colours = Attribute.search([("name", "=ilike", "color"), ("create_variant", "=", "always")])
        product = self.new_product("tshirt-classic-white-black")
        self.sync(product)
        lines = {line.attribute_id.name.lower(): line for line in product.attribute_line_ids}
        self.assertEqual(lines["size"].attribute_id, size)
        self.assertNotEqual(lines["size"].attribute_id, no_variant_size)
        small = size.value_ids.filtered(lambda v: v.name == "s")
        self.assertIn(small, lines["size"].value_ids, "the existing value is reused")
        self.assertEqual(sorted(lines["size"].value_ids.mapped("name")), ["L", "M", "XL", "s"])
        self.assertEqual(
            sorted(size.value_ids.mapped("name")), ["L", "M", "XL", "XXL", "s"], "no duplicate"
        )
        if colours:  # the database's own Color attribute is reused
            self.assertEqual(lines["color"].attribute_id, colours[0])
        white = lines["color"].attribute_id.value_ids.filtered(lambda v: v.name.lower() == "white")
        self.assertEqual(len(white), 1)
        # Synchronising a second product reuses what the first one created.
        attributes_before = Attribute.search_count([])
        values_before = self.env["product.attribute.value"].search_count([])
        other = self.new_product("tshirt-classic-white-black", name="Another tee")
        params = self.sync(other)
        self.assertNotIn("attribute(s) created", params["message"])
        self.assertNotIn("attribute value(s) created", params["message"])
        self.assertEqual(Attribute.search_count([]), attributes_before)
        self.assertEqual(self.env["product.attribute.value"].search_count([]), values_before)
        self.assertEqual(
            other.attribute_line_ids.attribute_id, product.attribute_line_ids.attribute_id
        )

    def test_one_variant_template(self):
        product = self.new_product("poster-30x40-matte", name="poster-30x40-matte")
        # Gelato's image server fails: synchronised all the same, with a warning that stays
        # on screen (not a green toast that carries a failure).
        self.sandbox.fault("500", endpoint="GET /previews/*")
        params = self.sync(product)
        self.assertEqual((params["type"], params["sticky"]), ("warning", True))
        self.assertEqual(params["title"], "Synchronized with Gelato, with warnings")
        self.assertFalse(product.attribute_line_ids, "a one-variant template creates no attribute")
        self.assertEqual(product.product_variant_count, 1)
        self.assertEqual(
            product.product_variant_id.gelato_product_uid,
            "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver",
        )
        self.assertEqual(product.gelato_product_uid, product.product_variant_id.gelato_product_uid)
        # Print area "1" is Gelato's "default"; its size is the poster's.
        placement = product.gelato_placement_ids
        self.assertEqual(
            (placement.print_area, placement.width_mm, placement.height_mm), ("default", 300, 400)
        )
        # The title comes from Gelato since the product had none (its name was the template
        # id); Gelato's marketing text is not copied onto order lines (the sales description);
        # the preview could not be fetched (HTTP 500): said, not fatal.
        self.assertEqual(product.name, "Classic Matte Poster 30x40 cm")
        self.assertFalse(product.description_sale)
        self.assertIn("preview image could not be fetched", params["message"])

    def test_product_information_is_kept_when_set(self):
        product = self.new_product("mug-11oz-15oz", name="My own mug")
        self.sync(product)
        self.assertEqual(product.name, "My own mug")
        # Each mug has its own print area size; the product's print area is the largest.
        eleven, fifteen = product.product_variant_ids.sorted(lambda v: v.gelato_product_uid)
        self.assertEqual(eleven.gelato_placements["default"]["width"], 200)
        self.assertEqual(fifteen.gelato_placements["default"]["width"], 225)
        self.assertEqual(product.gelato_placement_ids.mapped("width_mm"), [225])

    def test_noop_resync_writes_nothing(self):
        product = self.new_product("tshirt-classic-white-black", name="My tee")
        self.sync(product)
        self.env.flush_all()
        messages = len(product.message_ids)
        with capture_queries() as queries:
            params = self.sync(product)
            self.env.flush_all()
        writes = [q for q in queries if WRITES.match(q)]
        self.assertEqual(writes, [], "a resync with nothing new must write nothing")
        self.assertIn("Already up to date", params["message"])
        self.assertEqual(len(product.message_ids), messages)

    def test_resync_follows_gelato_variants_added_and_removed(self):
        """Switching to another template: variants, values and print areas follow Gelato; a
        variant already sold is archived instead of deleted."""
        product = self.new_product("tshirt-classic-white-black", name="Tee")
        self.sync(product)
        sold = self.variants_by_options(product)[(("Color", "White"), ("Size", "S"))]
        unsold = self.variants_by_options(product)[(("Color", "Black"), ("Size", "L"))]
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Buyer"}).id,
                "order_line": [(0, 0, {"product_id": sold.id, "product_uom_qty": 1})],
            }
        )
        product.gelato_template_ref = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
        params = self.sync(product)
        self.assertEqual(params["type"], "success", params)
        variants = self.variants_by_options(product)
        self.assertEqual(
            sorted(variants),
            [(("Size", size),) for size in sorted(["2XL", "3XL", "L", "M", "S", "XL"])],
        )
        self.assertTrue(
            variants[(("Size", "3XL"),)].gelato_product_uid.endswith("_gsi_3xl_gco_white_gpr_4-0")
        )
        self.assertFalse(unsold.exists(), "a variant never sold is deleted")
        self.assertTrue(sold.exists() and not sold.active, "a sold variant is archived")
        self.assertEqual(order.order_line.product_id, sold)
        # The back print area is gone (no variant has it any more).
        self.assertEqual(product.gelato_placement_ids.mapped("print_area"), ["default"])
        self.assertIn("archived", params["message"])

    def test_unknown_template_changes_nothing(self):
        product = self.new_product("tshirt-classic-white-black")
        self.sync(product)
        before = self.snapshot(product)
        product.gelato_template_ref = "no-such-template"
        params = self.sync(product)
        self.assertEqual(params["type"], "danger")
        self.assertIn("no template with the ID no-such-template", params["message"])
        self.assertEqual(self.snapshot(product), before)

    def test_bad_key_and_gelato_down_change_nothing(self):
        product = self.new_product("mug-11oz-15oz")
        before = self.snapshot(product)
        self.company.sudo().gelato_api_key = "wrong-key"
        params = self.sync(product)
        self.assertEqual(params["type"], "danger")
        self.assertIn("refused the API key", params["message"])
        self.assertEqual(self.snapshot(product), before)
        self.company.sudo().gelato_api_key = "sandbox-test-key"
        self.sandbox.fault("502", endpoint="GET /v1/templates/{templateId}")
        params = self.sync(product)
        self.assertEqual(params["type"], "danger")
        self.assertIn("unavailable", params["message"])
        self.assertEqual(self.snapshot(product), before)
        self.sandbox.fault("hang", endpoint="GET /v1/templates/{templateId}", hang_seconds=3)
        with patch("odoo.addons.gelato_connector.lib.const.REQUEST_TIMEOUT", (2, 0.5)):
            params = self.sync(product)
        self.assertEqual(params["type"], "danger")
        self.assertIn("did not answer in time", params["message"])
        self.assertEqual(self.snapshot(product), before)
        # Once Gelato answers again, the same button works.
        self.assertEqual(self.sync(product)["type"], "success")
        self.assertEqual(product.product_variant_count, 2)

    def test_no_template_id(self):
        product = self.env["product.template"].create({"name": "Plain"})
        with self.assertRaisesRegex(UserError, "Enter the Gelato template ID"):
            product._gelato_sync_template()
        self.assertFalse(product.gelato_is_product)
        self.assertFalse(product.product_variant_id._gelato_get_missing_print_files())
        product.product_variant_id._gelato_check_orderable()  # not a Gelato product: passes


@tagged("post_install", "-at_install")
class TestTemplateResync(SyncAssertions, TransactionCase):
    """Resynchronisation when Gelato's template changes (Gelato's answers given here)."""

    FRONT = [("ImageFront", "front", 300, 400)]

    def setUp(self):
        super().setUp()
        self.answers = []
        self.company = self.env.company
        self.company.sudo().gelato_api_key = "unit-test-key"
        patcher = patch.object(
            type(self.env["res.company"]),
            "_gelato_make_request",
            autospec=True,
            side_effect=lambda company, *args, **kwargs: self.answers[-1],
        )
        self.seam = patcher.start()
        self.addCleanup(patcher.stop)
        self.product = self.env["product.template"].create(
            {"name": "Canvas", "gelato_template_ref": "canvas", "type": "consu"}
        )

    def template(self, variants, **kwargs):
        self.answers.append(gelato_template("canvas", variants, **kwargs))

    def canvas(self, size, frame, uid=None, placements=None):
        return gelato_variant(
            uid or "canvas_%s_%s" % (size, frame),
            {"Size": size, "Frame": frame},
            placements or self.FRONT,
        )

    def test_values_added_and_removed(self):
        self.template([self.canvas(s, f) for s in ("S", "M") for f in ("Oak", "Black")])
        self.sync(self.product)
        self.assertEqual(self.product.product_variant_count, 4)
        # Gelato adds size L and drops the black frame.
        self.template([self.canvas(s, "Oak") for s in ("S", "M", "L")])
        params = self.sync(self.product)
        variants = self.variants_by_options(self.product)
        self.assertEqual(
            sorted(variants), [(("Frame", "Oak"), ("Size", s)) for s in ("L", "M", "S")]
        )
        self.assertEqual(
            variants[(("Frame", "Oak"), ("Size", "L"))].gelato_product_uid, "canvas_L_Oak"
        )
        self.assertIn("1 value(s) added", params["message"])
        self.assertIn("1 value(s) removed", params["message"])

    def test_variant_removed_while_its_values_stay(self):
        """Gelato drops one combination only: it is deleted, or archived when sold, and comes
        back if Gelato offers it again."""
        full = [self.canvas(s, f) for s in ("S", "M") for f in ("Oak", "Black")]
        self.template(full)
        self.sync(self.product)
        sold = self.variants_by_options(self.product)[(("Frame", "Oak"), ("Size", "M"))]
        self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Buyer"}).id,
                "order_line": [(0, 0, {"product_id": sold.id})],
            }
        )
        # Gelato drops S/Black and M/Oak; S, M, Oak and Black all remain.
        gone = self.variants_by_options(self.product)[(("Frame", "Black"), ("Size", "S"))]
        self.template(
            [v for v in full if v["productUid"] not in ("canvas_S_Black", "canvas_M_Oak")]
        )
        params = self.sync(self.product)
        self.assertFalse(gone.exists())
        self.assertFalse(sold.active)
        self.assertEqual(self.product.product_variant_count, 2)
        self.assertIn("1 variant(s) deleted", params["message"])
        self.assertIn("1 variant(s) archived", params["message"])
        # A plain resync changes nothing more.
        self.assertIn("Already up to date", self.sync(self.product)["message"])
        # Gelato brings M/Oak back: the archived variant is restored, not duplicated.
        self.template([v for v in full if v["productUid"] != "canvas_S_Black"])
        params = self.sync(self.product)
        self.assertTrue(sold.active)
        self.assertIn("1 variant(s) restored", params["message"])
        self.assertEqual(self.product.product_variant_count, 3)

    def test_uids_updated(self):
        self.template([self.canvas("S", "Oak"), self.canvas("M", "Oak")])
        self.sync(self.product)
        self.template([self.canvas("S", "Oak", uid="canvas_S_Oak_v2"), self.canvas("M", "Oak")])
        params = self.sync(self.product)
        self.assertIn("1 Gelato product UID(s) set", params["message"])
        self.assertEqual(
            sorted(self.product.product_variant_ids.mapped("gelato_product_uid")),
            ["canvas_M_Oak", "canvas_S_Oak_v2"],
        )

    def test_placements_deduplicated_across_variants_and_layers(self):
        self.template(
            [
                self.canvas(
                    "S",
                    "Oak",
                    placements=[("Layer1", "1", 200, 300), ("Layer2", "front", 210, 290)],
                ),
                self.canvas(
                    "M",
                    "Oak",
                    placements=[
                        ("ImageFront", "front", 250, 350),
                        ("Sleeve", "sleeve-left", 80, 90),
                    ],
                ),
            ]
        )
        self.sync(self.product)
        placements = self.product.gelato_placement_ids
        self.assertEqual(placements.mapped("print_area"), ["default", "sleeve-left"])
        default = placements[0]
        self.assertEqual((default.width_mm, default.height_mm), (250, 350))
        self.assertEqual(default.placeholder_names, "Layer1, Layer2, ImageFront")
        self.assertEqual(placements[1].name, "Left sleeve")
        small = self.product.product_variant_ids.filtered(
            lambda v: v.gelato_product_uid == "canvas_S_Oak"
        )
        self.assertEqual(
            small.gelato_placements,
            {"default": {"name": "Layer1, Layer2", "width": 210, "height": 300}},
        )

    def test_preview_image_when_the_product_has_none(self):
        server = StaticHTTPServer(body=make_png(400, 300), content_type="image/png")
        self.addCleanup(server.stop)
        self.template([self.canvas("S", "Oak")], preview=server.url + "/preview.png")
        self.assertFalse(self.product.image_1920)
        params = self.sync(self.product)
        self.assertTrue(self.product.image_1920)
        self.assertIn("product field(s) filled", params["message"])
        # An image is never replaced.
        image = self.product.image_1920
        self.assertIn("Already up to date", self.sync(self.product)["message"])
        self.assertEqual(self.product.image_1920, image)

    def test_malformed_templates_change_nothing(self):
        self.template([self.canvas("S", "Oak"), self.canvas("M", "Oak")])
        self.sync(self.product)
        before = self.snapshot(self.product)
        cases = {
            "no variants": ([], "no variants"),
            "same options twice": (
                [self.canvas("S", "Oak"), self.canvas("S", "Oak", uid="other")],
                "same options",
            ),
            "option missing": (
                [self.canvas("S", "Oak"), gelato_variant("x", {"Size": "M"}, self.FRONT)],
                "no value for Frame",
            ),
            "no product uid": (
                [self.canvas("S", "Oak", uid=" "), self.canvas("M", "Oak")],
                "no product UID",
            ),
        }
        for name, (variants, message) in cases.items():
            with self.subTest(name):
                self.template(variants)
                params = self.sync(self.product)
                self.assertEqual(params["type"], "danger")
                self.assertIn(message, params["message"])
                self.assertEqual(self.snapshot(self.product), before)
        self.answers.append(["not", "a", "template"])
        self.assertIn("is not a template", self.sync(self.product)["message"])
        # Found by the bad-input run (bench/bench_bad_input.py): fields of the wrong type
        # crashed the sync (placeholders not a list) or made a print area named "[]".
        for name, variant in {
            "placeholders not a list": {**self.canvas("S", "Oak"), "imagePlaceholders": 7},
            "options not a list": {**self.canvas("S", "Oak"), "variantOptions": "Size"},
            "print area not a name": {
                **self.canvas("S", "Oak"),
                "imagePlaceholders": [{"name": "x", "printArea": [], "width": 1, "height": 1}],
            },
        }.items():
            with self.subTest(name):
                self.template([variant, self.canvas("M", "Oak")])
                params = self.sync(self.product)
                self.assertEqual(params["type"], "danger")
                self.assertIn("is not a template", params["message"])
                self.assertEqual(self.snapshot(self.product), before)

    def test_failure_midway_rolls_everything_back(self):
        self.template([self.canvas("S", "Oak"), self.canvas("M", "Oak")])
        self.sync(self.product)
        before = self.snapshot(self.product)
        self.template([self.canvas(s, "Oak") for s in ("S", "M", "L")])
        with patch.object(
            type(self.env["product.template"]),
            "_gelato_sync_placements",
            side_effect=UserError("boom"),
        ):
            params = self.sync(self.product)
        self.assertEqual(params["type"], "danger")
        self.assertEqual(self.snapshot(self.product), before)

    def test_gelato_error_is_reported(self):
        self.seam.side_effect = GelatoApiError(
            "Gelato is unavailable right now (HTTP 503).", 503, True
        )
        params = self.sync(self.product)
        self.assertEqual(
            (params["type"], params["message"]),
            ("danger", "Gelato is unavailable right now (HTTP 503)."),
        )


@tagged("post_install", "-at_install")
class TestTemplateParsing(BaseCase):
    """templates.parse_template: placement mapping without the ORM."""

    def test_print_area_mapping(self):
        self.assertEqual(templates.print_area_file_type("1"), "default")
        self.assertEqual(templates.print_area_file_type("Front"), "default")
        self.assertEqual(templates.print_area_file_type("default"), "default")
        self.assertEqual(templates.print_area_file_type("back"), "back")
        self.assertEqual(templates.print_area_file_type(None), "default")
        self.assertEqual(templates.print_area_label("neck-inner"), "Inner neck")
        self.assertEqual(templates.print_area_label("left_panel"), "Left panel")

    def test_placements_from_every_variant(self):
        parsed = templates.parse_template(
            gelato_template(
                "t",
                [
                    gelato_variant("a", {"Colour": "White"}, [("F", "front", 100, 100)]),
                    gelato_variant(
                        "b", {"colour": "black"}, [("F", "1", 120, 90), ("B", "back", 50, 50)]
                    ),
                ],
            ),
            "t",
        )
        self.assertEqual(list(parsed["placements"]), ["default", "back"])
        self.assertEqual(parsed["placements"]["default"]["width"], 120)
        self.assertEqual(parsed["placements"]["default"]["height"], 100)
        self.assertEqual(parsed["attributes"], [("Colour", ["White", "black"])])
        self.assertEqual(parsed["variants"][1]["options"], {"colour": "black"})
