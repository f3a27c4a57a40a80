from pathlib import Path

from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.gelato_connector.exceptions import GelatoApiError
from odoo.addons.gelato_connector.tests.common import SANDBOX_API_KEY, GelatoTransactionCase


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

    def test_webhook_secret_is_strong_and_one_companys_own(self):
        company = self.company.sudo()
        for weak in ("secret", "a" * 40, "abababababababababababab", "0123456789abcdefghi"):
            with self.subTest(weak=weak), self.assertRaises(ValidationError) as capture:
                company.gelato_webhook_secret = weak
            self.assertIn("too weak", capture.exception.args[0])
        other = self.env["res.company"].sudo().create({"name": "Other Gelato Shop"})
        other.gelato_webhook_secret = "a-strong-secret-of-the-other-shop"
        with self.assertRaises(ValidationError) as capture:
            company.gelato_webhook_secret = "a-strong-secret-of-the-other-shop"
        self.assertIn("Another company", capture.exception.args[0])
        company.gelato_webhook_secret = "a-strong-secret-of-this-very-shop"
        company.gelato_webhook_secret = False  # no secret: the webhook refuses everything

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

    def test_only_administrators_get_the_secret_and_its_copy_button(self):
        """The masked secret and its copy button are in the settings form for administrators;
        the Gelato block (and the secret with it) is dropped for anyone else."""
        form = self.env.ref("gelato_connector.res_config_settings_view_form")
        admin_arch = self.env["res.config.settings"]._get_view_cache(view_type="form")["arch"]
        self.assertIn('widget="CopyClipboardButton"', admin_arch)
        self.assertIn("noSaveDialog", admin_arch)
        self.assertIn('name="gelato_webhook_secret"', form.arch)
        settings_user = new_test_user(
            self.env, "gelato_erp_manager", groups="base.group_erp_manager,base.group_user"
        )
        # What get_view does after its access check (a user without Settings cannot open the
        # form at all): the arch filtered by the user's groups.
        arch = etree.fromstring(
            self.env["res.config.settings"]
            .with_user(settings_user)
            ._get_view_cache(view_type="form")["arch"]
        )
        other_arch = etree.tostring(
            self.env["ir.ui.view"].with_user(settings_user)._postprocess_access_rights(arch),
            encoding="unicode",
        )
        self.assertNotIn("gelato_webhook_secret", other_arch)
        self.assertNotIn("gelato_api_key", other_arch)

    def test_test_connection_saves_what_was_typed_first(self):
        """One click after pasting a key: the settings are saved, then the key is tried."""
        self.company.sudo().gelato_api_key = False
        settings = self.env["res.config.settings"].create({"gelato_api_key": SANDBOX_API_KEY})
        action = settings.action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self.company.sudo().gelato_api_key, SANDBOX_API_KEY)

    def test_test_connection_reports_success(self):
        action = self._settings().action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("product catalogs", action["params"]["message"])

    def test_test_connection_reports_the_exact_error(self):
        self.company.sudo().gelato_api_key = "wrong"
        action = self._settings().action_gelato_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("HTTP 401", action["params"]["message"])
        self.assertNotIn(".).", action["params"]["message"], "Gelato's sentence inside ours")
        self.sandbox.fault("500", endpoint="GET /v3/catalogs")
        self.company.sudo().gelato_api_key = "sandbox-test-key"
        action = self._settings().action_gelato_test_connection()
        self.assertIn("HTTP 500", action["params"]["message"])
        self.assertNotIn(".).", action["params"]["message"])

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
        print_files = self.env["gelato.print.file"]
        params = self.env["ir.config_parameter"].sudo()
        key_before = print_files._gelato_get_url_secret()
        self.assertTrue(key_before, "made on install")
        self.assertNotEqual(key_before, params.get_param("database.secret"))
        self.company.gelato_public_base_url = "https://shop.example.com"
        params.set_param("gelato_connector.print_file_legacy_signatures_until", "1999999999")
        sql = (Path(__file__).parents[1] / "data" / "neutralize.sql").read_text()
        self.env.flush_all()
        self.env.cr.execute(sql)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertFalse(self.company.sudo().gelato_api_key)
        self.assertFalse(self.company.sudo().gelato_webhook_secret)
        self.assertFalse(self.company.gelato_public_base_url)
        self.assertFalse(params.get_param("gelato_connector.print_file_legacy_signatures_until"))
        # A new signing key: production's links do not open the copy's files.
        self.assertFalse(print_files._gelato_get_url_secret())
        key_after = print_files._gelato_get_url_secret(create=True)
        self.assertTrue(key_after)
        self.assertNotEqual(key_after, key_before)
        # The copy does not call Gelato, even once someone types a key, and says why.
        self.company.sudo().gelato_api_key = SANDBOX_API_KEY
        calls = self.sandbox.admin("counters")["calls"]
        with self.assertRaises(GelatoApiError) as capture:
            self.company._gelato_make_request("order", "orders", {}, method="GET")
        self.assertIn("neutralised copy", capture.exception.args[0])
        self.assertEqual(self.sandbox.admin("counters")["calls"], calls)
        crons = self.env["ir.cron"].with_context(active_test=False).search([])
        gelato_crons = crons.filtered(
            lambda c: c.get_external_id().get(c.id, "").startswith("gelato_connector.")
        )
        self.assertFalse(gelato_crons.filtered("active"))
