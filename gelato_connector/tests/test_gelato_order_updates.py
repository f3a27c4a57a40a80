from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import (
    GelatoOrderMixin,
    GelatoTransactionCase,
)


@tagged("post_install", "-at_install")
class TestGelatoOrderUpdates(GelatoOrderMixin, GelatoTransactionCase):
    """The entry points through which Gelato's news (webhook, refresh) reach a sale order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)

    def _sent_order(self, products=None):
        """A confirmed order recorded as sent as Gelato order 'g-1' (no network needed)."""
        order = self._gelato_quotation(products or (self.poster | self.mug), quantity=2)
        order.action_confirm()
        gelato_order = self.env["gelato.order"].create(
            {
                "sale_order_id": order.id,
                "gelato_id": "g-1",
                "order_type": "order",
                "fulfillment_status": "created",
            }
        )
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        lines.write({"gelato_order_id": gelato_order.id, "gelato_status": "created"})
        order.gelato_state = "sent"
        return order, lines

    def _items(self, lines, status, tracking=None):
        return [
            {
                "itemReferenceId": str(line.id),
                "fulfillmentStatus": status,
                "fulfillments": [
                    {
                        "trackingCode": code,
                        "trackingUrl": "https://track.invalid/" + code,
                        "shipmentMethodName": "DHL",
                    }
                    for code in tracking or []
                ],
            }
            for line in lines
        ]

    def test_status_moves_forward_only_and_logs_the_journey(self):
        order, lines = self._sent_order()
        self.assertTrue(
            order._gelato_get_gelato_order("g-1")._gelato_apply_status(
                "passed", self._items(lines, "passed")
            )
        )
        self.assertEqual(order.gelato_fulfillment_status, "passed")
        self.assertIn("Passed", order.message_ids[0].body)
        self.assertTrue(
            order._gelato_get_gelato_order("g-1")._gelato_apply_status(
                "shipped", self._items(lines, "shipped", ["TRK1"])
            )
        )
        self.assertIn("TRK1", order.message_ids[0].body)
        self.assertIn("https://track.invalid/TRK1", order.message_ids[0].body)
        self.assertEqual(lines.mapped("qty_delivered"), [2.0, 2.0])
        messages = len(order.message_ids)
        # A late "passed" does not move the order back, nor say anything.
        self.assertFalse(
            order._gelato_get_gelato_order("g-1")._gelato_apply_status(
                "passed", self._items(lines, "passed")
            )
        )
        self.assertEqual(order.gelato_fulfillment_status, "shipped")
        self.assertEqual(lines.mapped("gelato_status"), ["shipped", "shipped"])
        self.assertEqual(len(order.message_ids), messages)
        order._gelato_get_gelato_order("g-1")._gelato_apply_status(
            "delivered", self._items(lines, "delivered")
        )
        self.assertEqual(order.gelato_fulfillment_status, "delivered")
        self.assertIn("Delivered", order.message_ids[0].body)

    def test_tracking_accumulates_without_duplicates(self):
        order, lines = self._sent_order()
        line = lines[0]
        first = line._gelato_add_tracking("TRK1", "https://t.invalid/1", "DHL")
        second = line._gelato_add_tracking("TRK2", "https://t.invalid/2", "DHL")
        again = line._gelato_add_tracking("TRK1", "https://t.invalid/1", "DHL")
        self.assertTrue(first and second)
        self.assertFalse(again)
        self.assertEqual(line.gelato_tracking_ids.mapped("tracking_code"), ["TRK1", "TRK2"])
        self.assertEqual(line.gelato_tracking_ids.gelato_order_id.gelato_id, "g-1")
        # New tracking without a status change is still logged once.
        order._gelato_get_gelato_order("g-1")._gelato_apply_status(
            "shipped", self._items(lines, "shipped", ["TRK3"])
        )
        messages = len(order.message_ids)
        order._gelato_get_gelato_order("g-1")._gelato_apply_status(
            "shipped", self._items(lines, "shipped", ["TRK4"])
        )
        self.assertEqual(len(order.message_ids), messages + 1)
        self.assertIn("TRK4", order.message_ids[0].body)

    def test_what_gelato_makes_cannot_change_once_sent(self):
        order, lines = self._sent_order()
        with self.assertRaises(UserError) as capture:
            lines[0].product_uom_qty = 5
        self.assertIn("already at Gelato", capture.exception.args[0])
        with self.assertRaises(UserError):
            order.write({"order_line": [(0, 0, {"product_id": self.tshirt.id})]})
        # Gelato's own updates still go through.
        lines[0]._gelato_apply_item_status("passed")
        self.assertEqual(lines[0].gelato_status, "passed")

    def test_delivery_estimate(self):
        order, lines = self._sent_order()
        order._gelato_get_gelato_order("g-1")._gelato_set_delivery_estimate(
            "2030-01-10", "2030-01-12T00:00:00Z"
        )
        self.assertEqual(str(order.gelato_min_delivery_date), "2030-01-10")
        self.assertEqual(str(order.gelato_max_delivery_date), "2030-01-12")
        self.assertEqual(str(lines[0].gelato_max_delivery_date), "2030-01-12")

    def test_unknown_part_of_a_split_order_is_added(self):
        order, lines = self._sent_order()
        order._gelato_get_gelato_order("g-2")._gelato_apply_status(
            "passed", self._items(lines[1], "passed")
        )
        self.assertEqual(order.gelato_order_ids.mapped("gelato_id"), ["g-1", "g-2"])
        self.assertEqual(
            lines[1].gelato_order_id.gelato_id,
            "g-2",
            "an item moved into a connected order follows it",
        )
        self.assertEqual(lines[0].gelato_order_id.gelato_id, "g-1")
        self.assertEqual(order.gelato_fulfillment_status, "created", "the slowest part")

    def test_failed_at_gelato_is_an_error_with_an_activity(self):
        order, lines = self._sent_order()
        order._gelato_get_gelato_order("g-1")._gelato_apply_status(
            "failed", self._items(lines, "failed"), comment="Print file is blurry."
        )
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("Print file is blurry.", order.gelato_last_error)
        self.assertTrue(
            order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        )
        order.action_gelato_retry()
        self.assertEqual(order.gelato_state, "queued")
        self.assertFalse(order.gelato_order_ids, "the failed Gelato order is over")

    def test_canceled_by_gelato(self):
        order, lines = self._sent_order()
        order._gelato_get_gelato_order("g-1")._gelato_apply_status(
            "canceled", self._items(lines, "canceled")
        )
        self.assertEqual(order.gelato_state, "cancelled")
        self.assertEqual(order.gelato_fulfillment_status, "canceled")
        self.assertEqual(lines.mapped("qty_delivered"), [0.0, 0.0])

    def test_delivered_quantity_and_invoicing_without_inventory(self):
        order, lines = self._sent_order()
        self.assertEqual(lines.mapped("qty_delivered_method"), ["gelato", "gelato"])
        lines[0]._gelato_apply_item_status("shipped")
        self.assertEqual(lines.mapped("qty_delivered"), [2.0, 0.0])
        self.assertEqual(lines.mapped("qty_to_invoice"), [2.0, 0.0])
        # A return afterwards does not undo the delivery (the merchant handles returns).
        lines[0]._gelato_apply_item_status("returned")
        self.assertEqual(lines[0].qty_delivered, 2.0)
        invoice = order._create_invoices()
        self.assertEqual(
            invoice.invoice_line_ids.filtered(
                lambda inv_line: inv_line.product_id == lines[0].product_id
            ).quantity,
            2.0,
        )
