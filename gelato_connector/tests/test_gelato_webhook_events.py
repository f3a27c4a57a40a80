import itertools
import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.gelato_connector.lib import const
from odoo.addons.gelato_connector.tests.common import (
    SANDBOX_WEBHOOK_SECRET,
    GelatoHttpCase,
    GelatoSendMixin,
)

_event_ids = itertools.count(1)

# Queries of one authenticated webhook request (the test server's own cursor handling
# included), and of the reception alone: one INSERT statement (the event and its cron trigger
# row) in a savepoint.
REQUEST_QUERIES = 7
RECEIVE_QUERIES = 3


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

    def _sent_order(self, products=None):
        """A confirmed order sent to Gelato (the sandbox), two of each product."""
        order = self._gelato_quotation(
            products or (self.poster | self.mug), carrier=self.standard, quantity=2
        )
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        return order, lines

    def gelato(self, order, action, payload=None, gelato_id=None):
        """Change what is true at Gelato (the sandbox's admin switches)."""
        gelato_id = gelato_id or order.gelato_order_ids[:1].gelato_id
        return self.sandbox.admin("orders/%s/%s" % (gelato_id, action), payload or {})

    def post(self, payload, secret=SANDBOX_WEBHOOK_SECRET):
        response = self.opener.post(
            self.base_url() + const.WEBHOOK_ROUTE,
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "signature": secret},
            timeout=30,
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response

    def run_inbox(self):
        """Run the inbox job until nothing is due (the cron runner's batches)."""
        Event = self.env["gelato.webhook.event"]
        handled = Event
        for _index in range(20):
            batch = Event._cron_gelato_process_webhook_events()
            if not batch:
                break
            handled |= batch
        self.env.invalidate_all()
        return handled

    def receive(self, payload, secret=SANDBOX_WEBHOOK_SECRET):
        """Post an event, then let the inbox job apply it."""
        self.post(payload, secret)
        return self.run_inbox()

    def event_record(self, payload):
        return self.env["gelato.webhook.event"].search([("event_id", "=", payload["id"])])

    def gets(self):
        calls = self.sandbox.admin("counters")["calls"]
        return sum(count for key, count in calls.items() if key.startswith("GET /v4/orders/"))

    def status_event(self, order, status, lines=(), tracking=(), gelato_id=None, **extra):
        """An ``order_status_updated`` event as Gelato sends it (whatever is true at Gelato)."""
        return {
            "id": "os_%s" % next(_event_ids),
            "event": "order_status_updated",
            "orderId": gelato_id or order.gelato_order_ids[:1].gelato_id,
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

    def gelato_codes(self, gelato_order):
        """Gelato's tracking codes and URLs of a Gelato order (``GET /v4/orders/{id}``)."""
        data = self.sandbox.admin("orders")["orders"]
        order = next(o for o in data if o["id"] == gelato_order.gelato_id)
        return {p["trackingCode"]: p["trackingUrl"] for p in order["shipment"]["packages"]}

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
        self.gelato(order, "advance", {"to": "passed"})
        payload = self.status_event(order, "passed", lines)
        self.post(payload)
        self.assertEqual(self.event_record(payload).state, "received", "applied by the job")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.run_inbox()
        gelato_order = order.gelato_order_ids
        self.assertEqual(gelato_order.fulfillment_status, "passed")
        self.assertEqual(set(lines.mapped("gelato_status")), {"passed"})
        event = self.env["gelato.webhook.event"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(event.state, "done")
        self.assertIn("Passed", order.message_ids[0].body)
        # The event log shows the payload indented for reading, as Gelato sent it.
        self.assertEqual(json.loads(event.payload_display), json.loads(event.payload))
        self.assertIn('\n  "event": "order_status_updated"', event.payload_display)

    def test_shipped_stores_tracking_and_mails_the_customer_once(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "shipped"})
        codes = self.gelato_codes(order.gelato_order_ids)
        [(code, url)] = codes.items()
        count = len(order.message_ids)
        shipped = self.status_event(order, "shipped", lines, tracking=[code])
        self.receive(shipped)
        self.assertEqual(set(lines.mapped("gelato_tracking_ids.tracking_code")), {code})
        self.assertEqual(set(lines.mapped("gelato_tracking_ids.tracking_url")), {url})
        self.assertEqual(set(lines.mapped("qty_delivered")), {2.0})
        mails = self.customer_mails(order)
        self.assertEqual(len(mails), 1)
        self.assertIn(url, mails.body)
        self.assertIn(self.customer, mails.notification_ids.res_partner_id)
        # One chatter entry for the shipment: the customer's mail, no note saying the same.
        self.assertEqual(len(order.message_ids), count + 1, order.message_ids.mapped("body"))
        # The same event again, then in_transit: no second mail, no second message.
        count = len(order.message_ids)
        self.receive(shipped)
        self.assertEqual(len(order.message_ids), count)
        self.gelato(order, "advance", {"to": "in_transit"})
        self.receive(self.status_event(order, "in_transit", lines, tracking=[code]))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "in_transit")
        self.assertEqual(len(self.customer_mails(order)), 1)
        self.assertEqual(len(lines.gelato_tracking_ids), len(lines))

    def test_delivered_sets_quantities_and_mails_once(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "delivered"})
        codes = self.gelato_codes(order.gelato_order_ids)
        self.receive(self.status_event(order, "delivered", lines))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "delivered")
        self.assertEqual(set(lines.mapped("qty_delivered")), {2.0})
        mails = self.customer_mails(order)
        self.assertEqual(len(mails), 1)
        self.assertIn("delivered", mails.subject)
        # A late "shipped" neither moves the status back nor sends a shipped mail, and its
        # tracking claim is not Gelato's: Gelato's parcels are what is kept.
        self.receive(self.status_event(order, "shipped", lines, tracking=["LATE-1"]))
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "delivered")
        self.assertEqual(set(lines.mapped("gelato_status")), {"delivered"})
        self.assertEqual(len(self.customer_mails(order)), 1)
        self.assertEqual(set(lines.gelato_tracking_ids.mapped("tracking_code")), set(codes))

    def test_failed_puts_the_order_in_error_with_an_activity(self):
        order, lines = self._sent_order()
        self.gelato(order, "fail", {"reason": "File is unreadable"})
        self.receive(self.status_event(order, "failed", lines, comment="File is unreadable"))
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("File is unreadable", order.gelato_last_error)
        self.assertTrue(order.activity_ids)
        self.assertIn("File is unreadable", order.message_ids[0].body)

    def test_canceled_by_gelato_cancels_the_order_here(self):
        order, lines = self._sent_order()
        self.gelato(order, "cancel", {"reason": "Canceled by Gelato support"})
        self.receive(self.status_event(order, "canceled", lines))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.gelato_state, "cancelled")
        calls = self.sandbox.admin("counters")["calls"]
        self.assertFalse([key for key in calls if ":cancel" in key], calls)

    def test_canceled_by_gelato_when_invoiced_asks_for_a_credit_note(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "shipped"})
        self.receive(self.status_event(order, "shipped", lines, tracking=["T-9"]))
        order.currency_id.active = True  # the demo pricelist's currency may be inactive
        invoice = order._create_invoices()
        invoice.action_post()
        self.gelato(order, "cancel")
        self.receive(self.status_event(order, "canceled", lines))
        self.assertEqual(order.state, "sale")
        self.assertTrue(self.gelato_activities(order, "Gelato: order cancelled"))

    def test_on_hold_and_returned_need_someone(self):
        order, lines = self._sent_order()
        self.gelato(order, "hold", {"reason": "Address unclear"})
        self.receive(self.status_event(order, "on_hold", lines, comment="Address unclear"))
        activity = self.gelato_activities(order, "Gelato: order on hold")
        self.assertTrue(activity)
        self.assertIn("Address unclear", activity.note)
        self.gelato(order, "advance", {"to": "shipped"})
        self.receive(self.status_event(order, "shipped", lines))
        self.gelato(order, "return", {"reason": "Unknown recipient"})
        self.receive(self.status_event(order, "returned", lines))
        self.assertTrue(self.gelato_activities(order, "Gelato: order returned"))

    def test_split_order_events_fold_into_the_sale_order(self):
        order, lines = self._sent_order()
        poster_line = lines.filtered(lambda line: line.product_id == self.poster)
        mug_line = lines - poster_line
        # Gelato split the order: the mug went to a second, connected Gelato order.
        first = order.gelato_order_ids
        parts = self.gelato(order, "split", {"groups": [[str(poster_line.id)], [str(mug_line.id)]]})
        second_id = parts["orders"][1]["id"]
        self.gelato(order, "advance", {"to": "shipped"}, gelato_id=second_id)
        self.gelato(order, "advance", {"to": "shipped"}, gelato_id=first.gelato_id)
        self.post(self.status_event(order, "shipped", mug_line, gelato_id=second_id))
        self.post(self.status_event(order, "shipped", poster_line))
        self.run_inbox()
        self.assertEqual(
            set(order.gelato_order_ids.mapped("gelato_id")), {first.gelato_id, second_id}
        )
        self.assertEqual(mug_line.gelato_order_id.gelato_id, second_id)
        second = mug_line.gelato_order_id
        self.assertEqual(
            set(lines.gelato_tracking_ids.mapped("tracking_code")),
            set(self.gelato_codes(first)) | set(self.gelato_codes(second)),
        )
        self.assertEqual(len(self.customer_mails(order)), 2, "one mail per parcel shipped")

    # --- other order events ----------------------------------------------------------------

    def test_item_status_and_tracking_events(self):
        order, lines = self._sent_order()
        line = lines[0]
        self.gelato(order, "items/%s/status" % line.id, {"to": "printed"})
        self.receive(
            {
                "id": "oi_%s" % next(_event_ids),
                "event": "order_item_status_updated",
                "orderId": order.gelato_order_ids.gelato_id,
                "orderReferenceId": order.name,
                "itemReferenceId": str(line.id),
                "status": "printed",
                "comment": "",
            }
        )
        self.assertEqual(line.gelato_status, "printed")
        self.assertEqual(lines[1].gelato_status, "created")
        self.gelato(order, "advance", {"to": "shipped", "packages": 2})
        codes = sorted(self.gelato_codes(order.gelato_order_ids))
        for code in (codes[0], codes[1], codes[0]):
            self.post(
                {
                    "id": "ot_%s" % next(_event_ids),
                    "event": "order_item_tracking_code_updated",
                    "orderId": order.gelato_order_ids.gelato_id,
                    "orderReferenceId": order.name,
                    "itemReferenceId": str(line.id),
                    "trackingCode": code,
                    "trackingUrl": "https://track.invalid/" + code,
                    "shipmentMethodName": "UPS",
                    "productionCountry": "SE",
                    "productionFacilityId": "f-1",
                }
            )
        gets = self.gets()
        self.run_inbox()
        self.assertEqual(self.gets() - gets, 1, "one GET for the three events of one order")
        # Two parcels for two items: each item is in one parcel (Gelato's packages).
        self.assertEqual(sorted(lines.gelato_tracking_ids.mapped("tracking_code")), codes)
        self.assertEqual(len(line.gelato_tracking_ids), 1)

    def test_delivery_estimate(self):
        order, _lines = self._sent_order()
        self.gelato(
            order,
            "delivery-estimate",
            {"minDeliveryDate": "2026-12-01", "maxDeliveryDate": "2026-12-04"},
        )
        self.receive(
            {
                "id": "ode_%s" % next(_event_ids),
                "event": "order_delivery_estimate_updated",
                "orderId": order.gelato_order_ids.gelato_id,
                "orderReferenceId": order.name,
                "minDeliveryDate": "2026-12-01",
                "maxDeliveryDate": "2026-12-04T10:00:00+00:00",
            }
        )
        self.assertEqual(str(order.gelato_order_ids.min_delivery_date), "2026-12-01")
        self.assertEqual(str(order.gelato_max_delivery_date), "2026-12-04")

    # --- what Gelato does not confirm changes nothing ---------------------------------------

    def test_forged_canceled_event_changes_nothing(self):
        """Someone who knows the secret (seen once in a proxy log) posts ``canceled`` for a
        real order: Gelato says it is in production, so nothing changes and no one is mailed."""
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "in_production"})
        self.receive(self.status_event(order, "canceled", lines))
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.gelato_state, "sent")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "in_production")
        self.assertFalse(self.customer_mails(order))
        self.assertFalse(self.gelato_activities(order, "Gelato: order cancelled"))

    def test_forged_shipped_event_mails_no_one_and_stores_no_link(self):
        order, lines = self._sent_order()
        payload = self.status_event(order, "shipped", lines)
        for item in payload["items"]:
            item["fulfillments"] = [
                {"trackingCode": "EVIL-1", "trackingUrl": "https://evil.invalid/phish"}
            ]
        self.receive(payload)
        self.post(
            {
                "id": "ot_%s" % next(_event_ids),
                "event": "order_item_tracking_code_updated",
                "orderId": order.gelato_order_ids.gelato_id,
                "orderReferenceId": order.name,
                "itemReferenceId": str(lines[0].id),
                "trackingCode": "EVIL-2",
                "trackingUrl": "javascript:alert(1)",
            }
        )
        self.run_inbox()
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.assertFalse(lines.gelato_tracking_ids)
        self.assertEqual(set(lines.mapped("qty_delivered")), {0.0})
        self.assertFalse(self.customer_mails(order))
        self.assertEqual(self.event_record(payload).state, "done", "Gelato's answer applied")

    def test_an_order_gelato_does_not_know_changes_nothing(self):
        order, lines = self._sent_order()
        payload = self.status_event(order, "canceled", lines, gelato_id="g-not-at-gelato")
        self.receive(payload)
        self.assertEqual(len(order.gelato_order_ids), 1, "no part made up for it")
        self.assertEqual(order.state, "sale")
        event = self.event_record(payload)
        self.assertEqual(
            (event.state, event.message), ("ignored", "Gelato does not know this order")
        )

    def test_an_order_of_another_reference_changes_nothing(self):
        """The event names a real Gelato order, but not one of this sale order (its reference
        differs): nothing is taken from it."""
        order, lines = self._sent_order()
        other, _other_lines = self._sent_order(self.poster)
        foreign = other.gelato_order_ids.gelato_id
        other.gelato_order_ids.unlink()  # only the reference can lead to a sale order now
        self.gelato(other, "advance", {"to": "delivered"}, gelato_id=foreign)
        payload = self.status_event(order, "delivered", lines, gelato_id=foreign)
        self.receive(payload)
        self.assertEqual(len(order.gelato_order_ids), 1)
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.assertFalse(self.customer_mails(order))
        event = self.event_record(payload)
        self.assertEqual(
            (event.state, event.message), ("ignored", "order reference does not match")
        )

    def test_gelato_down_the_events_wait_and_are_applied_later(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "shipped"})
        self.sandbox.fault("500", count=100, endpoint="GET /v4/orders/*")
        payload = self.status_event(order, "shipped", lines)
        self.receive(payload)
        event = self.event_record(payload)
        self.assertEqual((event.state, event.attempt_count), ("received", 1))
        self.assertTrue(event.next_attempt)
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.assertFalse(self.run_inbox(), "not due before the back-off delay")
        self.sandbox.admin("faults", method="DELETE")
        event.write({"next_attempt": fields.Datetime.subtract(fields.Datetime.now(), seconds=1)})
        self.run_inbox()
        self.assertEqual(event.state, "done")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "shipped")
        self.assertEqual(len(self.customer_mails(order)), 1)

    def test_an_order_held_elsewhere_is_taken_again_in_seconds(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "passed"})
        payload = self.status_event(order, "passed", lines)
        self.post(payload)
        cron = self.env.ref("gelato_connector.ir_cron_gelato_process_webhook_events")
        Event = self.env["gelato.webhook.event"]
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        with patch.object(
            type(Event), "_gelato_lock_sale_order", lambda self, sid: self.env["sale.order"]
        ):
            Event._cron_gelato_process_webhook_events()
        self.assertEqual(self.event_record(payload).state, "received", "not applied, not lost")
        (trigger,) = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        delay = (trigger.call_at - fields.Datetime.now()).total_seconds()
        self.assertTrue(0 < delay <= 6, delay)
        self.run_inbox()
        self.assertEqual(self.event_record(payload).state, "done")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "passed")

    def test_one_order_fails_the_others_are_applied(self):
        order, lines = self._sent_order()
        other, other_lines = self._sent_order(self.poster)
        self.gelato(order, "advance", {"to": "passed"})
        self.gelato(other, "advance", {"to": "passed"})
        self.post(self.status_event(order, "passed", lines))
        self.post(self.status_event(other, "passed", other_lines))
        broken = order.gelato_order_ids

        def explode(gelato_order, *args, **kwargs):
            raise ValueError("the order broke")

        original = type(broken)._gelato_apply_status

        def apply_status(gelato_order, *args, **kwargs):
            if gelato_order == broken:
                explode(gelato_order)
            return original(gelato_order, *args, **kwargs)

        with patch.object(type(broken), "_gelato_apply_status", apply_status):
            self.run_inbox()
        events = self.env["gelato.webhook.event"].search(
            [("order_reference", "in", [order.name, other.name])]
        )
        by_order = {e.order_reference: e for e in events}
        self.assertEqual(by_order[order.name].state, "error")
        self.assertIn("the order broke", by_order[order.name].message)
        self.assertTrue(self.gelato_activities(order, "Gelato: update failed"))
        self.assertEqual(broken.fulfillment_status, "created")
        self.assertEqual(by_order[other.name].state, "done")
        self.assertEqual(other.gelato_order_ids.fulfillment_status, "passed")

    def test_unknown_order_changes_nothing(self):
        order, lines = self._sent_order()
        payload = self.status_event(order, "shipped", lines, gelato_id="g-unknown")
        payload["orderReferenceId"] = "S-UNKNOWN"
        gets = self.gets()
        self.receive(payload)
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        event = self.env["gelato.webhook.event"].search([("event_id", "=", payload["id"])])
        self.assertEqual((event.state, event.message), ("ignored", "unknown order"))
        self.assertEqual(self.gets(), gets, "Gelato is not asked about orders not ours")

    def test_unknown_status_changes_nothing(self):
        order, lines = self._sent_order()
        payload = self.status_event(order, "teleported", lines)
        self.post(payload)
        self.assertEqual(self.event_record(payload).state, "ignored", "told by the payload alone")
        self.run_inbox()
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")

    def test_statuses_of_the_wrong_type_change_nothing(self):
        """Found by the bad-input run (bench/bench_bad_input.py): a status that is a list or
        an object crashed the event (a traceback logged, the event recorded as an error)."""
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "passed"})
        events = [self.status_event(order, ["shipped"], lines), self.status_event(order, "passed")]
        events[1]["items"] = [{"itemReferenceId": str(lines[0].id), "fulfillmentStatus": {}}]
        for payload in events:
            self.post(payload)
        self.run_inbox()
        states = self.env["gelato.webhook.event"].search(
            [("event_id", "in", [e["id"] for e in events])]
        )
        self.assertEqual(sorted(states.mapped("state")), ["done", "ignored"])
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "passed")
        self.assertEqual(lines[0].gelato_status, "passed", "the item follows its order's status")

    def test_secret_of_another_company_does_not_reach_this_company_orders(self):
        order, lines = self._sent_order()
        self.gelato(order, "advance", {"to": "delivered"})
        self.env["res.company"].sudo().create(
            {"name": "Other Shop", "gelato_webhook_secret": "other-shop-webhook-secret"}
        )
        self.receive(
            self.status_event(order, "delivered", lines), secret="other-shop-webhook-secret"
        )
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "created")
        self.assertFalse(self.customer_mails(order))

    # --- the request path ---------------------------------------------------------------------

    def test_the_request_runs_a_bounded_number_of_queries(self):
        """The request records the event and triggers the job; it reads no order, whatever
        the order and however many events it already had."""
        order, lines = self._sent_order()
        self.post(self.status_event(order, "passed", lines))  # warm the caches
        for index in range(3):
            with self.subTest(index=index), self.assertQueryCount(REQUEST_QUERIES):
                self.post(self.status_event(order, "passed", lines))

    def test_reception_alone_is_one_insert_and_the_trigger(self):
        """``_gelato_receive`` (what the request does once authenticated): one statement
        inserting the event and its cron trigger row, in a savepoint."""
        order, lines = self._sent_order()
        Event = self.env["gelato.webhook.event"].sudo()
        Event._gelato_receive(self.company.id, self.status_event(order, "passed", lines))
        self.env.flush_all()
        with self.assertQueryCount(RECEIVE_QUERIES):
            event = Event._gelato_receive(
                self.company.id, self.status_event(order, "passed", lines)
            )
            self.env.flush_all()
        self.assertEqual(event.state, "received")
        cron = self.env.ref("gelato_connector.ir_cron_gelato_process_webhook_events")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            "the inbox job is triggered",
        )
        with self.assertQueryCount(3):  # a duplicate: the INSERT that does nothing (savepoint)
            Event._gelato_receive(
                self.company.id, self.status_event(order, "passed", lines, id=event.event_id)
            )


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
        # Gelato ships the order, the job applies what came; then it is delivered.
        for status in ("shipped", "delivered"):
            self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": status})
            self.assertTrue(self.sandbox.admin("webhooks/wait", {"timeout": 60}).get("idle"))
            gets = self.gets()
            self.run_inbox()
            self.assertEqual(self.gets() - gets, 1, "one GET for all the events of one order")
            self.assertEqual(order.gelato_order_ids.fulfillment_status, status)
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
    run_inbox = TestGelatoWebhookEvents.run_inbox
    gets = TestGelatoWebhookEvents.gets
