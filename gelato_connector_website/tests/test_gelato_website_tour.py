from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import (
    TSHIRT_UID,
    GelatoHttpCase,
)
from odoo.addons.gelato_connector_website.tests.common import GelatoShopMixin


@tagged("post_install", "-at_install")
class TestGelatoWebsiteTour(GelatoShopMixin, GelatoHttpCase):
    """The web shop in Chromium, as the website's public user, against the Gelato sandbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_shop(cls.env)
        cls.company.gelato_approval_mode = "automatic"

    def _shop_orders(self):
        return self.env["sale.order"].search(
            [
                ("website_id", "=", self.website.id),
                ("order_line.product_id", "in", self.black_m.ids),
            ]
        )

    def test_buy_a_tshirt_variant_with_express_delivery(self):
        self.start_tour(self.shop_tshirt.website_url, "gelato_shop_buy_tshirt_express")
        order = self.env["sale.order"].search(
            [("partner_id.email", "=", "ada.lovelace@example.com")]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale", "confirmed by the payment")
        self.assertEqual(order.transaction_ids.state, "done")
        self.assertEqual(order.carrier_id, self.express)
        self.assertEqual(
            order.order_line.filtered(lambda line: not line.is_delivery).product_id, self.black_m
        )
        self.assertEqual(order.gelato_state, "queued", "the orders pipeline took it over")
        self.assertFalse(self.sandbox.admin("orders")["orders"], "confirmation calls no one")

        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        orders = self.sandbox.admin("orders")["orders"]
        self.assertEqual(len(orders), 1, "exactly one Gelato order")
        (remote,) = orders
        self.assertEqual(remote["orderReferenceId"], order.name)
        self.assertEqual(remote["orderType"], "order")
        self.assertEqual([item["productUid"] for item in remote["items"]], [TSHIRT_UID])
        self.assertEqual(remote["shipment"]["shipmentMethodUid"], "dhl_express_worldwide")
        self.assertEqual(remote["shippingAddress"]["lastName"], "Lovelace")
        self.assertEqual(remote["shippingAddress"]["country"], "SE")
        self.assertOneGelatoOrder(order)
        downloads = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(len(downloads), 1, "the black t-shirt has a front print only")
        self.assertEqual((downloads[0]["status"], downloads[0]["type"]), (200, "png"))
        self.assertTrue(downloads[0]["url"].startswith(self.base_url() + "/gelato/print-file/"))

    def test_a_gelato_cart_refuses_other_goods(self):
        self.start_tour(self.shop_tshirt.website_url, "gelato_shop_mixing_refused")
        (order,) = self.env["sale.order"].search(
            [
                ("website_id", "=", self.website.id),
                ("order_line.product_id.product_tmpl_id", "=", self.shop_tshirt.id),
            ]
        )
        self.assertEqual(order.order_line.product_id.display_name, "Classic Tee (White, L)")

    def test_the_address_form_refuses_a_street_too_long_for_gelato(self):
        self.start_tour(self.shop_tshirt.website_url, "gelato_shop_address_too_long")
        order = self.env["sale.order"].search(
            [("partner_id.email", "=", "ada.lovelace@example.com")]
        )
        self.assertEqual(order.partner_shipping_id.street, "Djurgårdsvägen 6")
