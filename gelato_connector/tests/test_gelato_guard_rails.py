from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import (
    POSTER_UID,
    GelatoOrderMixin,
    GelatoTransactionCase,
    create_gelato_product,
)


@tagged("post_install", "-at_install")
class TestGelatoGuardRails(GelatoOrderMixin, GelatoTransactionCase):
    """What is checked before a Gelato quotation can be confirmed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.ordinary_product = cls.env["product.product"].create(
            {"name": "Warehouse mug", "type": "consu", "list_price": 10.0}
        )
        cls.service = cls.env["product.product"].create(
            {"name": "Gift wrapping", "type": "service", "list_price": 3.0}
        )

    # === One order, Gelato goods only === #

    def test_adding_other_goods_to_a_gelato_order_says_why(self):
        order = self._gelato_quotation()
        with self.assertRaises(ValidationError) as capture:
            order.write({"order_line": [(0, 0, {"product_id": self.ordinary_product.id})]})
        message = capture.exception.args[0]
        self.assertIn("Warehouse mug cannot be added to", message)
        self.assertIn("holds only Gelato products", message)
        self.assertIn("separate order", message)

    def test_the_quotation_warns_when_the_line_is_added_and_names_no_made_up_number(self):
        order = self._gelato_quotation()
        new_line = self.env["sale.order.line"].new({"order_id": order.id})
        new_line.product_id = self.ordinary_product
        result = new_line._onchange_product_id_gelato_mixed_goods()
        self.assertEqual(result["warning"]["title"], "Gelato products only")
        self.assertIn(
            "Warehouse mug cannot be added to this quotation", result["warning"]["message"]
        )
        # The save is refused with the same wording: a quotation's number is not cited.
        with self.assertRaises(ValidationError) as capture:
            self.env["sale.order"].create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        (0, 0, {"product_id": self.poster.id}),
                        (0, 0, {"product_id": self.ordinary_product.id}),
                    ],
                }
            )
        self.assertIn("cannot be added to this quotation", capture.exception.args[0])
        self.assertNotRegex(capture.exception.args[0], r"S\d{5}")

    def test_an_order_without_shipping_is_refused_by_default(self):
        self.company.gelato_shipping_policy = "require"
        self.assertEqual(
            self.env["res.company"].create({"name": "New Gelato merchant"}).gelato_shipping_policy,
            "require",
        )
        order = self._gelato_quotation()
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        message = capture.exception.args[0]
        self.assertIn("%s has no shipping" % order.name, message)
        self.assertIn("charge you for it", message)
        self.assertIn("Add shipping", message)
        self.assertEqual((order.state, order.gelato_state), ("draft", False))
        # With a Gelato shipping method the customer pays for, it confirms.
        rate = self.standard.rate_shipment(order)
        order.set_delivery_line(self.standard, rate["price"])
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.activity_ids.filtered(lambda a: "shipping" in (a.summary or "")))

    def test_an_order_without_shipping_confirms_with_an_activity_when_allowed(self):
        self.company.gelato_shipping_policy = "warn"
        order = self._gelato_quotation()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.gelato_state)
        activity = order.activity_ids.filtered(lambda a: a.summary == "Gelato: no shipping charged")
        self.assertEqual(len(activity), 1)
        self.assertIn("the customer paid no shipping", activity.note)

    def test_adding_a_gelato_product_to_an_ordinary_order_is_refused(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [(0, 0, {"product_id": self.ordinary_product.id})],
            }
        )
        with self.assertRaises(ValidationError):
            self.env["sale.order.line"].create({"order_id": order.id, "product_id": self.mug.id})

    def test_services_notes_sections_and_shipping_are_allowed(self):
        order = self._gelato_quotation(carrier=self.standard)
        order.write(
            {
                "order_line": [
                    (0, 0, {"product_id": self.service.id}),
                    (0, 0, {"display_type": "line_section", "name": "Extras"}),
                    (0, 0, {"display_type": "line_note", "name": "Thanks!"}),
                ]
            }
        )
        self.assertTrue(order.order_line.filtered("is_delivery"))
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_changing_a_line_product_is_checked_too(self):
        order = self._gelato_quotation(self.poster | self.mug)
        with self.assertRaises(ValidationError):
            order.order_line[1].product_id = self.ordinary_product

    def test_the_rule_can_be_lifted_by_one_hook(self):
        order = self._gelato_quotation()
        order_class = type(self.env["sale.order"])
        original = order_class._gelato_allows_mixed_goods
        order_class._gelato_allows_mixed_goods = lambda self: True
        try:
            order.write({"order_line": [(0, 0, {"product_id": self.ordinary_product.id})]})
        finally:
            order_class._gelato_allows_mixed_goods = original
        # Only the Gelato lines would go to Gelato.
        items = order._gelato_prepare_order_payload()["items"]
        self.assertEqual([i["productUid"] for i in items], [self.poster.gelato_product_uid])

    # === The delivery address === #

    def test_delivery_address_is_checked_field_by_field_before_confirmation(self):
        shipping = self.env["res.partner"].create(
            {
                "name": "Alexandrina Victoria Augusta Kensington",
                "parent_id": self.customer.id,
                "type": "delivery",
                "street": "Flat 3, The Very Long Building Name, 221B Baker Street",
                "city": "London",
                "zip": "NW1 6XE",
                "country_id": self.env.ref("base.us").id,
                "email": "victoria@example.com",
                "phone": "+44 20 7946 0000 extension 12345",
            }
        )
        order = self._gelato_quotation()
        order.partner_shipping_id = shipping
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        message = capture.exception.args[0]
        self.assertIn(shipping.display_name, message)
        self.assertIn("Name: Gelato accepts at most 25 characters for the first name", message)
        self.assertIn("Street: Gelato accepts at most 35 characters (it has 54)", message)
        self.assertIn("State: required by Gelato for addresses in United States", message)
        self.assertIn("Phone: Gelato accepts at most 25 characters", message)
        self.assertEqual(order.state, "draft")
        # The customer's own (valid) address is not what matters: the shipping partner is.
        self.assertFalse(self.customer._gelato_get_address_problems())

    def test_missing_fields_and_invalid_email(self):
        shipping = self.env["res.partner"].create(
            {"name": "Prince", "email": "prince-at-example", "country_id": self.sweden.id}
        )
        problems = "\n".join(shipping._gelato_get_address_problems())
        self.assertIn("Name: Gelato needs a first and a last name", problems)
        self.assertIn("Street: required by Gelato", problems)
        self.assertIn("City: required by Gelato", problems)
        self.assertIn("Zip: required by Gelato", problems)
        self.assertIn("Email: 'prince-at-example' is not a valid email address", problems)

    def test_onchange_warns_about_the_address(self):
        shipping = self.customer.copy({"street": False})
        order = self._gelato_quotation()
        order.partner_shipping_id = shipping
        warning = order._onchange_gelato_delivery_address()
        self.assertIn("Street: required by Gelato", warning["warning"]["message"])

    # === Products and quantities === #

    def test_product_without_print_files_cannot_be_confirmed(self):
        blank = create_gelato_product(
            self.env, "Blank poster", "poster-30x40-matte", POSTER_UID, print_file=False
        )
        order = self._gelato_quotation(blank)
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        self.assertIn("Blank poster", capture.exception.args[0])

    def test_fractional_quantities_are_refused(self):
        order = self._gelato_quotation(quantity=1.5)
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        self.assertIn("whole number", capture.exception.args[0])

    def test_an_ordinary_shipping_method_is_refused(self):
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Courier",
                "delivery_type": "fixed",
                "product_id": self.env["product.product"]
                .create({"name": "Courier fee", "type": "service"})
                .id,
            }
        )
        order = self._gelato_quotation()
        order.set_delivery_line(carrier, 5.0)
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        self.assertIn("choose a Gelato shipping method", capture.exception.args[0])

    # === The company as Gelato knows it === #

    def test_company_name_and_billing_address_must_be_complete(self):
        self.company.write({"street": False, "zip": False})
        issues = self.company._gelato_get_company_info_issues()
        self.assertEqual(issues, ["Street is missing.", "Zip is missing."])
        order = self._gelato_quotation()
        with self.assertRaises(UserError) as capture:
            order.action_confirm()
        message = capture.exception.args[0]
        self.assertIn("must be complete and match the Gelato account", message)
        self.assertIn("Street is missing.", message)

    def test_settings_show_the_company_with_the_reminder(self):
        self.company.write({"name": "Print Shop AB", "street": "Storgatan 1", "city": "Lund"})
        settings = self.env["res.config.settings"].create({})
        self.assertIn("Print Shop AB", settings.gelato_company_billing_info)
        self.assertIn("Storgatan 1", settings.gelato_company_billing_info)
        self.assertFalse(settings.gelato_company_info_issues)
        self.company.city = False
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.gelato_company_info_issues, "City is missing.")
