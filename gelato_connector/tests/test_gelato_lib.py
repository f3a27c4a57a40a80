import json
import subprocess
import sys
from pathlib import Path

from odoo.tests import BaseCase, tagged

from odoo.addons.gelato_connector.lib import (
    addresses,
    const,
    orders,
    responses,
    signing,
    statuses,
    text,
)
from odoo.addons.gelato_connector.lib.log_throttle import LogThrottle
from odoo.addons.gelato_connector.tests.common import gelato_shapes


@tagged("post_install", "-at_install")
class TestGelatoUtils(BaseCase):
    """Pure rules behind orders: addresses, statuses, back-off, rates."""

    def test_every_lib_module_imports_without_odoo(self):
        """lib/ is the connector's pure logic: loaded as a plain package in a fresh
        interpreter, none of its modules may pull Odoo in."""
        lib = Path(addresses.__file__).resolve().parent
        names = sorted(p.stem for p in lib.glob("*.py") if p.stem != "__init__")
        self.assertIn("statuses", names)
        script = """
import importlib, importlib.util, json, sys
spec = importlib.util.spec_from_file_location(
    "gelato_lib", sys.argv[1] + "/__init__.py", submodule_search_locations=[sys.argv[1]]
)
package = importlib.util.module_from_spec(spec)
sys.modules["gelato_lib"] = package
spec.loader.exec_module(package)
for name in json.loads(sys.argv[2]):
    importlib.import_module("gelato_lib." + name)
print(json.dumps(sorted(m for m in sys.modules if m == "odoo" or m.startswith("odoo."))))
"""
        result = subprocess.run(
            [sys.executable, "-I", "-c", script, str(lib), json.dumps(names)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), [], "lib/ imported Odoo")

    def test_split_name(self):
        self.assertEqual(addresses.split_name("Ada King Lovelace"), ("Ada King", "Lovelace"))
        self.assertEqual(addresses.split_name("Madonna"), ("", "Madonna"))
        self.assertEqual(addresses.split_name("  "), ("", ""))

    def test_check_address_names_each_problem(self):
        address = {
            "firstName": "A" * 26,
            "lastName": "Lovelace",
            "addressLine1": "x" * 36,
            "city": "New York",
            "country": "US",
            "email": "not-an-email",
        }
        problems = {(key, problem) for key, problem, _details in addresses.check_address(address)}
        self.assertEqual(
            problems,
            {
                ("firstName", "too_long"),
                ("addressLine1", "too_long"),
                ("postCode", "required"),
                ("state", "state_required"),
                ("email", "invalid_email"),
            },
        )
        too_long = [d for k, p, d in addresses.check_address(address) if k == "addressLine1"]
        self.assertEqual(too_long, [(35, 36)])

    def test_check_address_accepts_a_good_address(self):
        # The recipient the tests and benches place orders at the sandbox with.
        self.assertEqual(addresses.check_address(dict(gelato_shapes.RECIPIENT)), [])

    def test_status_never_moves_backwards(self):
        forward = statuses.gelato_status_moves_forward
        self.assertTrue(forward(False, "created"))
        self.assertTrue(forward("created", "passed"))
        self.assertTrue(forward("passed", "shipped"))
        self.assertFalse(forward("shipped", "passed"))
        self.assertFalse(forward("delivered", "shipped"))
        self.assertFalse(forward("shipped", "shipped"))
        # side exits and their rules
        self.assertTrue(forward("in_production", "on_hold"))
        self.assertTrue(forward("on_hold", "in_production"))
        self.assertTrue(forward("printed", "failed"))
        self.assertTrue(forward("created", "canceled"))
        self.assertFalse(forward("canceled", "passed"))
        self.assertFalse(forward("delivered", "canceled"))
        self.assertTrue(forward("delivered", "returned"))
        self.assertFalse(forward("passed", "returned"))
        self.assertFalse(forward("passed", "some_new_status"))

    def test_aggregate_status_of_split_orders(self):
        aggregate = statuses.aggregate_fulfillment_status
        self.assertEqual(aggregate(["shipped", "passed"]), "passed")
        self.assertEqual(aggregate(["delivered", "delivered"]), "delivered")
        self.assertEqual(aggregate(["delivered", "failed"]), "failed")
        self.assertEqual(aggregate(["canceled", "shipped"]), "shipped")
        self.assertEqual(aggregate(["canceled", "canceled"]), "canceled")
        self.assertFalse(aggregate([]))

    def test_backoff_is_exponential_capped_and_honours_retry_after(self):
        base = const.SEND_RETRY_BASE_SECONDS
        self.assertEqual(orders.backoff_delay(1), base)
        self.assertEqual(orders.backoff_delay(2), 2 * base)
        self.assertEqual(orders.backoff_delay(3), 4 * base)
        self.assertEqual(orders.backoff_delay(30), const.SEND_RETRY_CAP_SECONDS)
        self.assertEqual(orders.backoff_delay(1, retry_after=500), 500)
        self.assertEqual(orders.backoff_delay(3, retry_after=5), 4 * base)
        self.assertEqual(orders.backoff_delay(1, retry_after=10**6), const.SEND_RETRY_CAP_SECONDS)

    def test_rate_is_the_sum_of_the_cheapest_method_of_each_quote(self):
        quotes = [
            {
                "itemReferenceIds": ["1"],
                "shipmentMethods": [
                    {"type": "normal", "price": 5.0, "currency": "EUR", "maxDeliveryDays": 4},
                    {"type": "standard", "price": 4.0, "currency": "EUR", "maxDeliveryDays": 6},
                    {"type": "express", "price": 20.0, "currency": "EUR", "maxDeliveryDays": 2},
                ],
            },
            {
                "itemReferenceIds": ["2"],
                "shipmentMethods": [
                    {"type": "normal", "price": 7.5, "currency": "EUR", "maxDeliveryDays": 5},
                ],
            },
        ]
        price, _min, max_days, currencies, missing = orders.rate_from_quotes(
            quotes, const.SERVICE_LEVEL_METHOD_TYPES["standard"]
        )
        self.assertEqual(price, 11.5)
        self.assertEqual(max_days, 6)
        self.assertEqual(currencies, {"EUR"})
        self.assertFalse(missing)
        price, *_rest, missing = orders.rate_from_quotes(
            quotes, const.SERVICE_LEVEL_METHOD_TYPES["express"]
        )
        self.assertIsNone(price)
        self.assertEqual([q["itemReferenceIds"] for q in missing], [["2"]])

    def test_only_absolute_web_links_are_web_urls(self):
        for url in ("https://track.example/1", "http://t.example:8080/a?b=c"):
            self.assertTrue(text.is_web_url(url), url)
        for url in (
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<b>",
            "//evil.example/x",
            "/relative",
            "https://",
            " https://track.example/1",
            "https://track.example/\n1",
            "ftp://files.example/a",
            "",
            None,
            42,
        ):
            self.assertFalse(text.is_web_url(url), url)

    def test_logs_show_no_link_signature_nor_personal_data(self):
        signature = "ab" * 32
        url = "https://shop.example%s/7/1999999999/%s/front.png" % (
            const.PRINT_FILE_ROUTE,
            signature,
        )
        line_url = url.replace("/7/", "/7/42/")
        for link in (url, line_url):
            self.assertNotIn(signature, responses.mask_signed_links(link))
            self.assertIn("front.png", responses.mask_signed_links(link))
        payload = {"items": [{"files": [{"url": url}]}], "shippingAddress": {"email": "a@b.se"}}
        masked = json.dumps(responses.mask_payload(payload))
        self.assertNotIn(signature, masked)
        self.assertNotIn("a@b.se", masked)
        body = json.dumps(
            {"message": "bad file %s" % url, "echo": {"email": "ada@example.com"}, "x": "y" * 9000}
        )
        logged = responses.mask_error_body(body)
        self.assertLessEqual(len(logged), responses.LOGGED_BODY_CHARS + 1)
        self.assertNotIn(signature, logged)
        self.assertNotIn("ada@example.com", logged)
        html = "<p>Contact ada@example.com about %s</p>" % url
        self.assertNotIn("ada@example.com", responses.mask_error_body(html))
        self.assertNotIn(signature, responses.mask_error_body(html))

    def test_log_throttle_lets_one_line_a_minute_through_and_counts_the_rest(self):
        now = [1000.0]
        throttle = LogThrottle(interval=60, clock=lambda: now[0])
        self.assertEqual(throttle.allow(), (True, 0))
        for count in range(1, 500):
            self.assertEqual(throttle.allow(), (False, count))
        now[0] += 61
        self.assertEqual(throttle.allow(), (True, 499))
        self.assertEqual(throttle.allow(), (False, 1))

    def test_a_link_made_for_a_line_is_only_valid_for_that_line(self):
        expires = 2_000_000_000
        sig = signing.sign_print_file("key", 7, expires, line_id=42)
        now = 1_900_000_000
        self.assertTrue(
            signing.verify_print_file_signature("key", 7, expires, sig, now=now, line_id=42)
        )
        self.assertFalse(
            signing.verify_print_file_signature("key", 7, expires, sig, now=now, line_id=43)
        )
        self.assertFalse(signing.verify_print_file_signature("key", 7, expires, sig, now=now))
        self.assertFalse(
            signing.verify_print_file_signature("other", 7, expires, sig, now=now, line_id=42)
        )
