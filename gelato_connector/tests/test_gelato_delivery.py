from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import (
    GelatoOrderMixin,
    GelatoTransactionCase,
    iceland_address,
)


@tagged("post_install", "-at_install")
class TestGelatoDelivery(GelatoOrderMixin, GelatoTransactionCase):
    """Gelato shipping methods: live rates from the sandbox, and who may use them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.ordinary_product = cls.env["product.product"].create(
            {"name": "Warehouse mug", "type": "consu", "list_price": 10.0}
        )
        cls.ordinary_carrier = cls.env["delivery.carrier"].create(
            {
                "name": "Courier",
                "delivery_type": "fixed",
                "fixed_price": 5.0,
                "product_id": cls.env["product.product"]
                .create({"name": "Courier fee", "type": "service"})
                .id,
            }
        )

    def test_data_records_are_the_seed_methods(self):
        self.assertEqual(self.standard.name, "Standard Shipping")
        self.assertEqual(self.express.name, "Express Shipping")
        self.assertEqual(
            (self.standard.delivery_type, self.standard.gelato_service_level),
            ("gelato", "standard"),
        )
        self.assertEqual(
            (self.express.delivery_type, self.express.gelato_service_level),
            ("gelato", "express"),
        )

    def test_standard_rate_sums_the_cheapest_method_of_each_quote(self):
        order = self._gelato_quotation(self.poster | self.mug | self.tshirt)
        result = self.standard.rate_shipment(order)
        self.assertTrue(result["success"], result)
        # The sandbox answers one quote per facility (SE, CZ, LV); the rate is the sum of the
        # cheapest normal/standard method of each, in the order's currency.
        calls = self.sandbox.admin("counters")["calls"]
        self.assertEqual(calls.get("POST /v4/orders:quote"), 1)
        expected = self._expected_rate(order, ("normal", "standard"))
        self.assertAlmostEqual(result["price"], expected, places=2)
        self.assertIn("days", result["warning_message"])

    def test_express_rate_is_higher_and_uses_express_methods(self):
        order = self._gelato_quotation(self.poster | self.mug)
        standard = self.standard.rate_shipment(order)
        express = self.express.rate_shipment(order)
        self.assertTrue(express["success"], express)
        self.assertAlmostEqual(express["price"], self._expected_rate(order, ("express",)), places=2)
        self.assertGreater(express["price"], standard["price"])

    def test_unavailable_level_is_a_readable_failure(self):
        iceland = self.env["res.partner"].create(
            {**iceland_address(), "country_id": self.env.ref("base.is").id}
        )
        order = self._gelato_quotation(partner=iceland)
        result = self.express.rate_shipment(order)
        self.assertFalse(result["success"])
        self.assertEqual(result["price"], 0.0)
        self.assertIn("Express Shipping is not available to Iceland", result["error_message"])
        self.assertIn("Gelato Poster", result["error_message"])
        self.assertTrue(self.standard.rate_shipment(order)["success"])

    def test_bad_address_names_the_fields_and_never_calls_gelato(self):
        bad = self.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "street": "A very long street name that Gelato refuses 12",
                "city": "Stockholm",
                "country_id": self.sweden.id,
                "email": "ada@example.com",
            }
        )
        order = self._gelato_quotation(partner=bad)
        result = self.standard.rate_shipment(order)
        self.assertFalse(result["success"])
        self.assertIn("Street: Gelato accepts at most 35 characters", result["error_message"])
        self.assertIn("Zip: required by Gelato", result["error_message"])
        self.assertNotIn("POST /v4/orders:quote", self.sandbox.admin("counters")["calls"])

    def test_gelato_refusing_the_address_is_readable(self):
        # Gelato's own rules can be stricter than ours: its field path becomes Odoo's label.
        unshippable = self.env["res.partner"].create(
            gelato_address_for(self.env, "base.cu", name="Ana Pérez", city="La Habana")
        )
        order = self._gelato_quotation(partner=unshippable)
        result = self.standard.rate_shipment(order)
        self.assertFalse(result["success"])
        self.assertIn("Gelato refused the delivery address: Country", result["error_message"])
        self.assertIn("does not ship to CU", result["error_message"])

    def test_gelato_down_never_raises(self):
        order = self._gelato_quotation()
        for kind in ("500", "429", "drop"):
            with self.subTest(kind=kind):
                self.sandbox.fault(kind, endpoint="POST /v4/orders:quote")
                result = self.standard.rate_shipment(order)
                self.assertFalse(result["success"])
                self.assertTrue(result["error_message"])
        self.env["ir.config_parameter"].set_param("gelato_connector.order_request_timeout", "0.5")
        self.sandbox.fault("hang", endpoint="POST /v4/orders:quote", hang_seconds=2)
        result = self.standard.rate_shipment(order)
        self.assertFalse(result["success"])
        self.assertIn("did not answer in time", result["error_message"])

    def test_garbage_quote_is_not_taken_for_no_shipping(self):
        """Found by the bad-input run (bench/bench_bad_input.py): an empty answer to the quote
        said the shipping method was not available to the country (the web shop then hides
        it) instead of asking to try again."""
        order = self._gelato_quotation()
        for fault in ({"kind": "empty"}, {"kind": "wrong_json", "body": {"quotes": None}}):
            with self.subTest(fault=fault):
                self.sandbox.admin("faults", {**fault, "endpoint": "POST /v4/orders:quote"})
                result = self.standard.rate_shipment(order)
                self.assertFalse(result["success"])
                self.assertIn("something unexpected. Try again later", result["error_message"])

    def test_rate_in_the_order_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._gelato_quotation()
        order.pricelist_id = pricelist
        self.assertEqual(order.currency_id, eur)
        result = self.standard.rate_shipment(order)
        self.assertTrue(result["success"], result)
        self.assertAlmostEqual(result["price"], self._expected_rate(order, ("normal", "standard")))

    def test_gelato_methods_only_for_gelato_orders(self):
        gelato_order = self._gelato_quotation()
        ordinary_order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [(0, 0, {"product_id": self.ordinary_product.id})],
            }
        )
        carriers = self.standard | self.express | self.ordinary_carrier
        for order, allowed in (
            (gelato_order, self.standard | self.express),
            (ordinary_order, self.ordinary_carrier),
        ):
            with self.subTest(order=order.name):
                available = carriers.available_carriers(order.partner_shipping_id, order)
                self.assertEqual(available, allowed)
                for carrier in carriers:
                    self.assertEqual(
                        carrier._is_available_for_order(order), carrier in allowed, carrier.name
                    )
        # The shipping wizard proposes a Gelato method for a Gelato order.
        action = gelato_order.action_open_delivery_wizard()
        self.assertIn(action["context"]["default_carrier_id"], (self.standard | self.express).ids)
        rate = self.standard.rate_shipment(ordinary_order)
        self.assertFalse(rate["success"])
        self.assertIn("ships Gelato products only", rate["error_message"])

    def _expected_rate(self, order, types):
        """Sum over the sandbox's quotes of the cheapest method of ``types``, computed here from
        a quote asked directly to the sandbox (another request, same deterministic prices)."""
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        payload = order._gelato_prepare_quote_payload(lines)
        answer = order.company_id._gelato_make_request("order", "orders:quote", payload)
        self.assertEqual(
            {q["shipmentMethods"][0]["currency"] for q in answer["quotes"]},
            {order.currency_id.name},
        )
        if len(lines) == 3:
            self.assertEqual(len(answer["quotes"]), 3)
        return sum(
            min(m["price"] for m in quote["shipmentMethods"] if m["type"] in types)
            for quote in answer["quotes"]
        )


def gelato_address_for(env, country_xmlid, **values):
    return {
        "name": "Ada Lovelace",
        "street": "Calle 1",
        "city": "City",
        "zip": "10400",
        "country_id": env.ref(country_xmlid).id,
        "email": "ada@example.com",
        **values,
    }
