import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from odoo.addons.gelato_connector.controllers import gelato_connector as controller
from odoo.addons.gelato_connector.lib import const
from odoo.addons.gelato_connector.lib.log_throttle import LogThrottle

SECRET = "webhook-secret-of-the-main-company"


@tagged("post_install", "-at_install")
class TestGelatoWebhookGate(HttpCase):
    """What the webhook answers before and around applying an event (real HTTP)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.company"].sudo().search([]).write({"gelato_webhook_secret": False})
        cls.company = cls.env.company
        cls.company.sudo().write(
            {"gelato_webhook_secret": SECRET, "gelato_webhook_header": "signature"}
        )
        cls.Event = cls.env["gelato.webhook.event"].sudo()

    def post(self, payload, secret=SECRET, header="signature", raw=None):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[header] = secret
        body = raw if raw is not None else json.dumps(payload)
        # Always a POST, even with an empty body (url_open would send a GET then).
        return self.opener.post(
            self.base_url() + const.WEBHOOK_ROUTE, data=body, headers=headers, timeout=30
        )

    def event(self, event_id="os_gate_1", event="order_status_updated", **values):
        return {
            "id": event_id,
            "event": event,
            "orderId": "3f6b7f2b-0000-4000-8000-000000000001",
            "storeId": None,
            "orderReferenceId": "S-NOT-AN-ORDER",
            "fulfillmentStatus": "passed",
            "items": [],
            **values,
        }

    def test_no_secret_configured_refuses_everything(self):
        self.company.sudo().gelato_webhook_secret = False
        for secret in (SECRET, "", None):
            response = self.post(self.event(), secret=secret)
            self.assertEqual(response.status_code, 403)
        self.assertFalse(self.Event.search_count([]))

    def test_missing_or_wrong_secret_is_refused_and_writes_nothing(self):
        for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1], SECRET.upper()):
            with self.subTest(secret=secret):
                self.assertEqual(self.post(self.event(), secret=secret).status_code, 403)
        self.assertFalse(self.Event.search_count([]))

    def test_refused_calls_log_one_warning_a_minute(self):
        """Anyone can post here: a flood of refused calls must not flood the log."""
        logger = "odoo.addons.gelato_connector.controllers.gelato_connector"
        with (
            patch.object(controller, "_REFUSED_WEBHOOK_LOG", LogThrottle(interval=3600)),
            self.assertLogs(logger, level="WARNING") as logs,
        ):
            for _index in range(30):
                self.assertEqual(self.post(self.event(), secret="wrong").status_code, 403)
        self.assertEqual(len(logs.records), 1, [r.getMessage() for r in logs.records])
        self.assertIn("refused", logs.records[0].getMessage())

    def test_header_name_is_configurable(self):
        self.company.sudo().gelato_webhook_header = "X-Gelato-Auth"
        self.assertEqual(self.post(self.event(), header="signature").status_code, 403)
        response = self.post(self.event(), header="x-gelato-auth")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.Event.search_count([]), 1)

    def test_valid_secret_records_the_event_for_its_company(self):
        other = (
            self.env["res.company"]
            .sudo()
            .create(
                {
                    "name": "Other Gelato Shop",
                    "gelato_webhook_secret": "secret-of-the-other-company",
                }
            )
        )
        self.assertEqual(
            self.post(self.event("os_other"), secret="secret-of-the-other-company").status_code,
            200,
        )
        self.assertEqual(self.post(self.event("os_main")).status_code, 200)
        self.assertEqual(self.Event.search([("event_id", "=", "os_other")]).company_id, other)
        self.assertEqual(self.Event.search([("event_id", "=", "os_main")]).company_id, self.company)

    def test_body_too_large(self):
        payload = self.event(comment="x" * (const.WEBHOOK_MAX_BODY_BYTES + 10))
        self.assertEqual(self.post(payload).status_code, 413)
        self.assertFalse(self.Event.search_count([]))

    def test_not_json(self):
        for raw in ("{not json", "", "\xff\xfe"):
            with self.subTest(raw=raw):
                self.assertEqual(self.post(None, raw=raw).status_code, 400)
        self.assertFalse(self.Event.search_count([]))

    def test_wrong_shape_is_acknowledged_and_ignored(self):
        for payload in (
            [],
            [1, 2],
            "text",
            42,
            None,
            {},
            {"id": 5, "event": "x"},
            {"id": "os_1"},
            {"event": "order_status_updated"},
        ):
            with self.subTest(payload=payload):
                self.assertEqual(self.post(payload).status_code, 200)
        self.assertFalse(self.Event.search_count([]))

    def test_gelato_test_placeholders_are_acknowledged(self):
        payload = self.event(orderId="{{MyOrderId}}", orderReferenceId="{{MyOrderReferenceId}}")
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertFalse(self.Event.search_count([]))

    def test_other_event_types_are_acknowledged_and_ignored(self):
        payload = {"id": "spc_1", "event": "store_product_created", "storeId": "s1"}
        self.assertEqual(self.post(payload).status_code, 200)
        event = self.Event.search([("event_id", "=", "spc_1")])
        self.assertEqual(event.state, "ignored")

    def test_duplicate_event_is_recorded_once(self):
        payload = {"id": "spc_dup", "event": "store_product_deleted", "storeId": "s1"}
        for _attempt in range(3):
            self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.Event.search_count([("event_id", "=", "spc_dup")]), 1)

    def test_hostile_json_is_answered_without_a_500(self):
        """Found by the bad-input run (bench/bench_bad_input.py): deep nesting, a NUL character
        or a lone surrogate (JSON escapes \\u0000, \\ud800) in an authenticated body made
        the webhook answer 500 (Gelato retries those for days); a status that is a list or an
        object was not ignored: it crashed the event (a traceback logged, the event recorded
        as an error)."""
        deep = "[" * 100_000 + "]" * 100_000
        self.assertEqual(self.post(None, raw=deep).status_code, 400)
        raw_events = [
            '{"id": "os_nul\\u0000", "event": "order_status_updated"}',
            '{"id": "os_surrogate", "event": "order_status_updated", "orderId": "\\ud800", '
            '"orderReferenceId": "S\\u0000", "fulfillmentStatus": "passed"}',
            '{"id": "os_type", "event": "order_status\\u0000_updated"}',
        ]
        for raw in raw_events:
            with self.subTest(raw=raw):
                self.assertEqual(self.post(None, raw=raw).status_code, 200)
        self.assertEqual(
            sorted(self.Event.search([]).mapped("event_id")), ["os_nul", "os_surrogate", "os_type"]
        )
        self.assertEqual(
            self.Event.search([("event_id", "=", "os_surrogate")]).gelato_order_id, "\ufffd"
        )
        for event_id, status in (("os_list", ["passed"]), ("os_dict", {"a": 1})):
            payload = self.event(event_id, fulfillmentStatus=status)
            self.assertEqual(self.post(payload).status_code, 200)
            self.assertEqual(self.Event.search([("event_id", "=", event_id)]).state, "ignored")

    def test_get_is_not_allowed(self):
        response = self.url_open(const.WEBHOOK_ROUTE)
        self.assertEqual(response.status_code, 405)
