from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.gelato_connector.tests.common import GelatoTransactionCase


@tagged("post_install", "-at_install")
class TestGelatoSettings(GelatoTransactionCase):
    def _settings(self):
        return self.env["res.config.settings"].create({})

    def test_generate_webhook_secret_is_strong_and_new(self):
        settings = self._settings()
        settings.action_gelato_generate_webhook_secret()
        first = self.company.sudo().gelato_webhook_secret
        settings.action_gelato_generate_webhook_secret()
        second = self.company.sudo().gelato_webhook_secret
        self.assertGreaterEqual(len(first), 40)
        self.assertNotEqual(first, second)

    def test_webhook_url_is_ready_to_copy(self):
        settings = self._settings()
        self.assertEqual(
            settings.gelato_webhook_url, self.company.get_base_url().rstrip("/") + "/gelato/webhook"
        )

    def test_default_header_name_is_signature(self):
        self.assertEqual(
            self.env["res.company"].create({"name": "X"}).sudo().gelato_webhook_header, "signature"
        )

    def test_secrets_are_for_administrators_only(self):
        manager = new_test_user(
            self.env, "gelato_sales_manager", groups="sales_team.group_sale_manager,base.group_user"
        )
        company = self.company.with_user(manager)
        with self.assertRaises(AccessError):
            company.read(["gelato_api_key"])
        with self.assertRaises(AccessError):
            company.read(["gelato_webhook_secret"])
        admin_values = self.company.read(["gelato_api_key", "gelato_webhook_secret"])[0]
        self.assertTrue(admin_values["gelato_api_key"])

    def test_test_connection_reports_success(self):
        action = self._settings().action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("product catalogs", action["params"]["message"])

    def test_test_connection_reports_the_exact_error(self):
        self.company.sudo().gelato_api_key = "wrong"
        action = self._settings().action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("HTTP 401", action["params"]["message"])
        self.sandbox.fault("500", endpoint="GET /v3/catalogs")
        self.company.sudo().gelato_api_key = "sandbox-test-key"
        action = self._settings().action_gelato_test_connection()
        self.assertIn("HTTP 500", action["params"]["message"])

    def test_test_connection_on_garbage_says_so(self):
        """Found by the bad-input run (bench/bench_bad_input.py): a JSON answer of the wrong
        type crashed the button, and an empty body was reported as a working key."""
        for fault in (
            {"kind": "wrong_json", "body": "OK"},
            {"kind": "wrong_json", "body": None},
            {"kind": "empty"},
            {"kind": "html"},
        ):
            with self.subTest(fault=fault):
                self.sandbox.admin("faults", {**fault, "endpoint": "GET /v3/catalogs"})
                action = self._settings().action_gelato_test_connection()
                self.assertEqual(action["params"]["type"], "danger")
                self.assertIn("Gelato answered", action["params"]["message"])
        self.sandbox.admin("faults", {"kind": "wrong_json", "body": []})
        action = self._settings().action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "success", "an empty list is a list")

    def test_neutralize_blanks_credentials(self):
        sql = (Path(__file__).parents[1] / "data" / "neutralize.sql").read_text()
        self.env.cr.execute(sql)
        self.env.invalidate_all()
        self.assertFalse(self.company.sudo().gelato_api_key)
        self.assertFalse(self.company.sudo().gelato_webhook_secret)
        crons = self.env["ir.cron"].with_context(active_test=False).search([])
        gelato_crons = crons.filtered(
            lambda c: c.get_external_id().get(c.id, "").startswith("gelato_connector.")
        )
        self.assertFalse(gelato_crons.filtered("active"))
