import html
import json
import re

from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase
from odoo.addons.gelato_connector_website.tests.common import GelatoShopMixin


@tagged("post_install", "-at_install")
class TestGelatoWebsiteCheckout(GelatoShopMixin, GelatoHttpCase):
    """The checkout of a Gelato cart: delivery methods and live rates, Gelato's address rules
    on the address form, express checkout only with an address Gelato accepts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_shop(cls.env)
        cls.customer_partner = cls.portal_user.partner_id

    def setUp(self):
        super().setUp()
        self.authenticate(self.portal_user.login, self.portal_user.login)

    def _offered_methods(self, html):
        ids = {int(dm_id) for dm_id in re.findall(r'data-dm-id="(\d+)"', html)}
        return self.env["delivery.carrier"].browse(ids)

    def _quote_calls(self):
        return self.sandbox.admin("counters")["calls"].get("POST /v4/orders:quote", 0)

    def _delivery_price(self, order):
        self.env.invalidate_all()
        return sum(order.order_line.filtered("is_delivery").mapped("price_unit"))

    # === Delivery methods === #

    def test_a_gelato_cart_is_offered_the_gelato_methods_with_live_rates(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        quotes = self._quote_calls()
        page = self.url_open("/shop/checkout")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self._offered_methods(page.text), self.standard | self.express)
        rate = self.make_jsonrpc_request("/shop/get_delivery_rate", {"dm_id": self.express.id})
        self.assertTrue(rate["success"], rate)
        # Quoted by Gelato, live, once: Gelato's quote lists the methods of both levels.
        self.assertEqual(self._quote_calls(), quotes + 1)
        expected = self.express.rate_shipment(cart)
        self.assertAlmostEqual(rate["price"], expected["price"], places=2)
        self.assertIn("Gelato estimates delivery", rate["warning_message"])
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        self.assertEqual(cart.carrier_id, self.express)
        self.assertAlmostEqual(self._delivery_price(cart), expected["price"], places=2)
        # Another carrier cannot be forced onto the cart.
        error = self.jsonrpc_error("/shop/get_delivery_rate", {"dm_id": self.courier.id})
        self.assertIn("not compatible", error["message"])

    def test_an_ordinary_cart_is_not_offered_the_gelato_methods(self):
        self.shop_add(self.ordinary_product)
        page = self.url_open("/shop/checkout")
        offered = self._offered_methods(page.text)
        self.assertIn(self.courier, offered)
        self.assertFalse(offered & (self.standard | self.express))

    def test_the_rate_follows_a_change_of_delivery_address(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.assertEqual(cart.partner_shipping_id, self.customer_partner)
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        price_to_sweden = self._delivery_price(cart)
        self.assertAlmostEqual(price_to_sweden, self.express.rate_shipment(cart)["price"], places=2)
        us_address = self.shop_ship_to_us(self.customer_partner)
        self.assertEqual(self.shop_cart().partner_shipping_id, us_address)
        self.assertEqual(cart.carrier_id, self.express)
        price_to_us = self._delivery_price(cart)
        self.assertNotAlmostEqual(price_to_us, price_to_sweden, places=2)
        self.assertAlmostEqual(price_to_us, self.express.rate_shipment(cart)["price"], places=2)
        rate = self.make_jsonrpc_request("/shop/get_delivery_rate", {"dm_id": self.express.id})
        self.assertAlmostEqual(rate["price"], price_to_us, places=2)

    def test_the_rate_follows_an_edit_of_the_main_address(self):
        """The shopper's own contact is both the billing and the delivery address: editing it
        (as website_sale does, as the billing address) quotes the shipping again."""
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.assertEqual(cart.partner_shipping_id, self.customer_partner)
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        price_to_sweden = self._delivery_price(cart)
        result = self.shop_submit_address(
            {
                "name": "Grace Hopper",
                "email": "grace@example.com",
                "street": "5th Avenue 1",
                "city": "New York",
                "zip": "10001",
                "country_id": str(self.env.ref("base.us").id),
                "state_id": str(self.env.ref("base.state_us_27").id),
            },
            partner_id=str(self.customer_partner.id),
            address_type="billing",
        )
        self.assertIn("successUrl", result, result)
        self.assertEqual(cart.partner_shipping_id.country_id.code, "US")
        price_to_us = self._delivery_price(cart)
        self.assertNotAlmostEqual(price_to_us, price_to_sweden, places=2)
        self.assertAlmostEqual(price_to_us, self.express.rate_shipment(cart)["price"], places=2)

    # === The address form === #

    def test_the_address_form_enforces_gelato_rules_field_by_field(self):
        self.authenticate(None, None)
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        result = self.shop_submit_address(
            {"name": "Cher", "street": "Kungliga Djurgårdens Förvaltning 123"}
        )
        self.assertNotIn("successUrl", result)
        self.assertIn("street", result["invalid_fields"])
        self.assertIn("name", result["invalid_fields"])
        messages = result["gelato_field_messages"]
        self.assertEqual(
            messages["street"], ["Street: Gelato accepts at most 35 characters (it has 36)."]
        )
        self.assertIn("first and a last name", messages["name"][0])
        self.assertTrue(set(messages["street"]) <= set(result["messages"]))
        self.assertEqual(cart.partner_id, self.website.user_id.partner_id, "nothing was saved")
        result = self.shop_submit_address({"name": "Cher Sarkisian"})
        self.assertIn("successUrl", result, result)
        self.assertEqual(cart.partner_shipping_id.name, "Cher Sarkisian")

    def test_the_address_form_names_gelato_required_fields(self):
        self.authenticate(None, None)
        self.shop_add(self.black_m)
        us = self.env.ref("base.us")
        info = self.make_jsonrpc_request(
            "/shop/country_info/%s" % us.id, {"address_type": "delivery"}
        )
        self.assertTrue({"email", "zip", "state_id"} <= set(info["required_fields"]))
        result = self.shop_submit_address(
            {"street": "1 Main Street", "city": "Arlington", "zip": "22201"},
            country_id=str(us.id),
            address_type="delivery",
            use_delivery_as_billing="true",
        )
        self.assertIn("state_id", result["invalid_fields"])
        self.assertIn("required by Gelato for addresses in United States", result["messages"][-1])

    def test_an_ordinary_cart_is_not_bound_by_gelato_rules(self):
        self.authenticate(None, None)
        self.shop_add(self.ordinary_product)
        info = self.make_jsonrpc_request(
            "/shop/country_info/%s" % self.sweden.id, {"address_type": "delivery"}
        )
        self.assertNotIn("email", info["required_fields"])
        result = self.shop_submit_address({"street": "Kungliga Djurgårdens Förvaltning 123"})
        self.assertIn("successUrl", result, result)

    def test_the_checkout_sends_an_address_gelato_refuses_to_the_form(self):
        self.customer_partner.street = "Kungliga Djurgårdens Förvaltning 123"
        self.shop_add(self.black_m)
        page = self.url_open("/shop/checkout")
        self.assertIn(
            "/shop/address?partner_id=%s&address_type=delivery" % self.customer_partner.id,
            page.url,
        )
        match = re.search(r'data-gelato-field-messages="([^"]*)"', page.text)
        self.assertTrue(match, "the form opens with Gelato's messages")
        messages = json.loads(html.unescape(match.group(1)))
        self.assertIn("at most 35 characters", messages["street"][0])
        # No payment either, whatever the way in.
        self.assertIn("/shop/address", self.url_open("/shop/payment").url)

    # === Express checkout (wallet buttons) === #

    def _express_offered(self):
        return "o_demo_express_checkout_container" in self.url_open("/shop/cart").text

    def test_express_checkout_needs_a_delivery_address_valid_for_gelato(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.assertTrue(self._express_offered(), "signed in, with an address Gelato accepts")
        methods = self.make_jsonrpc_request(
            "/shop/express/shipping_address_change",
            {
                "partial_delivery_address": {
                    "name": "Grace Hopper",
                    "email": "grace@example.com",
                    "street": "Sveavägen 44",
                    "city": "Stockholm",
                    "zip": "111 34",
                    "country": "SE",
                }
            },
        )
        self.assertEqual({m["id"] for m in methods}, {self.standard.id, self.express.id})

        self.customer_partner.street = "Kungliga Djurgårdens Förvaltning 123"
        self.assertFalse(self._express_offered(), "its address is not valid for Gelato")
        methods = self.make_jsonrpc_request(
            "/shop/express/shipping_address_change",
            {"partial_delivery_address": {"city": "Stockholm", "zip": "111", "country": "SE"}},
        )
        self.assertEqual(methods, [])
        error = self.jsonrpc_error(
            "/shop/express_checkout",
            {"billing_address": {"name": "Grace Hopper", "country": "SE"}},
        )
        self.assertIn("Express checkout is not available for this cart", error["message"])
        self.assertEqual(cart.partner_shipping_id, self.customer_partner, "nothing recorded")

    def test_express_checkout_is_not_offered_to_an_anonymous_gelato_cart(self):
        self.authenticate(None, None)
        self.shop_add(self.black_m)
        self.assertFalse(self._express_offered(), "no address to check yet")
        self.authenticate(None, None)
        self.shop_add(self.ordinary_product)
        self.assertTrue(self._express_offered(), "other carts keep express checkout")

    def test_express_checkout_checks_the_addresses_the_wallet_sends(self):
        self.shop_add(self.black_m)
        cart = self.shop_cart()
        self.make_jsonrpc_request("/shop/set_delivery_method", {"dm_id": self.express.id})
        own_address = {
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "street": "Sveavägen 44",
            "city": "Stockholm",
            "zip": "111 34",
            "country": "SE",
        }
        partner_id = self.make_jsonrpc_request(
            "/shop/express_checkout",
            {"billing_address": dict(own_address), "shipping_address": dict(own_address)},
        )
        self.assertEqual(partner_id, self.customer_partner.id)
        self.assertEqual(self.shop_cart().partner_shipping_id, self.customer_partner)

        # Odoo 18.0 records the wallet's billing address as the delivery address too.
        too_long = {**own_address, "street": "Kungliga Djurgårdens Förvaltning 123"}
        error = self.jsonrpc_error(
            "/shop/express_checkout",
            {"billing_address": dict(too_long), "shipping_address": dict(too_long)},
        )
        self.assertIn("Street: Gelato accepts at most 35 characters", error["message"])
        elsewhere = {
            **own_address,
            "street": "1 Main Street",
            "city": "New York",
            "zip": "10001",
            "country": "US",
            "state": "NY",
        }
        error = self.jsonrpc_error(
            "/shop/express_checkout",
            {"billing_address": dict(elsewhere), "shipping_address": dict(elsewhere)},
        )
        self.assertIn("The delivery to this address costs differently", error["message"])
        self.assertEqual(self.shop_cart().partner_shipping_id, self.customer_partner)
        self.assertEqual(cart.carrier_id, self.express)
