from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase

from .test_gelato_dam_configure import DamConfigureMixin


@tagged("post_install", "-at_install")
class TestDamConfigureTour(DamConfigureMixin, GelatoHttpCase):
    def test_configure_from_dam_import_then_quote(self):
        """DAM import kanban → Configure → product created → added to a quotation (Chromium)."""
        asset = self.imported()
        self.assertFalse(asset.product_id)
        self.start_tour(
            "/odoo/action-gelato_connector_dam.gelato_dam_asset_action",
            "gelato_dam_configure_tour",
            login="admin",
        )
        self.assertEqual(asset.state, "ready")
        product = asset.product_id
        self.assertEqual(product.name, "Summer poster")
        self.assertEqual(product.list_price, 39.0)
        order = self.env["sale.order"].search([("order_line.product_id", "=", product.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id, self.customer)
