from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoOrderMixin, GelatoTransactionCase

WKHTMLTOPDF_MISSING = "Unable to find Wkhtmltopdf on this system. The PDF can not be created."


@tagged("post_install", "-at_install")
class TestGelatoPaidQuotations(GelatoOrderMixin, GelatoTransactionCase):
    """A paid Gelato cart that Odoo failed to confirm is reported, then confirmed and queued."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        method = cls.env.ref("payment.payment_method_unknown")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Gelato test provider",
                "code": "none",
                "state": "test",
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        # Once a provider supports it (as payment's own tests do); the method's providers are
        # read again (the new provider is not in its cached list).
        method.invalidate_recordset(["provider_ids"])
        method.active = True
        cls.method = method
        cls.order_class = type(cls.env["sale.order"])

    def _paid_quotation(self, minutes_ago=30, amount=None):
        order = self._gelato_quotation(carrier=self.standard)
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.method.id,
                "amount": order.amount_total if amount is None else amount,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "operation": "online_redirect",
                "sale_order_ids": [Command.set(order.ids)],
                "state": "done",
                "is_post_processed": True,
            }
        )
        transaction.last_state_change = fields.Datetime.now() - timedelta(minutes=minutes_ago)
        return order, transaction

    def _activities(self, order):
        return order.activity_ids.filtered(lambda a: a.summary == "Gelato: paid but not confirmed")

    def test_a_failed_confirmation_is_reported_once_then_confirmed_when_the_cause_is_gone(self):
        order, transaction = self._paid_quotation()
        with patch.object(
            self.order_class,
            "_send_order_confirmation_mail",
            side_effect=UserError(WKHTMLTOPDF_MISSING),
            autospec=True,
        ):
            self.env["sale.order"]._cron_gelato_confirm_paid_quotations()
            self.env["sale.order"]._cron_gelato_confirm_paid_quotations()
        self.assertEqual(order.state, "draft", "still a quotation")
        self.assertFalse(order.gelato_state)
        (activity,) = self._activities(order)
        self.assertIn(WKHTMLTOPDF_MISSING, activity.note)
        self.assertIn(transaction.reference, activity.note)

        self.env["sale.order"]._cron_gelato_confirm_paid_quotations()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.gelato_state, "queued", "on its way to Gelato")
        self.assertFalse(self._activities(order), "the activity is done")
        self.assertIn("Confirmed after payment", "\n".join(order.message_ids.mapped("body")))

    def test_only_settled_recent_full_payments_of_gelato_quotations(self):
        fresh, _tx = self._paid_quotation(minutes_ago=1)  # Odoo's own flow goes first
        old, _tx = self._paid_quotation(minutes_ago=60 * 24 * 40)
        partial, _tx = self._paid_quotation(amount=1.0)
        product = self.env["product.product"].create({"name": "Not Gelato", "list_price": 5})
        ordinary = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.method.id,
                "amount": ordinary.amount_total,
                "currency_id": ordinary.currency_id.id,
                "partner_id": ordinary.partner_id.id,
                "sale_order_ids": [Command.set(ordinary.ids)],
                "state": "done",
            }
        ).last_state_change = fields.Datetime.now() - timedelta(hours=1)
        self.env["sale.order"]._cron_gelato_confirm_paid_quotations()
        for order in (fresh, old, partial, ordinary):
            self.assertEqual(order.state, "draft", order.name)

    def test_the_order_confirmation_pdf_renders_for_real(self):
        """Odoo's confirmation mail attaches this PDF: without wkhtmltopdf a paid web-shop
        order is never confirmed (tests render reports as HTML unless told otherwise)."""
        order, _tx = self._paid_quotation()
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("sale.action_report_saleorder", order.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:40])
