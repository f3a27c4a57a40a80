import contextlib
import logging

from odoo.tests import tagged

from odoo.addons.gelato_connector.exceptions import GelatoApiError
from odoo.addons.gelato_connector.tests.common import (
    SANDBOX_API_KEY,
    GelatoTransactionCase,
    StaticHTTPServer,
)


@tagged("post_install", "-at_install")
class TestGelatoRequest(GelatoTransactionCase):
    """The one request seam, against the sandbox over real HTTP."""

    def _request_error(self, *args, **kwargs):
        with self.assertRaises(GelatoApiError) as capture:
            self.company._gelato_make_request(*args, **kwargs)
        return capture.exception

    def test_success_returns_json(self):
        catalogs = self.company._gelato_make_request("product", "catalogs", method="GET")
        self.assertIsInstance(catalogs, list)
        self.assertTrue(any(c.get("catalogUid") == "posters" for c in catalogs), catalogs)

    def test_missing_key_says_where_to_set_it(self):
        self.company.sudo().gelato_api_key = False
        error = self._request_error("product", "catalogs", method="GET")
        self.assertIn("Settings > Sales > Gelato", error.args[0])
        self.assertFalse(error.retryable)

    def test_wrong_key_is_final_and_explained(self):
        self.company.sudo().gelato_api_key = "not-the-key"
        error = self._request_error("product", "catalogs", method="GET")
        self.assertEqual(error.status_code, 401)
        self.assertFalse(error.retryable)
        self.assertIn("refused the API key", error.args[0])
        self.assertIn("Token is invalid", error.args[0])

    def test_client_error_surfaces_gelato_message(self):
        error = self._request_error("ecommerce", "templates/no-such-template", method="GET")
        self.assertEqual(error.status_code, 404)
        self.assertFalse(error.retryable)
        self.assertTrue(error.gelato_message)
        self.assertIn(error.gelato_message, error.args[0])

    def test_server_errors_are_retryable(self):
        for kind, status in (("500", 500), ("502", 502)):
            with self.subTest(kind=kind):
                self.sandbox.fault(kind, endpoint="GET /v3/catalogs")
                error = self._request_error("product", "catalogs", method="GET")
                self.assertEqual(error.status_code, status)
                self.assertTrue(error.retryable)
                self.assertIn("tried again later", error.args[0])
        # The faults are used up: the next call succeeds.
        self.assertIsInstance(
            self.company._gelato_make_request("product", "catalogs", method="GET"), list
        )

    def test_too_many_requests_keeps_retry_after(self):
        self.sandbox.fault("429", endpoint="GET /v3/catalogs", retry_after=7)
        error = self._request_error("product", "catalogs", method="GET")
        self.assertEqual(error.status_code, 429)
        self.assertTrue(error.retryable)
        self.assertEqual(error.retry_after, 7)

    def test_timeout_is_retryable(self):
        self.sandbox.fault("hang", endpoint="GET /v3/catalogs", hang_seconds=3)
        error = self._request_error("product", "catalogs", method="GET", timeout=(2, 0.5))
        self.assertIsNone(error.status_code)
        self.assertTrue(error.retryable)
        self.assertIn("did not answer in time", error.args[0])

    def test_dropped_connection_is_retryable(self):
        self.sandbox.fault("drop", endpoint="GET /v3/catalogs")
        error = self._request_error("product", "catalogs", method="GET")
        self.assertIsNone(error.status_code)
        self.assertTrue(error.retryable)
        self.assertIn("Could not reach Gelato", error.args[0])

    def test_garbage_answer_is_an_error(self):
        garbage = StaticHTTPServer(200, b"<html>Bad gateway</html>")
        self.addCleanup(garbage.stop)
        self.company.sudo().gelato_api_url = garbage.url
        error = self._request_error("product", "catalogs", method="GET")
        self.assertTrue(error.retryable)
        self.assertIn("not JSON", error.args[0])

    def test_url_override_and_default_hosts(self):
        self.assertEqual(
            self.company._gelato_build_url("order", "orders:search"),
            "%s/v4/orders:search" % self.sandbox.url,
        )
        self.company.sudo().gelato_api_url = False
        self.assertEqual(
            self.company._gelato_build_url("ecommerce", "templates/abc"),
            "https://ecommerce.gelatoapis.com/v1/templates/abc",
        )

    def test_logs_hold_no_secret_nor_address(self):
        payload = {
            "orderReferenceId": "S00042",
            "recipient": {
                "firstName": "Ada",
                "addressLine1": "12 Secret Street",
                "email": "ada@example.com",
                "country": "SE",
            },
        }
        logger = logging.getLogger("odoo.addons.gelato_connector")
        with self.assertLogs(logger, level="DEBUG") as logs:
            self.company.sudo().gelato_api_key = SANDBOX_API_KEY
            # The quote is incomplete on purpose: only what reaches the logs matters here.
            with contextlib.suppress(GelatoApiError):
                self.company._gelato_make_request("order", "orders:quote", payload)
        text = "\n".join(logs.output)
        self.assertIn("S00042", text)
        for secret in (SANDBOX_API_KEY, "Ada", "12 Secret Street", "ada@example.com"):
            self.assertNotIn(secret, text)
