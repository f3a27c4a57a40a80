from datetime import timedelta

from odoo import fields
from odoo.tests import BaseCase, new_test_user, tagged

from odoo.addons.gelato_connector.lib import orders
from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    GelatoSendMixin,
    GelatoTransactionCase,
    iceland_address,
)

QUOTE = "POST /v4/orders:quote"


@tagged("post_install", "-at_install")
class TestGelatoQuoteCacheKey(BaseCase):
    """The cache key follows everything Gelato prices, and nothing that only names the request."""

    PAYLOAD = {
        "orderReferenceId": "S00042",
        "customerReferenceId": "odoo-partner-7",
        "currency": "EUR",
        "allowMultipleQuotes": True,
        "recipient": {"firstName": "Ada", "lastName": "Lovelace", "country": "SE", "zip": "1"},
        "products": [{"itemReferenceId": "12", "productUid": "poster", "quantity": 1}],
    }

    def _key(self, scope=(1, ""), **changes):
        payload = {**self.PAYLOAD, **changes}
        return orders.quote_cache_key(payload, scope=scope)

    def test_references_do_not_change_the_key(self):
        key = self._key()
        self.assertEqual(len(key), 64)
        self.assertEqual(
            key,
            self._key(
                orderReferenceId="S00043",
                customerReferenceId="odoo-partner-8",
                products=[{"itemReferenceId": "99", "productUid": "poster", "quantity": 1}],
            ),
        )
        self.assertNotIn("Lovelace", key)

    def test_what_is_priced_changes_the_key(self):
        key = self._key()
        recipient = self.PAYLOAD["recipient"]
        product = self.PAYLOAD["products"][0]
        for changes in (
            {"currency": "USD"},
            {"recipient": {**recipient, "zip": "2"}},
            {"recipient": {**recipient, "addressLine2": "c/o"}},
            {"products": [{**product, "quantity": 2}]},
            {"products": [{**product, "productUid": "mug"}]},
            {"products": [product, {**product, "itemReferenceId": "13"}]},
            {"allowMultipleQuotes": False},
        ):
            with self.subTest(changes=changes):
                self.assertNotEqual(self._key(**changes), key)
        self.assertNotEqual(self._key(scope=(2, "")), key, "another company")
        self.assertNotEqual(self._key(scope=(1, "http://sandbox")), key, "another API")

    def test_item_references_travel_by_position(self):
        quotes = [
            {
                "id": "q1",
                "itemReferenceIds": ["12", "unknown"],
                "fulfillmentCountry": "SE",
                "shipmentMethods": [
                    {"type": "normal", "price": 4.5, "currency": "EUR", "name": "Post"},
                    {"type": "express", "price": 9, "currency": "EUR", "minDeliveryDays": 1},
                ],
            },
            {"itemReferenceIds": ["13"], "shipmentMethods": []},
        ]
        reduced = orders.quotes_for_cache(quotes, ["12", "13"])
        self.assertEqual([q["itemReferenceIds"] for q in reduced], [[0], [1]])
        self.assertNotIn("name", reduced[0]["shipmentMethods"][0])
        again = orders.quotes_from_cache(reduced, ["40", "41"])
        self.assertEqual([q["itemReferenceIds"] for q in again], [["40"], ["41"]])
        self.assertEqual(orders.rate_from_quotes(again, ("express",))[4], [again[1]])

    def test_garbage_is_never_kept(self):
        for quotes in (
            ["not a quote"],
            [{"itemReferenceIds": "12", "shipmentMethods": []}],
            [{"shipmentMethods": [{"type": "express", "price": "free"}]}],
            [{"shipmentMethods": [{"type": "normal", "price": {"amount": 1}}]}],
        ):
            with (
                self.subTest(quotes=quotes),
                self.assertRaises((AttributeError, TypeError, ValueError)),
            ):
                orders.quotes_for_cache(quotes, ["12"])


class GelatoQuoteMixin(GelatoSendMixin):
    """Gelato orders, a portal shopper, the sandbox's count of quote calls."""

    @classmethod
    def _gelato_setup_quotes(cls, env):
        cls._gelato_setup_orders(env)
        cls.company.gelato_approval_mode = "automatic"
        cls.portal_user = new_test_user(
            env, login="gelato_quote_shopper", groups="base.group_portal", name="Grace Hopper"
        )

    def _quote_calls(self):
        return self.sandbox.admin("counters")["calls"].get(QUOTE, 0)

    def _as_shopper(self, carrier, order):
        """The carrier and order as the web shop hands them over: in sudo, for a portal user."""
        shopper = self.portal_user
        return carrier.with_user(shopper).sudo(), order.with_user(shopper).sudo()


