import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    gelato_template_fixture,
    make_png,
    pixels,
)
from odoo.addons.gelato_connector_website.tests.common import GelatoShopMixin


@tagged("post_install", "-at_install")
class TestGelatoWebsitePublish(GelatoShopMixin, GelatoHttpCase):
    """A Gelato product goes online only once every variant has its print files, and goes
    offline when a synchronisation brings print areas without files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)

    def _tshirt(self, colors=("White", "Black")):
        """The sandbox's t-shirt template (only the variants of ``colors``), with no file."""
        template = self.env["product.template"].create(
            {"name": "Tee", "type": "consu", "gelato_template_ref": "tshirt-classic-white-black"}
        )
        data = gelato_template_fixture("tshirt-classic-white-black")
        data["variants"] = [v for v in data["variants"] if v["title"].split(" - ")[0] in colors]
        template._gelato_apply_template_data(data)
        return template

    def _add_file(self, template, print_area):
        placement = template.gelato_placement_ids.filtered(lambda p: p.print_area == print_area)
        self.env["gelato.print.file"].create(
            {
                "placement_id": placement.id,
                "datas": base64.b64encode(
                    make_png(pixels(placement.width_mm, 150), pixels(placement.height_mm, 150))
                ),
                "filename": "%s.png" % print_area,
            }
        )

    def test_gelato_description_fills_the_shop_description_only_when_empty(self):
        template = self.env["product.template"].create(
            {
                "name": "poster-30x40-matte",
                "type": "consu",
                "gelato_template_ref": "poster-30x40-matte",
            }
        )
        template.action_gelato_sync_template()
        self.assertIn("Museum-quality poster", template.description_ecommerce)
        template.description_ecommerce = "<p>Mine</p>"
        template.action_gelato_sync_template()
        self.assertEqual(template.description_ecommerce, "<p>Mine</p>")

    def test_publishing_needs_every_print_file_of_every_variant(self):
        template = self._tshirt()
        self._add_file(template, "default")  # the front of every variant
        with self.assertRaises(UserError) as caught:
            template.is_published = True
        message = caught.exception.args[0]
        self.assertIn("This Gelato product cannot be published yet", message)
        self.assertIn("Tee (White, S) has no print file for: Back.", message)
        self.assertNotIn("Black", message, "the black t-shirts have what they need")
        self.assertIn("Upload the missing print files", message)
        self.assertFalse(template.is_published)

        self._add_file(template, "back")
        template.is_published = True
        self.assertTrue(template.is_published)

    def test_the_website_publish_button_refuses_too(self):
        template = self._tshirt()
        self.authenticate("admin", "admin")
        error = self.jsonrpc_error(
            "/web/dataset/call_kw/product.template/website_publish_button",
            {
                "model": "product.template",
                "method": "website_publish_button",
                "args": [[template.id]],
                "kwargs": {},
            },
        )
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("has no print file for: Front", error["message"])
        self.assertFalse(template.is_published)

    def test_other_products_publish_freely(self):
        product = self.env["product.template"].create({"name": "Vase", "is_published": True})
        self.assertTrue(product.is_published)
        with self.assertRaises(UserError):
            self.env["product.template"].create(
                {
                    "name": "Unsynchronised",
                    "gelato_template_ref": "poster-30x40-matte",
                    "is_published": True,
                }
            )

    def test_a_resync_with_new_print_areas_unpublishes(self):
        # Sold online with black t-shirts only (a front print each)...
        template = self._tshirt(colors=("Black",))
        self._add_file(template, "default")
        template.is_published = True
        # ...then Gelato's template gains white t-shirts, printed front and back.
        action = template.action_gelato_sync_template()
        # Synchronised, and a warning that stays on screen: the product went offline.
        self.assertEqual(action["params"]["type"], "warning", action["params"]["message"])
        self.assertTrue(action["params"]["sticky"])
        self.assertFalse(template.is_published)
        self.assertEqual(len(template.product_variant_ids), 8)
        message = action["params"]["message"]
        self.assertIn("unpublished from the web shop", message)
        self.assertIn("Tee (White, S) has no print file for: Back.", message)
        self.assertIn("unpublished from the web shop", template.message_ids[0].body)
        # Once the back print is there, it can go online again.
        self._add_file(template, "back")
        template.is_published = True

    def test_a_resync_with_nothing_missing_keeps_it_online(self):
        poster = self.poster.product_tmpl_id
        poster.is_published = True
        action = poster.action_gelato_sync_template()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(poster.is_published)
