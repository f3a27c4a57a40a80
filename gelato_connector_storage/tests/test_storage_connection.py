from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ArtworkHTTPServer, MotoMixin, free_port


@tagged("post_install", "-at_install")
class TestStorageConnection(MotoMixin, TransactionCase):
    """Connections: what Test connection says against a real S3 server and a web address,
    the pattern checked on save, the secret kept from non-administrators."""

    def _notification(self, storage):
        action = storage.action_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        return action["params"]

    def test_connection_lists_a_few_keys(self):
        storage = self.new_storage()
        for index in range(8):
            self.put(storage, "S%s_1.png" % index, b"x")
        params = self._notification(storage)
        self.assertEqual(params["type"], "success", params)
        self.assertIn(storage.bucket, params["message"])
        self.assertIn("S0_1.png", params["message"])
        self.assertNotIn("S7_1.png", params["message"], "only a few keys are listed")

    def test_connection_errors_say_what_is_wrong(self):
        storage = self.new_storage()
        cases = [
            ({"bucket": "no-such-bucket-here"}, "does not exist"),
            ({"access_key": "AKIAUNKNOWNKEY000000"}, "refused the access key"),
            ({"secret_key": "wrong-secret"}, "refused the access key"),
            ({"endpoint_url": "http://127.0.0.1:%s" % free_port()}, "cannot be reached"),
        ]
        good = {
            "bucket": storage.bucket,
            "access_key": storage.access_key,
            "secret_key": self.s3.secret_key,
            "endpoint_url": storage.endpoint_url,
        }
        for values, expected in cases:
            with self.subTest(values=values):
                storage.write({**good, **values})
                params = self._notification(storage)
                self.assertEqual(params["type"], "danger")
                self.assertIn(expected, params["message"])
                self.assertNotIn(self.s3.secret_key, params["message"])
        storage.write(good)
        self.assertEqual(self._notification(storage)["type"], "success")

    def test_http_location_probed(self):
        server = ArtworkHTTPServer()
        self.addCleanup(server.stop)
        storage = self.env["gelato.storage"].create(
            {"name": "Web folder", "kind": "http", "base_url": server.url}
        )
        params = self._notification(storage)
        self.assertEqual(params["type"], "success", params)
        self.assertIn("HTTP 403", params["message"])
        storage.base_url = "http://127.0.0.1:%s/art/" % free_port()
        params = self._notification(storage)
        self.assertEqual(params["type"], "danger")
        self.assertIn("cannot be reached", params["message"])

    def test_pattern_and_location_checked_on_save(self):
        storage = self.new_storage()
        with self.assertRaisesRegex(ValidationError, "needs \\{order_item_number\\}"):
            storage.filename_pattern = "{order_number}"
        with self.assertRaisesRegex(ValidationError, "separator"):
            storage.filename_pattern = "{order_number}{order_item_number}"
        with self.assertRaisesRegex(ValidationError, "cannot be used in file names"):
            storage.filename_pattern = "art/{order_number}_{order_item_number}"
        storage.filename_pattern = " shop-{order_number}-{order_item_number} "
        self.assertEqual(storage.filename_pattern, "shop-{order_number}-{order_item_number}")
        with self.assertRaisesRegex(ValidationError, "bucket"):
            self.env["gelato.storage"].create({"name": "No bucket", "kind": "s3"})
        with self.assertRaisesRegex(ValidationError, "base URL"):
            self.env["gelato.storage"].create(
                {"name": "Bad URL", "kind": "http", "base_url": "ftp://x"}
            )
        storage.prefix = "/artwork"
        self.assertEqual(storage.prefix, "artwork/")

    def test_connections_are_for_administrators_and_their_company(self):
        storage = self.new_storage()
        manager = new_test_user(
            self.env, "storage-sales-manager", groups="sales_team.group_sale_manager"
        )
        with self.assertRaises(AccessError):
            storage.with_user(manager).read(["name"])
        admin = new_test_user(self.env, "storage-admin", groups="base.group_system")
        self.assertEqual(
            storage.with_user(admin).read(["secret_key"])[0]["secret_key"], self.s3.secret_key
        )
        other = self.env["res.company"].create({"name": "Other Co"})
        other_admin = new_test_user(
            self.env,
            "storage-admin-other",
            groups="base.group_system",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(
            self.env["gelato.storage"].with_user(other_admin).search([("id", "=", storage.id)])
        )

    def test_listing_pages_past_1000_keys(self):
        storage = self.new_storage(prefix="art/")
        client = self.s3.client()
        for index in range(1203):
            client.put_object(Bucket=storage.bucket, Key="art/old-%05d.png" % index, Body=b"x")
        client.put_object(Bucket=storage.bucket, Key="art/readme.txt", Body=b"x")
        client.put_object(Bucket=storage.bucket, Key="elsewhere/S1_1.png", Body=b"x")
        scan = storage._gelato_scan_now()
        self.assertEqual(scan.state, "done", scan.error)
        self.assertEqual(scan.listed, 1204, "every page of the prefix is listed")
        self.assertEqual(scan.unmatched, 1203)
        self.assertEqual(scan.skipped, 1)
        self.assertEqual(scan.matched, 0)
