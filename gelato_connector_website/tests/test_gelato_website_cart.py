from odoo import http
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase
from odoo.addons.gelato_connector_website.tests.common import GelatoShopMixin


@tagged("post_install", "-at_install")
class TestGelatoWebsiteCart(GelatoShopMixin, GelatoHttpCase):
    """The web shop's cart: Gelato and other goods never share a cart, the shopper is told
    why, and a cart that could not be confirmed is never paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_shop(cls.env)

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)  # the website's public user

    def test_the_product_page_promises_no_fixed_shipping_time_for_gelato(self):
        page = self.url_open(self.shop_tshirt.website_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="gelato_product_shipping"', page.text)
        self.assertIn("estimate for your", page.text)
        self.assertNotIn("Shipping: 2-3 Business Days", page.text)
        other = self.url_open(self.ordinary_product.product_tmpl_id.website_url)
        self.assertIn("Shipping: 2-3 Business Days", other.text, "other products keep Odoo's")
        self.assertNotIn('id="gelato_product_shipping"', other.text)

    def test_other_goods_are_refused_in_a_gelato_cart_with_the_reason(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.assertEqual(cart.order_line.product_id, self.black_m)
        self.ordinary_product.default_code = "VASE_0042"
        result = self.shop_add(self.ordinary_product)
        warning = result["notification_info"]["warning"]
        self.assertIn("Ceramic Vase cannot be added to your cart", warning)
        self.assertNotIn("VASE_0042", warning, "shoppers see no internal reference")
        self.assertIn("printed-on-demand", warning)
        self.assertFalse(result["line_id"])
        self.assertEqual(cart.order_line.product_id, self.black_m, "the cart is unchanged")
        self.assertFalse(cart.shop_warning, "shown in the notification, not again on the cart")
        cart._gelato_check_mixed_goods()  # the cart still holds Gelato goods only

    def test_gelato_goods_are_refused_in_an_ordinary_cart_with_the_reason(self):
        self.shop_add(self.ordinary_product)
        result = self.shop_add(self.black_m)
        warning = result["notification_info"]["warning"]
        self.assertIn("Classic Tee (Black, M) is printed on demand", warning)
        self.assertEqual(self.shop_cart().order_line.product_id, self.ordinary_product)

    def test_services_may_join_a_gelato_cart(self):
        self.shop_add(self.black_m)
        result = self.shop_add(self.service_product)
        self.assertTrue(result["line_id"])
        self.assertFalse(result["notification_info"].get("warning"))
        self.assertEqual(
            self.shop_cart().order_line.product_id, self.black_m | self.service_product
        )

    def test_add_to_cart_page_flow_says_why_on_the_cart_page(self):
        """The "go to cart" add-to-cart (a form post, no notification): the cart page says it."""
        self.shop_add(self.black_m)
        response = self.url_open(
            "/shop/cart/update",
            data={
                "product_id": self.ordinary_product.id,
                "add_qty": 1,
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("/shop/cart", response.url)
        self.assertIn("Ceramic Vase cannot be added to your cart", response.text)
        self.assertEqual(self.shop_cart().order_line.product_id, self.black_m)

    def test_a_variant_without_print_files_is_refused(self):
        # The merchant removed the artwork after publishing: the product is still online.
        self.mug.product_tmpl_id.gelato_print_file_ids.unlink()
        result = self.shop_add(self.mug)
        self.assertIn(
            "Gelato Mug cannot be ordered at the moment", result["notification_info"]["warning"]
        )
        self.assertFalse(self.shop_cart().order_line)

    def test_a_cart_that_cannot_be_confirmed_is_not_paid(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        self.assertEqual(cart.carrier_id, self.express)
        response = self.url_open("/shop/payment")
        self.assertIn('name="o_payment_radio"', response.text, "the cart can be paid")
        # The artwork goes away while the shopper is at the payment step.
        self.shop_tshirt.gelato_print_file_ids.unlink()
        response = self.url_open("/shop/payment")
        self.assertIn("Your order cannot be placed yet.", response.text)
        self.assertIn("Classic Tee (Black, M) cannot be ordered at the moment", response.text)
        self.assertNotIn('name="o_payment_radio"', response.text)
        error = self.jsonrpc_error(
            "/shop/payment/transaction/%s" % cart.id,
            {
                "access_token": cart._portal_ensure_token(),
                "provider_id": self.env.ref("payment.payment_provider_demo").id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "token_id": None,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/shop/payment/validate",
            },
        )
        self.assertIn("cannot be ordered at the moment", error["message"])
        self.assertFalse(cart.transaction_ids, "no payment was started")
        self.assertEqual(cart.state, "draft")

    def test_a_portal_customer_pays_and_the_order_goes_to_gelato(self):
        """Paying confirms the order, which then follows the orders pipeline (the browser tour
        does the same as the public user)."""
        self.company.gelato_approval_mode = "automatic"
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.standard.id})
        self.assertEqual(self.url_open("/shop/payment").status_code, 200)
        processing = self.make_jsonrpc_request(
            "/shop/payment/transaction/%s" % cart.id,
            {
                "access_token": cart._portal_ensure_token(),
                "provider_id": self.env.ref("payment.payment_provider_demo").id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "token_id": None,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/shop/payment/validate",
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": processing["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        status = self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertEqual(status["state"], "done", status)
        self.env.invalidate_all()
        self.assertEqual(cart.state, "sale")
        self.assertEqual(cart.gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(cart.gelato_state, "sent")
        self.assertOneGelatoOrder(cart)
        (remote,) = self._sandbox_orders(cart.name)
        self.assertEqual(remote["shippingAddress"]["lastName"], "Hopper")
