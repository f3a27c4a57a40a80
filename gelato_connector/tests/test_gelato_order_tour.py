from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin


@tagged("post_install", "-at_install")
class TestGelatoOrderTour(GelatoSendMixin, GelatoHttpCase):
    """The order form in the browser (Chromium): approve, then follow the shipment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)

    def test_approve_then_follow_the_order(self):
        self.company.gelato_approval_mode = "manual"
        order = self._gelato_quotation(self.poster, carrier=self.standard)
        order.action_confirm()
        self.assertEqual(order.gelato_state, "pending_approval")
        url = "/odoo/action-sale.action_orders/%s" % order.id
        self.start_tour(url, "gelato_order_approve_tour", login="admin")
        self.assertEqual(order.gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        order.action_gelato_refresh()
        self.start_tour(url, "gelato_order_shipped_tour", login="admin")
        self.assertEqual(order.gelato_fulfillment_status, "shipped")
