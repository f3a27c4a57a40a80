import itertools
import json

from odoo.tests import tagged

from odoo.addons.gelato_connector.lib import const
from odoo.addons.gelato_connector.tests.common import (
    SANDBOX_WEBHOOK_SECRET,
    GelatoHttpCase,
    GelatoSendMixin,
)

_event_ids = itertools.count(1)


@tagged("post_install", "-at_install")
class TestGelatoWebhookEvents(GelatoSendMixin, GelatoHttpCase):
    """Every order event through the real /gelato/webhook endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.env["res.company"].sudo().search([("id", "!=", cls.company.id)]).write(
            {"gelato_webhook_secret": False}
        )

    # --- helpers --------------------------------------------------------------------------

    def _sent_order(self, products=None, gelato_id="g-100"):
        """A confirmed order recorded as sent as Gelato order ``gelato_id``."""
        order = self._gelato_quotation(products or (self.poster | self.mug), quantity=2)
        order.action_confirm()
        gelato_order = self.env["gelato.order"].create(
            {
                "sale_order_id": order.id,
                "gelato_id": gelato_id,
                "order_type": "order",
                "fulfillment_status": "created",
            }
        )
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        lines.write({"gelato_order_id": gelato_order.id, "gelato_status": "created"})
        order.gelato_state = "sent"
        return order, lines

    def post(self, payload, secret=SANDBOX_WEBHOOK_SECRET):
        response = self.opener.post(
            self.base_url() + const.WEBHOOK_ROUTE,
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "signature": secret},
            timeout=30,
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response

    def status_event(self, order, status, lines=(), tracking=(), gelato_id="g-100", **extra):
        return {
            "id": "os_%s" % next(_event_ids),
            "event": "order_status_updated",
            "orderId": gelato_id,
            "storeId": None,
            "orderReferenceId": order.name,
            "fulfillmentStatus": status,
            "items": [
                {
                    "itemReferenceId": str(line.id),
                    "fulfillmentStatus": status,
                    "fulfillments": [
                        {
                            "trackingCode": code,
                            "trackingUrl": "https://track.invalid/%s" % code,
                            "shipmentMethodName": "DHL Parcel",
                            "shipmentMethodUid": "dhl_parcel",
                            "fulfillmentCountry": "SE",
                        }
                        for code in tracking
                    ],
                }
                for line in lines
            ],
            **extra,
        }

    def customer_mails(self, order):
        return order.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
            and self.customer in m.partner_ids
        )

    def gelato_activities(self, order, summary):
        return order.activity_ids.filtered(lambda a: a.summary == summary)

    # --- order_status_updated --------------------------------------------------------------

    def test_status_moves_forward_and_logs_the_journey(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "passed", lines))
        gelato_order = order.gelato_order_ids
        self.assertEqual(gelato_order.fulfillment_status, "passed")
        self.assertEqual(set(lines.mapped("gelato_status")), {"passed"})
        event = self.env["gelato.webhook.event"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(event.state, "done")
        self.assertIn("Passed", order.message_ids[0].body)

    def test_shipped_stores_tracking_and_mails_the_customer_once(self):
        order, lines = self._sent_order()
        shipped = self.status_event(order, "shipped", lines, tracking=["TRACK-1"])
        self.post(shipped)
        self.assertEqual(set(lines.mapped("gelato_tracking_ids.tracking_code")), {"TRACK-1"})
        self.assertEqual(set(lines.mapped("qty_delivered")), {2.0})
        mails = self.customer_mails(order)
        self.assertEqual(len(mails), 1)
        self.assertIn("https://track.invalid/TRACK-1", mails.body)
        self.assertIn(self.customer, mails.notification_ids.res_partner_id)
        # The same event again, then in_transit: no second mail, no second message.
        count = len(order.message_ids)
        self.post(shipped)
        self.assertEqual(len(order.message_ids), count)
        self.post(self.status_event(order, "in_transit", lines, tracking=["TRACK-1"]))
        self.assertEqual(len(self.customer_mails(order)), 1)
        self.assertEqual(len(lines.gelato_tracking_ids), len(lines))

    def test_delivered_sets_quantities_and_mails_once(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "delivered", lines))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "delivered")
        self.assertEqual(set(lines.mapped("qty_delivered")), {2.0})
        mails = self.customer_mails(order)
        self.assertEqual(len(mails), 1)
        self.assertIn("delivered", mails.subject)
        # A late "shipped" neither moves the status back nor sends a shipped mail.
        self.post(self.status_event(order, "shipped", lines, tracking=["LATE-1"]))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "delivered")
        self.assertEqual(set(lines.mapped("gelato_status")), {"delivered"})
        self.assertEqual(len(self.customer_mails(order)), 1)
        # ... but its tracking is kept.
        self.assertIn("LATE-1", lines.gelato_tracking_ids.mapped("tracking_code"))

    def test_failed_puts_the_order_in_error_with_an_activity(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "failed", lines, comment="File is unreadable"))
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("File is unreadable", order.gelato_last_error)
        self.assertTrue(order.activity_ids)
        self.assertIn("File is unreadable", order.message_ids[0].body)

    def test_canceled_by_gelato_cancels_the_order_here(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "canceled", lines))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.gelato_state, "cancelled")
        calls = self.sandbox.admin("counters")["calls"]
        self.assertFalse([key for key in calls if ":cancel" in key], calls)

    def test_canceled_by_gelato_when_invoiced_asks_for_a_credit_note(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "shipped", lines, tracking=["T-9"]))
        order.currency_id.active = True  # the demo pricelist's currency may be inactive
        invoice = order._create_invoices()
        invoice.action_post()
        self.post(self.status_event(order, "canceled", lines))
        self.assertEqual(order.state, "sale")
        self.assertTrue(self.gelato_activities(order, "Gelato: order cancelled"))

    def test_on_hold_and_returned_need_someone(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "on_hold", lines, comment="Address unclear"))
        activity = self.gelato_activities(order, "Gelato: order on hold")
        self.assertTrue(activity)
        self.assertIn("Address unclear", activity.note)
        self.post(self.status_event(order, "shipped", lines, tracking=["R-1"]))
        self.post(self.status_event(order, "returned", lines))
        self.assertTrue(self.gelato_activities(order, "Gelato: order returned"))

    def test_split_order_events_fold_into_the_sale_order(self):
        order, lines = self._sent_order()
        poster_line = lines.filtered(lambda line: line.product_id == self.poster)
        mug_line = lines - poster_line
        # Gelato split the order: the mug went to a second, connected Gelato order.
        self.post(
            self.status_event(order, "shipped", mug_line, tracking=["MUG-1"], gelato_id="g-101")
        )
        self.post(self.status_event(order, "shipped", poster_line, tracking=["POSTER-1"]))
        self.assertEqual(set(order.gelato_order_ids.mapped("gelato_id")), {"g-100", "g-101"})
        self.assertEqual(mug_line.gelato_order_id.gelato_id, "g-101")
        self.assertEqual(
            set(lines.gelato_tracking_ids.mapped("tracking_code")), {"MUG-1", "POSTER-1"}
        )
        self.assertEqual(len(self.customer_mails(order)), 2, "one mail per parcel shipped")

    # --- other order events ----------------------------------------------------------------

    def test_item_status_and_tracking_events(self):
        order, lines = self._sent_order()
        line = lines[0]
        self.post(
            {
                "id": "oi_%s" % next(_event_ids),
                "event": "order_item_status_updated",
                "orderId": "g-100",
                "orderReferenceId": order.name,
                "itemReferenceId": str(line.id),
                "status": "printed",
                "comment": "",
            }
        )
        self.assertEqual(line.gelato_status, "printed")
        self.assertEqual(lines[1].gelato_status, "created")
        for code in ("PKG-1", "PKG-2", "PKG-1"):
            self.post(
                {
                    "id": "ot_%s" % next(_event_ids),
                    "event": "order_item_tracking_code_updated",
                    "orderId": "g-100",
                    "orderReferenceId": order.name,
                    "itemReferenceId": str(line.id),
                    "trackingCode": code,
                    "trackingUrl": "https://track.invalid/" + code,
                    "shipmentMethodName": "UPS",
                    "productionCountry": "SE",
                    "productionFacilityId": "f-1",
                }
            )
        self.assertEqual(
            sorted(line.gelato_tracking_ids.mapped("tracking_code")), ["PKG-1", "PKG-2"]
        )

    def test_delivery_estimate(self):
        order, _lines = self._sent_order()
        self.post(
            {
                "id": "ode_%s" % next(_event_ids),
                "event": "order_delivery_estimate_updated",
                "orderId": "g-100",
                "orderReferenceId": order.name,
                "minDeliveryDate": "2026-12-01",
                "maxDeliveryDate": "2026-12-04T10:00:00+00:00",
            }
        )
        self.assertEqual(str(order.gelato_order_ids.min_delivery_date), "2026-12-01")
        self.assertEqual(str(order.gelato_max_delivery_date), "2026-12-04")

    # --- what must change nothing -------------------------------------------------------------

    def test_unknown_order_changes_nothing(self):
        order, lines = self._sent_order()
        payload = self.status_event(order, "shipped", lines, gelato_id="g-unknown")
        payload["orderReferenceId"] = "S-UNKNOWN"
        self.post(payload)
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        event = self.env["gelato.webhook.event"].search([("event_id", "=", payload["id"])])
        self.assertEqual((event.state, event.message), ("ignored", "unknown order"))

    def test_unknown_status_changes_nothing(self):
        order, lines = self._sent_order()
        self.post(self.status_event(order, "teleported", lines))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")

    def test_statuses_of_the_wrong_type_change_nothing(self):
        """Found by the bad-input run (bench/bench_bad_input.py): a status that is a list or
        an object crashed the event (a traceback logged, the event recorded as an error)."""
        order, lines = self._sent_order()
        events = [self.status_event(order, ["shipped"], lines), self.status_event(order, "passed")]
        events[1]["items"] = [{"itemReferenceId": str(lines[0].id), "fulfillmentStatus": {}}]
        for payload in events:
            self.post(payload)
        states = self.env["gelato.webhook.event"].search(
            [("event_id", "in", [e["id"] for e in events])]
        )
        self.assertEqual(sorted(states.mapped("state")), ["done", "ignored"])
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "passed")
        self.assertEqual(lines[0].gelato_status, "passed", "the item follows its order's status")

    def test_secret_of_another_company_does_not_reach_this_company_orders(self):
        order, lines = self._sent_order()
        self.env["res.company"].sudo().create(
            {"name": "Other Shop", "gelato_webhook_secret": "other-shop-webhook-secret"}
        )
        self.post(self.status_event(order, "delivered", lines), secret="other-shop-webhook-secret")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.assertFalse(self.customer_mails(order))


@tagged("post_install", "-at_install")
class TestGelatoWebhookEndToEnd(GelatoSendMixin, GelatoHttpCase):
    """The sandbox sends its webhooks to this running Odoo, signed with the secret."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)

    def test_sandbox_webhooks_move_the_order_to_delivered(self):
        self.sandbox.admin(
            "config",
            {
                "webhook_url": self.base_url() + const.WEBHOOK_ROUTE,
                "webhook_secret": SANDBOX_WEBHOOK_SECRET,
                "webhook_header": "signature",
                "webhook_retry_delay": 0.2,
            },
        )
        order = self._gelato_quotation(self.poster | self.mug, carrier=self.standard)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "delivered"})
        self.assertTrue(self.sandbox.admin("webhooks/wait", {"timeout": 60}).get("idle"))
        deliveries = self.sandbox.admin("webhooks")["deliveries"]
        self.assertGreaterEqual(len(deliveries), 6, "created → … → delivered, with items")
        self.assertEqual({d["state"] for d in deliveries}, {"delivered"}, deliveries)
        self.assertTrue(all(d["attempts"][-1]["status"] == 200 for d in deliveries))
        self.env.invalidate_all()  # the webhooks were written by the server's requests
        events = self.env["gelato.webhook.event"].search([])
        self.assertEqual(
            set(events.mapped("state")),
            {"done"},
            events.mapped(lambda e: (e.event_type, e.message)),
        )
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "delivered")
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        self.assertTrue(lines.gelato_tracking_ids)
        self.assertEqual(set(lines.mapped("qty_delivered")), {1.0})
        subjects = self.customer_mails(order).mapped("subject")
        self.assertEqual(len(subjects), 2, subjects)

    customer_mails = TestGelatoWebhookEvents.customer_mails