@tagged("post_install", "-at_install")
class TestGelatoQuoteCache(GelatoQuoteMixin, GelatoTransactionCase):
    """Rates are quoted once for the same request (all workers share the table), shoppers are
    limited per cart, and nothing of a quote reaches order sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_quotes(cls.env)
        cls.env["ir.config_parameter"].set_param("gelato_connector.order_request_timeout", "2")

    # === The cache === #

    def test_identical_rate_requests_call_gelato_once(self):
        order = self._gelato_quotation(self.poster | self.mug)
        first = self.standard.rate_shipment(order)
        self.assertTrue(first["success"], first)
        self.assertEqual(self._quote_calls(), 1)
        for _attempt in range(5):
            self.assertEqual(self.standard.rate_shipment(order), first)
        # The other service level reads the same quote (Gelato lists every method).
        express = self.express.rate_shipment(order)
        self.assertTrue(express["success"], express)
        self.assertGreater(express["price"], first["price"])
        self.assertEqual(self._quote_calls(), 1, "one call for all these rates")

    def test_a_change_of_what_is_quoted_calls_gelato_again(self):
        order = self._gelato_quotation(self.poster)
        one = self.standard.rate_shipment(order)["price"]
        calls = self._quote_calls()
        order.order_line.product_uom_qty = 3
        three = self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), calls + 1, "a new quantity: a new quote")
        self.assertTrue(three["success"], three)
        self.assertNotAlmostEqual(three["price"], one, places=2)
        order.partner_shipping_id.zip = "111 52"
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), calls + 2, "a new address: a new quote")
        order.partner_shipping_id.street2 = "Floor 2"
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), calls + 3, "any field sent counts")
        order.order_line.product_id = self.mug
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), calls + 4, "another product: a new quote")
        currency = self.env.ref("base.EUR")
        if order.currency_id == currency:
            currency = self.env.ref("base.USD")
        currency.active = True
        order.pricelist_id = self.env["product.pricelist"].create(
            {"name": currency.name, "currency_id": currency.id}
        )
        self.assertEqual(order.currency_id, currency)
        in_other_currency = self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), calls + 5, "another currency: a new quote")
        self.assertTrue(in_other_currency["success"], in_other_currency)

    def test_another_cart_with_the_same_content_shares_the_quote(self):
        iceland = self.env["res.partner"].create(
            {**iceland_address(), "country_id": self.env.ref("base.is").id}
        )
        first = self._gelato_quotation(partner=iceland)
        self.assertTrue(self.standard.rate_shipment(first)["success"])
        second = self._gelato_quotation(partner=iceland)
        self.assertNotEqual(first.order_line.ids, second.order_line.ids)
        rate = self.standard.rate_shipment(second)
        self.assertTrue(rate["success"], rate)
        self.assertEqual(self._quote_calls(), 1)
        # The cached answer's items are the second cart's lines: its products are named.
        express = self.express.rate_shipment(second)
        self.assertFalse(express["success"])
        self.assertIn("Gelato Poster", express["error_message"])
        self.assertEqual(self._quote_calls(), 1)

    def test_failed_quotes_are_not_served_again(self):
        order = self._gelato_quotation()
        for kind in ("500", "429", "empty"):
            with self.subTest(kind=kind):
                self.sandbox.fault(kind, endpoint=QUOTE)
                self.assertFalse(self.standard.rate_shipment(order)["success"])
        self.assertTrue(self.standard.rate_shipment(order)["success"])
        self.assertEqual(self._quote_calls(), 4, "every failure was followed by a live call")
        self.assertTrue(self.standard.rate_shipment(order)["success"])
        self.assertEqual(self._quote_calls(), 4, "the success is served again")

    def test_a_quote_expires(self):
        order = self._gelato_quotation()
        self.standard.rate_shipment(order)
        cached = self.env["gelato.quote.cache"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(cached), 1)
        self.assertTrue(cached.answer)
        self.assertEqual(cached.company_id, order.company_id)
        cached.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), 2)
        # A shorter TTL applies at once to what is cached; a TTL of 0 turns the cache off.
        self.env["gelato.quote.cache"].search([]).called_at = fields.Datetime.now() - timedelta(
            seconds=90
        )
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_cache_ttl", "60")
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), 3)
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_cache_ttl", "0")
        self.standard.rate_shipment(order)
        self.standard.rate_shipment(order)
        self.assertEqual(self._quote_calls(), 5)

    def test_the_purge_keeps_only_what_is_still_served_or_counted(self):
        order = self._gelato_quotation()
        self.standard.rate_shipment(order)
        cache = self.env["gelato.quote.cache"]
        fresh = cache.search([("sale_order_id", "=", order.id)])
        old = cache.create(
            {
                "key": "0" * 64,
                "company_id": self.company.id,
                "called_at": fields.Datetime.now() - timedelta(hours=2),
                "expires_at": fields.Datetime.now() - timedelta(hours=1),
            }
        )
        failed = cache.create(
            {
                "key": "1" * 64,
                "company_id": self.company.id,
                "called_at": fields.Datetime.now() - timedelta(hours=2),
            }
        )
        cron = self.env.ref("gelato_connector.ir_cron_gelato_purge_quote_cache")
        self.assertEqual((cron.code, cron.interval_type), ("model._cron_purge_expired()", "days"))
        cache.flush_model()
        cache._cron_purge_expired()
        cache.invalidate_model()
        self.assertTrue(fresh.exists())
        self.assertFalse((old | failed).exists())

    # === The limit per cart === #

    def test_a_shopper_is_limited_per_cart(self):
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_cache_ttl", "0")
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_limit_per_cart", "3")
        carrier, order = self._as_shopper(self.standard, self._gelato_quotation())
        for _attempt in range(3):
            self.assertTrue(carrier.rate_shipment(order)["success"])
        refused = carrier.rate_shipment(order)
        self.assertFalse(refused["success"])
        self.assertIn("Too many shipping quotes", refused["error_message"])
        self.assertEqual(self._quote_calls(), 3, "the refusal did not call Gelato")
        # Another cart is not held back by this one; nor is this one once the window passed.
        _carrier, other = self._as_shopper(self.standard, self._gelato_quotation(self.mug))
        self.assertTrue(carrier.rate_shipment(other)["success"])
        self.env["gelato.quote.cache"].search([("sale_order_id", "=", order.id)]).write(
            {"called_at": fields.Datetime.now() - timedelta(minutes=2)}
        )
        self.assertTrue(carrier.rate_shipment(order)["success"])

    def test_cached_answers_and_failures(self):
        """Cached answers do not count; failed calls do (a script cannot loop on errors)."""
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_limit_per_cart", "2")
        carrier, order = self._as_shopper(self.standard, self._gelato_quotation())
        for _attempt in range(6):
            self.assertTrue(carrier.rate_shipment(order)["success"])
        self.assertEqual(self._quote_calls(), 1)
        order.order_line.product_uom_qty = 2
        self.sandbox.fault("500", endpoint=QUOTE)
        self.assertFalse(carrier.rate_shipment(order)["success"])
        refused = carrier.rate_shipment(order)
        self.assertIn("Too many shipping quotes", refused["error_message"])
        self.assertEqual(self._quote_calls(), 2)

    def test_back_office_users_are_not_limited(self):
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_cache_ttl", "0")
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_limit_per_cart", "2")
        salesman = new_test_user(
            self.env, login="gelato_quote_salesman", groups="sales_team.group_sale_salesman"
        )
        order = self._gelato_quotation(env=self.env(user=salesman))
        carrier = self.standard.with_user(salesman)
        for _attempt in range(5):
            rate = carrier.rate_shipment(order)
            self.assertTrue(rate["success"], rate)
        self.assertEqual(self._quote_calls(), 5)


@tagged("post_install", "-at_install")
class TestGelatoQuoteAndSending(GelatoQuoteMixin, GelatoHttpCase):
    """Quotes and order sending share the company's API key, nothing else (an HttpCase: the
    sandbox downloads the sent order's print files from Odoo)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_quotes(cls.env)

    def test_a_throttled_or_refused_quote_leaves_queued_orders_sendable(self):
        queued = self._gelato_quotation(carrier=self.standard)
        queued.action_confirm()
        self.assertEqual(queued.gelato_state, "queued")
        messages = len(queued.message_ids)
        before = queued.read(["gelato_next_attempt", "gelato_attempt_count", "gelato_last_error"])
        # Gelato throttles the quote of another cart (it asks to wait an hour), then a shopper
        # is refused by the limit.
        self.sandbox.fault("429", endpoint=QUOTE, retry_after=3600)
        self.env["ir.config_parameter"].set_param("gelato_connector.quote_limit_per_cart", "1")
        carrier, cart = self._as_shopper(self.standard, self._gelato_quotation(self.mug))
        throttled = carrier.rate_shipment(cart)
        self.assertFalse(throttled["success"])
        self.assertIn("429", throttled["error_message"])
        self.assertIn("Too many", carrier.rate_shipment(cart)["error_message"])
        queued.invalidate_recordset()
        self.assertEqual(
            queued.read(["gelato_next_attempt", "gelato_attempt_count", "gelato_last_error"]),
            before,
        )
        self.assertEqual(len(queued.message_ids), messages, "nothing posted on the order")
        self.assertFalse(cart.gelato_last_error)
        self.run_send_job()
        self.assertEqual(queued.gelato_state, "sent", queued.gelato_last_error)
        self.assertEqual(queued.gelato_attempt_count, 0)
        self.assertOneGelatoOrder(queued)
