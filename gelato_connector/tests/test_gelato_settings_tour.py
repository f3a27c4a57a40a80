from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase


@tagged("post_install", "-at_install")
class TestGelatoSettingsTour(GelatoHttpCase):
    def test_settings_tour(self):
        """An administrator enters the API key in Settings and tests the connection (Chromium)."""
        self.company.sudo().gelato_api_key = False
        self.start_tour("/odoo/settings", "gelato_settings_tour", login="admin")
        self.assertEqual(self.company.sudo().gelato_api_key, "sandbox-test-key")
        self.assertGreaterEqual(len(self.company.sudo().gelato_webhook_secret or ""), 40)
