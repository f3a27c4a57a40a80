"""The inbox job in real, concurrent transactions (two cron workers, a worker that dies).

Found by bench/bench_concurrency.py in the in-request design: two events of one order applied
at once (Gelato's `order_status_updated` and `order_item_tracking_code_updated` of one
shipment) made the second fail on the unique tracking code, or wait and be replayed. Now the
events wait in the inbox; a job run locks the order's sale order ``FOR UPDATE SKIP LOCKED``,
so a second worker takes other orders and never applies an event twice.
"""

import json
import threading
import urllib.request

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import (
    POSTER_UID,
    SANDBOX_API_KEY,
    GelatoSandbox,
    StaticHTTPServer,
    create_gelato_product,
    gelato_address,
    gelato_shapes,
    make_png,
)

SHIPPED_SUBJECT = "is on its way"


@tagged("post_install", "-at_install")
class TestGelatoWebhookConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = GelatoSandbox()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.files = StaticHTTPServer(body=make_png(600, 800), content_type="image/png")
        cls.addClassCleanup(cls.files.stop)
        cls.company_id = cls.env.company.id
        cls.names = []
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(cls.company_id)
            keys = ("gelato_api_key", "gelato_api_url", "gelato_shipping_policy")
            cls.saved = {key: company[key] for key in keys}
            company.write(
                {
                    "gelato_api_key": SANDBOX_API_KEY,
                    "gelato_api_url": cls.sandbox.url,
                    "gelato_shipping_policy": "warn",  # its orders are made without shipping
                }
            )
            product = create_gelato_product(
                env, "Concurrent Poster", "poster-30x40-matte", POSTER_UID
            )
            partner = env["res.partner"].create(gelato_address(country_id=env.ref("base.se").id))
            cls.product_id, cls.partner_id = product.id, partner.id
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM gelato_webhook_event WHERE order_reference = ANY(%s)", [cls.names]
            )
            cr.execute("DELETE FROM sale_order WHERE name = ANY(%s)", [cls.names])
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.company"].browse(cls.company_id).write(cls.saved)
            env["product.product"].browse(cls.product_id).product_tmpl_id.unlink()
            env["res.partner"].browse(cls.partner_id).unlink()

    def _gelato_call(self, method, path, payload=None):
        request = urllib.request.Request(
            self.sandbox.url + path,
            data=json.dumps(payload).encode() if payload is not None else None,
            method=method,
            headers={"Content-Type": "application/json", "X-API-KEY": SANDBOX_API_KEY},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def _shipped_order(self):
        """A committed sale order placed at Gelato (the sandbox), shipped there, and its two
        shipment events received (committed, waiting in the inbox)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env["sale.order"].create(
                {
                    "partner_id": self.partner_id,
                    "company_id": self.company_id,
                    "order_line": [(0, 0, {"product_id": self.product_id, "product_uom_qty": 1})],
                }
            )
            order.action_confirm()
            line = order.order_line
            data = self._gelato_call(
                "POST",
                "/v4/orders",
                {
                    "orderType": "order",
                    "orderReferenceId": order.name,
                    "customerReferenceId": "odoo-partner-%s" % self.partner_id,
                    "currency": "EUR",
                    "items": [
                        {
                            "itemReferenceId": str(line.id),
                            "productUid": POSTER_UID,
                            "quantity": 1,
                            "files": [{"type": "default", "url": self.files.url + "/p.png"}],
                        }
                    ],
                    "shippingAddress": dict(gelato_shapes.RECIPIENT),
                },
            )
            gelato_order = env["gelato.order"].create(
                {
                    "sale_order_id": order.id,
                    "gelato_id": data["id"],
                    "order_type": "order",
                    "fulfillment_status": "created",
                }
            )
            line.write({"gelato_order_id": gelato_order.id, "gelato_status": "created"})
            order.gelato_state = "sent"
            self.names.append(order.name)
            shipped = self.sandbox.admin("orders/%s/advance" % data["id"], {"to": "shipped"})
            code = shipped["shipment"]["packages"][0]["trackingCode"]
            Event = env["gelato.webhook.event"]
            for payload in (
                {
                    "id": "tc_%s" % order.name,
                    "event": "order_item_tracking_code_updated",
                    "orderId": data["id"],
                    "orderReferenceId": order.name,
                    "itemReferenceId": str(line.id),
                    "trackingCode": code,
                },
                {
                    "id": "os_%s" % order.name,
                    "event": "order_status_updated",
                    "orderId": data["id"],
                    "orderReferenceId": order.name,
                    "fulfillmentStatus": "shipped",
                    "items": [],
                },
            ):
                self.assertTrue(Event._gelato_receive(self.company_id, payload))
            return order.id, code

    def _run_job(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["gelato.webhook.event"]._cron_gelato_process_webhook_events()

    def _state_of(self, order_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env["sale.order"].browse(order_id)
            events = env["gelato.webhook.event"].search([("order_reference", "=", order.name)])
            return {
                "events": sorted(events.mapped("state")),
                "status": order.gelato_order_ids.fulfillment_status,
                "codes": order.order_line.gelato_tracking_ids.mapped("tracking_code"),
                "mails": len(
                    order.message_ids.filtered(lambda m: SHIPPED_SUBJECT in (m.subject or ""))
                ),
            }

    def test_two_workers_never_apply_one_event_twice(self):
        order_id, code = self._shipped_order()
        outcome = []
        first_cr = self.registry.cursor()
        try:
            handled = self._run_job(first_cr)  # applied, not committed yet
            self.assertEqual(len(handled), 2)

            def second_worker():
                with self.registry.cursor() as cr:
                    outcome.append(len(self._run_job(cr)))

            thread = threading.Thread(target=second_worker)
            thread.start()
            thread.join(timeout=30)
            self.assertFalse(thread.is_alive(), "the second worker does not wait")
            self.assertEqual(outcome, [0], "the second worker skips the locked order")
            first_cr.commit()
        finally:
            first_cr.close()
        with self.registry.cursor() as cr:
            self.assertFalse(self._run_job(cr), "nothing left to apply")
        self.assertEqual(
            self._state_of(order_id),
            {"events": ["done", "done"], "status": "shipped", "codes": [code], "mails": 1},
        )

    def test_a_worker_dying_mid_batch_loses_nothing(self):
        order_id, code = self._shipped_order()
        with self.registry.cursor() as cr:
            self.assertEqual(len(self._run_job(cr)), 2)
            cr.rollback()  # the worker dies before the cron runner commits the batch
        self.assertEqual(
            self._state_of(order_id),
            {"events": ["received", "received"], "status": "created", "codes": [], "mails": 0},
        )
        with self.registry.cursor() as cr:
            self.assertEqual(len(self._run_job(cr)), 2)
        self.assertEqual(
            self._state_of(order_id),
            {"events": ["done", "done"], "status": "shipped", "codes": [code], "mails": 1},
        )
