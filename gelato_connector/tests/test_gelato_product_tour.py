from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase


@tagged("post_install", "-at_install")
class TestGelatoProductTour(GelatoHttpCase):
    def test_synchronize_from_the_product_form(self):
        """A user pastes a template ID and presses Synchronize in the product form (Chromium)."""
        product = self.env["product.template"].create(
            {
                "name": "Tour tee",
                "gelato_template_ref": "tshirt-classic-white-black",
                "type": "consu",
            }
        )
        self.start_tour(
            "/odoo/action-sale.product_template_action/%d" % product.id,
            "gelato_product_sync_tour",
            login="admin",
        )
        self.assertEqual(product.product_variant_count, 8)
        self.assertTrue(all(product.product_variant_ids.mapped("gelato_product_uid")))
        self.assertEqual(product.gelato_placement_ids.mapped("print_area"), ["default", "back"])
