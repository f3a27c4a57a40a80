from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.gelato_connector.lib import const
from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    GelatoSendMixin,
    StaticHTTPServer,
)


@tagged("post_install", "-at_install")
class TestGelatoOrderSend(GelatoSendMixin, GelatoHttpCase):
    """Sending confirmed orders to the sandbox over real HTTP; print files are downloaded by
    the sandbox from Odoo's own HTTP server (HttpCase), like Gelato downloads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        cls.env["ir.config_parameter"].set_param("gelato_connector.order_request_timeout", "2")

    def setUp(self):
        super().setUp()
        self.sandbox.admin("config", {"latency_ms": 0})

    def _confirmed(self, products=None, carrier=None, quantity=1, partner=None):
        order = self._gelato_quotation(
            products, partner=partner, carrier=carrier or self.standard, quantity=quantity
        )
        order.action_confirm()
        self.assertEqual(order.gelato_state, "queued")
        return order

    def _calls(self):
        return self.sandbox.admin("counters")["calls"]

    # === The happy path === #

    def test_send_end_to_end_payload_checked_by_the_sandbox(self):
        order = self._confirmed(self.poster | self.mug, carrier=self.express, quantity=2)
        self.assertFalse(self._sandbox_orders(), "confirmation does not call Gelato")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertOneGelatoOrder(order)
        counters = self._sandbox_counters(order.name)
        self.assertEqual(counters["creates"], 1)
        (remote,) = self._sandbox_orders(order.name)
        self.assertEqual(remote["orderType"], "order")
        self.assertEqual(remote["fulfillmentStatus"], "created")
        self.assertEqual(remote["currency"], order.currency_id.name)
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        self.assertEqual(
            sorted((i["itemReferenceId"], i["productUid"], i["quantity"]) for i in remote["items"]),
            sorted((str(line.id), line.product_id.gelato_product_uid, 2) for line in lines),
        )
        address = remote["shippingAddress"]
        self.assertEqual(
            (address["firstName"], address["lastName"], address["postCode"], address["country"]),
            ("Ada", "Lovelace", "111 51", "SE"),
        )
        self.assertEqual(remote["shipment"]["shipmentMethodUid"], "dhl_express_worldwide")
        # The sandbox downloaded every print file from Odoo and found a PNG.
        downloads = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(len(downloads), 2)
        self.assertTrue(all(d["status"] == 200 and d["type"] == "png" for d in downloads))
        self.assertTrue(all(d["url"].startswith(self.base_url()) for d in downloads))
        # What Odoo recorded.
        gelato_order = order.gelato_order_ids
        self.assertEqual(gelato_order.gelato_id, remote["id"])
        self.assertEqual(gelato_order.order_type, "order")
        self.assertEqual(order.gelato_fulfillment_status, "created")
        self.assertEqual(
            set(lines.mapped("gelato_item_id")), {item["id"] for item in remote["items"]}
        )
        self.assertEqual(lines.gelato_order_id, gelato_order)
        self.assertTrue(order.gelato_max_delivery_date)
        self.assertIn("Sent to Gelato", order.message_ids[0].body)
        self.assertIn(remote["id"], order.message_ids[0].body)
        calls = self._calls()
        self.assertEqual(calls["POST /v4/orders:search"], 1)
        self.assertEqual(calls["POST /v4/orders"], 1)
        self.assertEqual(calls["PATCH /v4/orders/{id}"], 1)

    def test_standard_lets_gelato_pick_the_cheapest_standard_method(self):
        order = self._confirmed()
        self.assertNotIn("shipmentMethodUid", order._gelato_prepare_order_payload())
        self.run_send_job()
        (remote,) = self._sandbox_orders(order.name)
        self.assertNotEqual(remote["shipment"]["shipmentMethodUid"], "dhl_express_worldwide")

    def test_the_job_sends_in_batches(self):
        orders = self._confirmed() | self._confirmed() | self._confirmed()
        self.env["ir.config_parameter"].set_param("gelato_connector.send_batch_size", "2")
        first = self.env["sale.order"]._cron_gelato_send_orders()
        self.assertEqual(len(first), 2)
        drafts = self.take_draft_hooks()
        self.assertEqual(len(drafts), 2, "one draft per order of the batch")
        self.assertEqual(set(first.mapped("gelato_state")), {"queued"}, "until the commit")
        self.promote_drafts(drafts)
        self.assertEqual(set(first.mapped("gelato_state")), {"sent"})
        self.assertEqual((orders - first).gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(set(orders.mapped("gelato_state")), {"sent"})
        for order in orders:
            self.assertOneGelatoOrder(order)

    # === Retryable failures === #

    def _assert_retry_scheduled(self, order, attempt, at_least):
        self.assertEqual(order.gelato_state, "queued")
        self.assertEqual(order.gelato_attempt_count, attempt)
        self.assertTrue(order.gelato_last_error)
        delay = (order.gelato_next_attempt - fields.Datetime.now()).total_seconds()
        self.assertGreaterEqual(delay, at_least - 5)
        self.assertLessEqual(delay, const.SEND_RETRY_CAP_SECONDS + 5)

    def test_every_retryable_fault_retries_and_sends_exactly_once(self):
        faults = [
            ("hang", "POST /v4/orders", {"hang_seconds": 4}),
            ("429", "POST /v4/orders", {"retry_after": 150}),
            ("500", "POST /v4/orders", {}),
            ("502", "POST /v4/orders:search", {}),
            ("drop", "POST /v4/orders", {}),
            ("drop", "PATCH /v4/orders/*", {}),
        ]
        for kind, endpoint, options in faults:
            with self.subTest(kind=kind, endpoint=endpoint):
                self.sandbox.reset()
                order = self._confirmed()
                self.sandbox.fault(kind, endpoint=endpoint, **options)
                self.run_send_job()
                expected_delay = options.get("retry_after", const.SEND_RETRY_BASE_SECONDS)
                self._assert_retry_scheduled(order, 1, expected_delay)
                self.assertIn("retried automatically", order.message_ids[0].body)
                # Not due yet: the job leaves it alone.
                self.run_send_job()
                self.assertEqual(order.gelato_attempt_count, 1)
                self.make_due(order)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "sent")
                self.assertOneGelatoOrder(order)

    def test_backoff_doubles_and_gives_up_after_the_cap(self):
        order = self._confirmed()
        self.sandbox.fault("500", count=100, endpoint="POST /v4/orders:search")
        delays = []
        for _attempt in range(const.SEND_MAX_ATTEMPTS - 1):
            self.make_due(order)
            self.run_send_job()
            delays.append(
                round((order.gelato_next_attempt - fields.Datetime.now()).total_seconds() / 60)
            )
        self.assertEqual(delays[:4], [1, 2, 4, 8])
        self.assertEqual(delays[-1], const.SEND_RETRY_CAP_SECONDS // 60)
        self.assertEqual(order.gelato_state, "queued")
        self.make_due(order)
        self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("could not be reached after 12 attempts", order.gelato_last_error)
        self.assertTrue(
            order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        )
        self.sandbox.admin("faults", method="DELETE")
        order.action_gelato_retry()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertFalse(
            order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        )

    # === Uncertain failures: Gelato did it, we never heard back === #

    def test_create_answer_lost_is_found_by_reference(self):
        for kind in ("500", "drop", "hang"):
            with self.subTest(kind=kind):
                self.sandbox.reset()
                order = self._confirmed()
                self.sandbox.fault(kind, endpoint="POST /v4/orders", when="after", hang_seconds=4)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "queued")
                self.assertEqual(self._sandbox_counters(order.name)["drafts"], 1)
                self.make_due(order)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "sent")
                counters = self._sandbox_counters(order.name)
                self.assertEqual(counters["orders"], 1, counters)
                self.assertEqual(counters["drafts"], 0, counters)
                self.assertEqual(counters["deletedDrafts"], 1, counters)

    def test_promote_answer_lost_is_not_promoted_twice(self):
        order = self._confirmed()
        self.sandbox.fault("drop", endpoint="PATCH /v4/orders/*", when="after")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "queued")
        self.assertEqual(order.gelato_order_ids.order_type, "draft")
        self.assertEqual(self._sandbox_counters(order.name)["orders"], 1)
        self.make_due(order)
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertEqual(order.gelato_order_ids.order_type, "order")
        self.assertOneGelatoOrder(order)
        self.assertEqual(self._sandbox_counters(order.name)["creates"], 1)

    def test_a_leftover_draft_that_cannot_be_deleted_stops_the_attempt(self):
        """Found by the faults run (bench/bench_faults.py): the answer to a create was lost,
        the next attempt's DELETE of that draft failed, a second draft was made and placed, and
        the first one stayed at Gelato for good."""
        order = self._confirmed()
        self.sandbox.fault("drop", endpoint="POST /v4/orders", when="after")
        self.run_send_job()
        self.assertEqual(self._sandbox_counters(order.name)["drafts"], 1)
        self.make_due(order)
        self.sandbox.fault("500", endpoint="DELETE /v4/orders/*")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "queued")
        self.assertIn("HTTP 500", order.gelato_last_error)
        counters = self._sandbox_counters(order.name)
        self.assertEqual(
            (counters["creates"], counters["drafts"], counters["orders"]),
            (1, 1, 0),
            "no new draft while the old one is still there",
        )
        self.make_due(order)
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        counters = self._sandbox_counters(order.name)
        self.assertEqual(
            (
                counters["creates"],
                counters["deletedDrafts"],
                counters["drafts"],
                counters["orders"],
            ),
            (2, 1, 0, 1),
        )

    def test_garbage_from_gelato_is_a_clear_retryable_error(self):
        """Found by the bad-input run (bench/bench_bad_input.py): JSON of the wrong type from
        Gelato made the send job fail with "Unexpected error: AttributeError(...)" and an
        answer {"id": 5} was recorded as a Gelato order "5"."""
        cases = [
            (
                "POST /v4/orders:search",
                {"kind": "wrong_json", "body": {"orders": "none"}},
                "before",
            ),
            ("POST /v4/orders:search", {"kind": "wrong_json", "body": []}, "before"),
            ("POST /v4/orders", {"kind": "wrong_json", "body": {"id": 5}}, "after"),
            ("POST /v4/orders", {"kind": "empty"}, "after"),
            ("PATCH /v4/orders/*", {"kind": "wrong_json", "body": "OK"}, "after"),
        ]
        for endpoint, fault, when in cases:
            with self.subTest(endpoint=endpoint, fault=fault, when=when):
                self.sandbox.reset()
                order = self._confirmed()
                self.sandbox.admin("faults", {**fault, "endpoint": endpoint, "when": when})
                self.run_send_job()
                self.assertEqual(order.gelato_state, "queued")
                self.assertIn("Gelato answered with something unexpected", order.gelato_last_error)
                self.assertNotIn("5", order.gelato_order_ids.mapped("gelato_id"))
                self.make_due(order)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "sent")
                self.assertOneGelatoOrder(order)

    def test_garbage_answer_to_a_draft_deletion_keeps_the_draft_in_mind(self):
        """Found by the bad-input run: a deletion answered with JSON of another type (not the
        empty answer Gelato gives) was taken for done, a new draft was placed, and the old
        one stayed at Gelato for good."""
        for body in ("OK", [], 5):
            with self.subTest(body=body):
                self.sandbox.reset()
                order = self._confirmed()
                self.sandbox.fault("empty", endpoint="POST /v4/orders", when="after")
                self.run_send_job()
                self.assertEqual(self._sandbox_counters(order.name)["drafts"], 1)
                self.make_due(order)
                self.sandbox.fault("wrong_json", endpoint="DELETE /v4/orders/*", body=body)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "queued")
                self.assertIn("Gelato answered with something unexpected", order.gelato_last_error)
                self.make_due(order)
                self.run_send_job()
                self.assertEqual(order.gelato_state, "sent")
                self.assertOneGelatoOrder(order)

    def test_garbage_on_refresh_and_the_sync_cron(self):
        """Found by the bad-input run: garbage to GET /v4/orders/{id} crashed the Refresh button
        and the hourly sync, which then skipped every other order of its batch, every hour."""
        orders = self._confirmed() | self._confirmed()
        self.run_send_job()
        self.sandbox.fault("wrong_json", endpoint="GET /v4/orders/*", body="OK")
        with self.assertRaises(UserError) as capture:
            orders[0].action_gelato_refresh()
        self.assertIn("Gelato answered with something unexpected", capture.exception.args[0])
        old = fields.Datetime.now() - timedelta(days=2)
        orders.gelato_order_ids.write({"last_sync": old})
        self.sandbox.fault("empty", endpoint="GET /v4/orders/*")
        self.env["gelato.order"]._cron_gelato_sync_orders()
        self.assertTrue(
            all(g.last_sync > old for g in orders.gelato_order_ids),
            "both orders were looked at: the second one was refreshed",
        )
        self.assertEqual(orders.mapped("gelato_state"), ["sent", "sent"])

    def test_an_order_gelato_already_placed_is_adopted(self):
        order = self._confirmed()
        self.run_send_job()
        # Forget it locally, as if the sending transaction had been lost after promotion.
        gelato_id = order.gelato_order_ids.gelato_id
        order.order_line.write({"gelato_order_id": False, "gelato_item_id": False})
        order.gelato_order_ids.unlink()
        order.write({"gelato_state": "queued", "gelato_next_attempt": False})
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertEqual(order.gelato_order_ids.gelato_id, gelato_id)
        self.assertOneGelatoOrder(order)
        self.assertIn("Gelato already had this order", order.message_ids[1].body)

    # === Final failures === #

    def test_gelato_refusing_the_order_sets_error_and_retry_sends_it(self):
        cuba = self.env["res.partner"].create(
            {
                "name": "Ana Pérez",
                "street": "Calle 23",
                "city": "La Habana",
                "zip": "10400",
                "country_id": self.env.ref("base.cu").id,
                "email": "ana@example.com",
            }
        )
        order = self._gelato_quotation(partner=cuba)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("HTTP 400", order.gelato_last_error)
        self.assertIn("does not ship to CU", order.gelato_last_error)
        self.assertIn("does not ship to CU", order.message_ids[0].body)
        activity = order.activity_ids.filtered(lambda a: a.summary == "Gelato: order not sent")
        self.assertEqual(activity.user_id, order.user_id)
        self.assertIn("does not ship to CU", str(activity.note))
        self.assertFalse(self._sandbox_orders(order.name))
        # Nothing more happens on its own.
        self.make_due(order)
        self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        cuba.country_id = self.sweden
        order.action_gelato_retry()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertOneGelatoOrder(order)

    def test_print_file_gelato_cannot_download_deletes_the_draft(self):
        missing = StaticHTTPServer(404, b"not found")
        self.addCleanup(missing.stop)
        order = self._confirmed()
        product_class = type(self.env["product.product"])
        with patch.object(
            product_class,
            "_gelato_prepare_files_payload",
            lambda self, line=None: [{"type": "default", "url": missing.url + "/poster.png"}],
        ):
            self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("can't be used: HTTP 404", order.gelato_last_error)
        counters = self._sandbox_counters(order.name)
        self.assertEqual(
            (counters["drafts"], counters["orders"], counters["deletedDrafts"]), (0, 0, 1)
        )
        self.assertFalse(order.gelato_order_ids)
        order.action_gelato_retry()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertOneGelatoOrder(order)

    def test_problem_found_at_sending_time_is_an_error(self):
        order = self._confirmed()
        order.partner_shipping_id.zip = False
        calls = self._calls()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("Zip: required by Gelato", order.gelato_last_error)
        self.assertEqual(self._calls(), calls, "Gelato is not called")

    # === Cancelling === #

    def test_cancel_cancels_at_gelato(self):
        order = self._confirmed()
        self.run_send_job()
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.gelato_state, "cancelled")
        (remote,) = self._sandbox_orders(order.name)
        self.assertEqual(remote["fulfillmentStatus"], "canceled")
        self.assertEqual(order.gelato_order_ids.fulfillment_status, "canceled")
        self.assertIn("Cancelled at Gelato", order.message_ids[0].body)

    def test_cancel_refused_by_gelato_blocks_the_cancel(self):
        order = self._confirmed()
        self.run_send_job()
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "printed"})
        with self.assertRaises(UserError) as capture:
            order.with_context(disable_cancel_warning=True).action_cancel()
        message = capture.exception.args[0]
        self.assertIn("Gelato refused to cancel", message)
        self.assertIn("'printed' status", message)
        self.assertIn("stays confirmed", message)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.gelato_state, "sent")
        (remote,) = self._sandbox_orders(order.name)
        self.assertEqual(remote["fulfillmentStatus"], "printed")

    def test_cancel_after_an_uncertain_failure_cleans_gelato_up(self):
        order = self._confirmed()
        self.sandbox.fault("500", endpoint="POST /v4/orders", when="after")
        self.run_send_job()
        self.assertEqual(self._sandbox_counters(order.name)["drafts"], 1)
        self.sandbox.admin("faults", method="DELETE")
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.gelato_state, "cancelled")
        counters = self._sandbox_counters(order.name)
        self.assertEqual((counters["drafts"], counters["orders"]), (0, 0))
        # The job never sends a cancelled order.
        self.make_due(order)
        self.run_send_job()
        self.assertEqual(self._sandbox_counters(order.name)["orders"], 0)

    def test_cancel_keeps_a_draft_it_could_not_delete(self):
        """Found by the faults run: cancelling while Gelato failed to delete the order's draft
        forgot the draft in Odoo and left it at Gelato."""
        order = self._confirmed()
        self.sandbox.fault("500", endpoint="PATCH /v4/orders/*")
        self.run_send_job()
        self.assertEqual(order.gelato_order_ids.order_type, "draft")
        self.sandbox.fault("500", count=2, endpoint="DELETE /v4/orders/*")
        with self.assertRaises(UserError) as capture:
            order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertIn("could not be cancelled at Gelato", capture.exception.args[0])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.gelato_order_ids.order_type, "draft", "still known")
        self.assertEqual(self._sandbox_counters(order.name)["drafts"], 1)
        self.sandbox.admin("faults", method="DELETE")
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.gelato_state, "cancelled")
        counters = self._sandbox_counters(order.name)
        self.assertEqual((counters["drafts"], counters["orders"]), (0, 0))

    def test_cancel_while_gelato_is_down_changes_nothing(self):
        order = self._confirmed()
        self.run_send_job()
        self.sandbox.fault("500", endpoint="POST /v4/orders/*")
        with self.assertRaises(UserError) as capture:
            order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertIn("could not be cancelled at Gelato", capture.exception.args[0])
        self.assertEqual(order.state, "sale")

    def test_reconfirmed_after_cancel_makes_a_new_gelato_order(self):
        order = self._confirmed()
        self.run_send_job()
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        counters = self._sandbox_counters(order.name)
        self.assertEqual(counters["creates"], 2)
        live = [o for o in self._sandbox_orders(order.name) if o["fulfillmentStatus"] != "canceled"]
        self.assertEqual(len(live), 1)
        self.assertEqual(order.gelato_order_ids.gelato_id, live[0]["id"])

    # === Afterwards: journey, split orders, delivered quantities, invoicing, portal === #

    def test_journey_tracking_delivered_quantities_and_invoicing(self):
        order = self._confirmed(self.poster | self.mug, quantity=3)
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        self.run_send_job()
        self.assertEqual(lines.mapped("qty_delivered_method"), ["gelato", "gelato"])
        self.assertEqual(lines.mapped("qty_delivered"), [0.0, 0.0])
        self.assertEqual(lines.mapped("qty_to_invoice"), [0.0, 0.0], "nothing delivered yet")
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "passed"})
        order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "passed")
        self.assertIn("passed", order.message_ids[0].body.lower())
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped", "packages": 2})
        order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "shipped")
        self.assertEqual(lines.mapped("gelato_status"), ["shipped", "shipped"])
        self.assertEqual(lines.mapped("qty_delivered"), [3.0, 3.0])
        remote = self.sandbox.admin("orders")["orders"][0]
        codes = {p["trackingCode"] for p in remote["shipment"]["packages"]}
        self.assertEqual(set(lines.gelato_tracking_ids.mapped("tracking_code")), codes)
        self.assertTrue(all(t.tracking_url for t in lines.gelato_tracking_ids))
        shipped_note = order.message_ids[0].body
        self.assertIn("Shipped", shipped_note)
        for code in codes:
            self.assertIn(code, shipped_note)
        self.assertEqual(str(order.gelato_max_delivery_date), remote["shipment"]["maxDeliveryDate"])
        # A refresh that brings nothing new writes nothing new.
        messages = len(order.message_ids)
        order.action_gelato_refresh()
        self.assertEqual(len(order.message_ids), messages)
        self.assertEqual(len(lines.gelato_tracking_ids), 2)
        # Invoicing on delivered quantities.
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertEqual(lines.mapped("qty_to_invoice"), [3.0, 3.0])
        invoice = order._create_invoices()
        invoiced = invoice.invoice_line_ids.filtered(
            lambda inv_line: inv_line.product_id in self.poster | self.mug
        )
        self.assertEqual(invoiced.mapped("quantity"), [3.0, 3.0])
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "delivered"})
        order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "delivered")
        self.assertIn("Delivered", order.message_ids[0].body)

    def test_split_order_is_one_sale_order_with_several_gelato_orders(self):
        order = self._confirmed(self.poster | self.mug | self.tshirt)
        self.run_send_job()
        gelato_id = order.gelato_order_ids.gelato_id
        parts = self.sandbox.admin("orders/%s/split" % gelato_id, {"parts": 2})["orders"]
        order.action_gelato_refresh()
        self.assertEqual(set(order.gelato_order_ids.mapped("gelato_id")), {p["id"] for p in parts})
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        for part in parts:
            refs = {item["itemReferenceId"] for item in part["items"]}
            part_lines = lines.filtered(lambda line, refs=refs: str(line.id) in refs)
            self.assertEqual(part_lines.gelato_order_id.gelato_id, part["id"])
        self.sandbox.admin("orders/%s/advance" % parts[0]["id"], {"to": "shipped"})
        order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "created", "as far as its slowest part")
        shipped_part = order.gelato_order_ids.filtered(lambda g: g.gelato_id == parts[0]["id"])
        self.assertEqual(shipped_part.fulfillment_status, "shipped")
        self.assertTrue(all(shipped_part.sale_line_ids.mapped("qty_delivered")))
        self.assertFalse(any((lines - shipped_part.sale_line_ids).mapped("qty_delivered")))
        # Cancelling is refused for the shipped part, with Gelato's reason.
        with self.assertRaises(UserError) as capture:
            order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertIn("'shipped' status", capture.exception.args[0])

    def test_portal_shows_status_tracking_and_estimate(self):
        order = self._confirmed()
        self.run_send_job()
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        order.action_gelato_refresh()
        tracking = order.order_line.gelato_tracking_ids
        self.assertEqual(len(tracking), 1)
        order._portal_ensure_token()
        response = self.url_open("/my/orders/%s?access_token=%s" % (order.id, order.access_token))
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('id="gelato_fulfillment"', page)
        self.assertIn("Shipped", page)
        self.assertIn(tracking.tracking_code, page)
        self.assertIn(tracking.tracking_url.replace("&", "&amp;"), page)
        self.assertIn('id="gelato_portal_estimate"', page)

    def test_sync_cron_refreshes_orders_in_flight(self):
        order = self._confirmed()
        self.run_send_job()
        gelato_order = order.gelato_order_ids
        self.sandbox.admin("orders/%s/advance" % gelato_order.gelato_id, {"to": "in_production"})
        self.env["gelato.order"]._cron_gelato_sync_orders()
        self.assertEqual(gelato_order.fulfillment_status, "created", "refreshed recently")
        gelato_order.last_sync = fields.Datetime.now() - timedelta(hours=7)
        self.env["gelato.order"]._cron_gelato_sync_orders()
        self.assertEqual(gelato_order.fulfillment_status, "in_production")
