from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.gelato_connector.models.sale_order_pipeline import GelatoStep
from odoo.addons.gelato_connector.tests.common import (
    GelatoOrderMixin,
    GelatoTransactionCase,
)


@tagged("post_install", "-at_install")
class TestGelatoOrderStates(GelatoOrderMixin, GelatoTransactionCase):
    """sale.order.gelato_state: each transition, without Gelato being called on confirm."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.cron = cls.env.ref("gelato_connector.ir_cron_gelato_send_orders")
        cls.sale_order_class = type(cls.env["sale.order"])

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def test_quotations_have_no_gelato_state(self):
        order = self._gelato_quotation()
        self.assertTrue(order.gelato_is_order)
        self.assertFalse(order.gelato_state)

    def test_automatic_approval_queues_and_wakes_the_job_without_calling_gelato(self):
        self.company.gelato_approval_mode = "automatic"
        triggers_before = self._triggers()
        order = self._gelato_quotation(carrier=self.standard)
        calls_before = self.sandbox.admin("counters")["calls"]
        order.action_confirm()
        self.assertEqual(order.gelato_state, "queued")
        self.assertEqual(self.sandbox.admin("counters")["calls"], calls_before)
        self.assertTrue(self._triggers() - triggers_before, "the send job is triggered")
        self.assertIn("Queued for Gelato", order.message_ids[0].body)

    def test_manual_approval_waits_for_the_approve_button(self):
        self.company.gelato_approval_mode = "manual"
        order = self._gelato_quotation()
        order.action_confirm()
        self.assertEqual(order.gelato_state, "pending_approval")
        self.assertIn("Waiting for approval", order.message_ids[0].body)
        triggers_before = self._triggers()
        order.action_gelato_approve()
        self.assertEqual(order.gelato_state, "queued")
        self.assertTrue(self._triggers() - triggers_before)
        self.assertIn("Approved for Gelato by", order.message_ids[1].body)
        with self.assertRaises(UserError):
            order.action_gelato_approve()

    def test_ordinary_orders_get_no_gelato_state(self):
        product = self.env["product.product"].create({"name": "Thing", "type": "consu"})
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [(0, 0, {"product_id": product.id})]}
        )
        order.action_confirm()
        self.assertFalse(order.gelato_state)
        self.assertFalse(order.gelato_is_order)

    def test_a_registered_step_is_walked_without_editing_the_pipeline(self):
        """A feature registers a step (its state, its check, its note): confirmed orders wait
        there while the check says so, and move on when the feature advances them."""
        self.company.gelato_approval_mode = "automatic"
        order = self._gelato_quotation()
        base_steps = self.sale_order_class._gelato_pipeline_steps
        waiting = {"value": True}

        def steps(model):
            *before, queued = base_steps(model)
            return [
                *before,
                GelatoStep("pending_artwork", "_gelato_test_waits", "Test step"),
                queued,
            ]

        self.sale_order_class._gelato_test_waits = lambda self: waiting["value"]
        self.addCleanup(delattr, self.sale_order_class, "_gelato_test_waits")
        with patch.object(self.sale_order_class, "_gelato_pipeline_steps", steps):
            order.action_confirm()
            self.assertEqual(order.gelato_state, "pending_artwork")
            self.assertIn("Test step", order.message_ids.mapped("preview"))
            order._gelato_advance_state()
            self.assertEqual(order.gelato_state, "pending_artwork", "the check still says wait")
            waiting["value"] = False
            order._gelato_advance_state()
            self.assertEqual(order.gelato_state, "queued")
        order.gelato_state = "sent"
        order._gelato_advance_state()
        self.assertEqual(order.gelato_state, "sent", "orders past the pipeline are left alone")

    def test_personalization_then_artwork_then_approval_then_queue(self):
        """The future features plug into two hooks and one entry point."""
        self.company.gelato_approval_mode = "manual"
        order = self._gelato_quotation()
        needs = {"personalization": True, "artwork": True}
        with (
            patch.object(
                self.sale_order_class,
                "_gelato_needs_personalization",
                lambda self: needs["personalization"],
            ),
            patch.object(
                self.sale_order_class, "_gelato_needs_artwork", lambda self: needs["artwork"]
            ),
        ):
            order.action_confirm()
            self.assertEqual(order.gelato_state, "pending_personalization")
            needs["personalization"] = False
            order._gelato_advance_state()
            self.assertEqual(order.gelato_state, "pending_artwork")
            needs["artwork"] = False
            order._gelato_advance_state()
            self.assertEqual(order.gelato_state, "pending_approval")
            order.action_gelato_approve()
            self.assertEqual(order.gelato_state, "queued")

    def test_artwork_only_skips_personalization(self):
        self.company.gelato_approval_mode = "automatic"
        order = self._gelato_quotation()
        with patch.object(self.sale_order_class, "_gelato_needs_artwork", lambda self: True):
            order.action_confirm()
            self.assertEqual(order.gelato_state, "pending_artwork")
        order._gelato_advance_state()
        self.assertEqual(order.gelato_state, "queued")

    def test_final_error_then_retry_requeues(self):
        order = self._gelato_quotation()
        order.action_confirm()
        order._gelato_set_error("Gelato refused the request (HTTP 400): items[0].files: bad")
        self.assertEqual(order.gelato_state, "error")
        activity = order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, order.user_id)
        self.assertIn("items[0].files: bad", order.message_ids[0].body)
        # A second failure updates the same activity instead of piling up.
        order._gelato_set_error("again")
        self.assertEqual(
            len(order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")), 1
        )
        triggers_before = self._triggers()
        order.action_gelato_retry()
        self.assertEqual(order.gelato_state, "queued")
        self.assertFalse(order.gelato_last_error)
        self.assertFalse(
            order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        )
        self.assertTrue(self._triggers() - triggers_before)
        with self.assertRaises(UserError):
            order.action_gelato_retry()

    def test_retry_checks_the_cause_was_fixed(self):
        order = self._gelato_quotation()
        order.action_confirm()
        order._gelato_set_error("address")
        order.partner_shipping_id.street = False
        with self.assertRaises(UserError):
            order.action_gelato_retry()
        self.assertEqual(order.gelato_state, "error")

    def test_cancel_before_sending_needs_no_gelato_call(self):
        for mode in ("automatic", "manual"):
            with self.subTest(mode=mode):
                self.company.gelato_approval_mode = mode
                order = self._gelato_quotation()
                order.action_confirm()
                order.with_context(disable_cancel_warning=True).action_cancel()
                self.assertEqual(order.state, "cancel")
                self.assertEqual(order.gelato_state, "cancelled")
        self.assertFalse(self.sandbox.admin("counters")["calls"])

    def test_reset_to_quotation_starts_over(self):
        order = self._gelato_quotation()
        order.action_confirm()
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()
        self.assertFalse(order.gelato_state)
        order.action_confirm()
        self.assertEqual(order.gelato_state, "queued")

    def test_copy_does_not_copy_the_gelato_journey(self):
        order = self._gelato_quotation()
        order.action_confirm()
        copy = order.copy()
        self.assertFalse(copy.gelato_state)
        self.assertFalse(copy.gelato_order_ids)
