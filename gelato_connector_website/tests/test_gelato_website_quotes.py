from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase
from odoo.addons.gelato_connector_website.tests.common import GelatoShopMixin

QUOTE = "POST /v4/orders:quote"
# The wallet's delivery address of the portal shopper (her own address: nothing is created).
WALLET_ADDRESS = {
    "name": "Grace Hopper",
    "email": "grace@example.com",
    "street": "Sveavägen 44",
    "city": "Stockholm",
    "zip": "111 34",
    "country": "SE",
}


@tagged("post_install", "-at_install")
class TestGelatoWebsiteQuotes(GelatoShopMixin, GelatoHttpCase):
    """Rate requests of the shop (checkout page, /shop/get_delivery_rate,
    /shop/set_delivery_method, express checkout) reach Gelato once per quoted content, and a
    shopper's cart only so many times a minute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_shop(cls.env)

    def setUp(self):
        super().setUp()
        self.authenticate(self.portal_user.login, self.portal_user.login)

    def _quote_calls(self):
        return self.sandbox.admin("counters")["calls"].get(QUOTE, 0)

    def _rate(self, carrier):
        return self.make_jsonrpc_request("/shop/get_delivery_rate", {"dm_id": carrier.id})

    def _no_cache_and_limit(self, calls):
        params = self.env["ir.config_parameter"]
        params.set_param("gelato_connector.quote_cache_ttl", "0")
        params.set_param("gelato_connector.quote_limit_per_cart", str(calls))

    def test_repeated_rate_requests_call_gelato_once(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        for _visit in range(3):
            self.assertEqual(self.url_open("/shop/checkout").status_code, 200)
        self.assertEqual(self._quote_calls(), 1)
        rates = [self._rate(carrier) for carrier in (self.standard, self.express) * 5]
        self.assertTrue(all(rate["success"] for rate in rates), rates)
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.standard.id})
        methods = self.make_jsonrpc_request(
            "/shop/express/shipping_address_change", {"partial_delivery_address": WALLET_ADDRESS}
        )
        self.assertEqual({m["id"] for m in methods}, {self.standard.id, self.express.id})
        self.assertEqual(self._quote_calls(), 1, "one call for all these rate requests")
        self.assertEqual(self.shop_cart().carrier_id, self.standard)
        self.assertAlmostEqual(
            sum(self._delivery_lines().mapped("price_unit")),
            self.standard.rate_shipment(cart)["price"],
            places=2,
        )
        self.assertEqual(self._quote_calls(), 1)

    def test_a_new_quantity_or_address_quotes_again(self):
        self.shop_add(self.black_m)
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        price_for_one = self._rate(self.express)["price"]
        self.assertEqual(self._quote_calls(), 1)
        # Adding one more re-rates the cart (website_sale), which is a new quote...
        self.shop_add(self.black_m)
        products = self.shop_cart().order_line.filtered(lambda line: not line.is_delivery)
        self.assertEqual(products.product_uom_qty, 2)
        self.assertEqual(self._quote_calls(), 2)
        # ... that the rate requests then read.
        price_for_two = self._rate(self.express)["price"]
        self.assertNotAlmostEqual(price_for_two, price_for_one, places=2)
        self.assertEqual(self._quote_calls(), 2)
        self.shop_ship_to_us(self.portal_user.partner_id)
        to_us = self._rate(self.express)
        self.assertTrue(to_us["success"], to_us)
        self.assertEqual(self._quote_calls(), 3)
        self.assertNotAlmostEqual(to_us["price"], price_for_two, places=2)

    def test_a_cart_is_refused_beyond_its_live_quotes(self):
        self._no_cache_and_limit(3)
        self.shop_add(self.black_m)
        for _attempt in range(3):
            self.assertTrue(self._rate(self.standard)["success"])
        for route_call in (
            lambda: self._rate(self.standard),
            lambda: self._rate(self.express),
        ):
            refused = route_call()
            self.assertFalse(refused["success"])
            self.assertEqual(
                refused["error_message"],
                "Too many shipping quotes for this cart: try again in a minute.",
            )
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        self.assertFalse(self._delivery_lines(), "no shipping price without a quote")
        methods = self.make_jsonrpc_request(
            "/shop/express/shipping_address_change", {"partial_delivery_address": WALLET_ADDRESS}
        )
        self.assertEqual(methods, [], "the wallet is offered no method either")
        self.assertEqual(self._quote_calls(), 3, "the refusals did not call Gelato")

    def _delivery_lines(self):
        return self.shop_cart().order_line.filtered("is_delivery")

    def test_an_anonymous_cart_is_limited_too(self):
        self.authenticate(None, None)
        self._no_cache_and_limit(2)
        self.shop_add(self.black_m)
        result = self.shop_submit_address({}, use_delivery_as_billing="true")
        self.assertIn("successUrl", result, result)
        rates = [self._rate(self.standard) for _attempt in range(4)]
        self.assertIn("Too many shipping quotes", rates[-1]["error_message"])
        self.assertEqual(self._quote_calls(), 2, "all the calls of this cart, whatever the route")

    def test_internal_users_are_not_limited(self):
        self._no_cache_and_limit(2)
        admin = self.env.ref("base.user_admin")
        admin.partner_id.write(
            {
                "name": "Mitchell Admin",
                "street": "Drottninggatan 12",
                "street2": False,
                "city": "Stockholm",
                "zip": "111 51",
                "state_id": False,
                "country_id": self.sweden.id,
                "email": "admin@example.com",
            }
        )
        self.authenticate("admin", "admin")
        self.shop_add(self.black_m)
        rates = [self._rate(self.standard) for _attempt in range(4)]
        self.assertTrue(all(rate["success"] for rate in rates), rates)
        self.assertEqual(self._quote_calls(), 4)
