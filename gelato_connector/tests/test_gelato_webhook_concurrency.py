"""Two events of one order applied at the same moment, in two real transactions.

Found by bench/bench_concurrency.py: the same tracking code, brought by two events processed
at once (Gelato's `order_status_updated` and `order_item_tracking_code_updated` of a shipment,
or one event delivered twice at once), made the second event fail on the unique tracking code:
recorded as an error, its status change lost.
"""

import threading

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import (
    POSTER_UID,
    create_gelato_product,
    gelato_address,
)


@tagged("post_install", "-at_install")
class TestGelatoWebhookConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_id = cls.env.company.id
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = create_gelato_product(
                env, "Concurrent Poster", "poster-30x40-matte", POSTER_UID
            )
            partner = env["res.partner"].create(gelato_address(country_id=env.ref("base.se").id))
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "company_id": cls.company_id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            order.action_confirm()
            gelato_order = env["gelato.order"].create(
                {
                    "sale_order_id": order.id,
                    "gelato_id": "g-race",
                    "order_type": "order",
                    "fulfillment_status": "printed",
                }
            )
            order.order_line.write({"gelato_order_id": gelato_order.id, "gelato_status": "printed"})
            order.gelato_state = "sent"
            cls.ids = (order.id, order.order_line.id, order.name, product.id, partner.id)
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        order_id, _line_id, name, product_id, partner_id = cls.ids
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM gelato_webhook_event WHERE order_reference = %s", [name])
            cr.execute("DELETE FROM sale_order WHERE id = %s", [order_id])
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["product.product"].browse(product_id).product_tmpl_id.unlink()
            env["res.partner"].browse(partner_id).unlink()

    def _events(self):
        _order_id, line_id, name, _product_id, _partner_id = self.ids
        tracking = {"trackingCode": "RACE-1", "trackingUrl": "https://track.invalid/RACE-1"}
        return (
            {
                "id": "tc_race",
                "event": "order_item_tracking_code_updated",
                "orderId": "g-race",
                "orderReferenceId": name,
                "itemReferenceId": str(line_id),
                "shipmentMethodName": "DHL",
                **tracking,
            },
            {
                "id": "os_race",
                "event": "order_status_updated",
                "orderId": "g-race",
                "orderReferenceId": name,
                "fulfillmentStatus": "shipped",
                "items": [
                    {
                        "itemReferenceId": str(line_id),
                        "fulfillmentStatus": "shipped",
                        "fulfillments": [tracking],
                    }
                ],
            },
        )

    def _receive(self, cr, payload):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["gelato.webhook.event"]._gelato_receive(self.company_id, payload)

    def test_two_events_of_one_order_at_once(self):
        first, second = self._events()
        outcome = []
        first_cr = self.registry.cursor()
        try:
            self._receive(first_cr, first)  # applied, not committed yet

            def second_request():
                with self.registry.cursor() as cr:
                    try:
                        self._receive(cr, second)
                        cr.flush()
                        outcome.append("applied")
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()
                        outcome.append("replay")

            thread = threading.Thread(target=second_request)
            thread.start()
            thread.join(timeout=1)
            self.assertTrue(thread.is_alive(), "the second event waits for the first one")
            first_cr.commit()
            thread.join(timeout=30)
        finally:
            first_cr.close()
        self.assertEqual(outcome, ["replay"], "Odoo replays the second request")
        # Odoo's request retrying replays it on a fresh transaction.
        with self.registry.cursor() as cr:
            event = self._receive(cr, second)
            self.assertEqual(event.state, "done", event.message)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env["sale.order"].browse(self.ids[0])
            self.assertEqual(order.gelato_order_ids.fulfillment_status, "shipped")
            self.assertEqual(
                order.order_line.gelato_tracking_ids.mapped("tracking_code"), ["RACE-1"]
            )
