import base64
import time
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.gelato_connector.tests.common import make_jpeg
from odoo.addons.gelato_connector_storage.lib import clients, const

from .common import ArtworkHTTPServer, MotoMixin, StorageOrderMixin, free_port


@tagged("post_install", "-at_install")
class TestStorageScan(MotoMixin, StorageOrderMixin, TransactionCase):
    """The scan against a real S3 server: files matched to waiting lines, attached, checked,
    deduplicated; orders moving on when complete; outages reported once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._storage_setup_orders(cls.env)

    def setUp(self):
        super().setUp()
        self.storage = self.new_storage()

    def downloads(self):
        """Count the storage downloads while the context is open."""
        return patch.object(
            clients.S3Storage, "download", autospec=True, side_effect=clients.S3Storage.download
        )

    # === Matching and attaching === #

    def test_files_attach_to_their_lines_and_the_complete_order_moves_on(self):
        order = self.confirmed([self.art_mug, self.art_mug])
        self.assertEqual(order.gelato_state, "pending_artwork")
        first, second = self.gelato_lines(order)
        self.assertEqual(first.gelato_artwork_name, "%s_1" % order.name)
        self.assertEqual(second.gelato_artwork_name, "%s_2" % order.name)
        self.assertTrue(first.gelato_artwork_waiting)
        waiting = self.env["sale.order.line"].search([("gelato_artwork_waiting", "=", True)])
        self.assertEqual(waiting & order.order_line, first | second)
        artwork = self.artwork_png(self.art_mug)
        self.put(self.storage, "%s_1.png" % order.name, artwork)
        scan = self.storage._gelato_scan_now()
        self.assertEqual((scan.state, scan.matched, scan.attached), ("done", 1, 1), scan.summary)
        self.assertEqual(order.gelato_state, "pending_artwork", "partial artwork waits")
        self.assertEqual(first.gelato_line_file_ids.source, "storage")
        self.assertEqual(first.gelato_line_file_ids.filename, "%s_1.png" % order.name)
        self.assertEqual(first.gelato_line_file_ids.datas, base64.b64encode(artwork))
        self.assertFalse(second.gelato_line_file_ids)
        self.assertIn("%s_1.png" % order.name, order.message_ids[0].body)
        # The extension's case does not matter; JPEG is as good as PNG.
        jpeg = make_jpeg(1772, 753)
        self.put(self.storage, "%s_2.JPG" % order.name, jpeg)
        scan = self.storage._gelato_scan_now()
        self.assertEqual((scan.matched, scan.attached, scan.already_processed), (2, 1, 1))
        self.assertEqual(second.gelato_line_file_ids.file_type, "jpeg")
        self.assertEqual(order.gelato_state, "queued")
        payload_files = second._gelato_prepare_files_payload()
        self.assertEqual([f["type"] for f in payload_files], ["default"])
        self.assertTrue(payload_files[0]["url"].endswith("/%s_2.jpg" % order.name))

    def test_second_scan_downloads_nothing_and_a_changed_file_replaces_the_old(self):
        order = self.confirmed([self.art_mug, self.art_mug])
        first = self.gelato_lines(order)[0]
        key = "%s_1.png" % order.name
        self.put(self.storage, key, self.artwork_png(self.art_mug))
        with self.downloads() as download:
            self.storage._gelato_scan_now()
            self.assertEqual(download.call_count, 1)
            scan = self.storage._gelato_scan_now()
            self.assertEqual(download.call_count, 1, "same key and ETag: not downloaded again")
            self.assertEqual((scan.matched, scan.already_processed, scan.attached), (1, 1, 0))
            # The designer uploads a better file under the same name: new ETag, replaced.
            self.put(self.storage, key, self.artwork_png(self.art_mug, dpi=200, color=(1, 2, 3)))
            scan = self.storage._gelato_scan_now()
            self.assertEqual(download.call_count, 2)
        self.assertEqual(scan.attached, 1)
        self.assertEqual(len(first.gelato_line_file_ids), 1)
        self.assertEqual(first.gelato_line_file_ids.dpi, 200)
        self.assertEqual(order.gelato_state, "pending_artwork")

    def test_a_corrupt_file_is_rejected_and_the_line_waits_for_a_corrected_one(self):
        order = self.confirmed(self.art_mug)
        key = "%s_1.png" % order.name
        self.put(self.storage, key, b"\x89PNG\r\n\x1a\n but not really a picture")
        with self.downloads() as download:
            scan = self.storage._gelato_scan_now()
            self.assertEqual((scan.matched, scan.rejected, scan.attached), (1, 1, 0))
            (file,) = scan.file_ids
            self.assertEqual(file.state, "rejected")
            self.assertIn("cannot be used", file.reason)
            self.assertEqual(order.gelato_state, "pending_artwork")
            self.assertIn(key, order.message_ids[0].body)
            self.assertIn("rejected", order.message_ids[0].body)
            summary = "Gelato: artwork file rejected"
            activity = order.activity_ids.filtered(lambda a: a.summary == summary)
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.user_id, order.user_id)
            self.assertIn(key, activity.note)
            # The same bad file is not downloaded (nor reported) again.
            self.storage._gelato_scan_now()
            self.assertEqual(download.call_count, 1)
        self.assertEqual(len(order.activity_ids.filtered(lambda a: a.summary == summary)), 1)
        # The corrected file is attached and the order goes on; the activity is done.
        self.put(self.storage, key, self.artwork_png(self.art_mug))
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.attached, 1)
        self.assertEqual(order.gelato_state, "queued")
        self.assertFalse(order.activity_ids.filtered(lambda a: a.summary == summary))

    def test_a_file_over_the_size_limit_is_rejected_without_download(self):
        order = self.confirmed(self.art_mug)
        self.env["ir.config_parameter"].set_param("gelato_connector_storage.max_file_mb", "0.01")
        self.put(self.storage, "%s_1.pdf" % order.name, b"%PDF-1.4" + b"0" * 20000)
        with self.downloads() as download:
            scan = self.storage._gelato_scan_now()
        self.assertEqual(download.call_count, 0)
        self.assertEqual(scan.rejected, 1)
        self.assertIn("larger than", scan.file_ids.reason)
        self.assertEqual(order.gelato_state, "pending_artwork")

    def test_pattern_with_constants_and_print_areas(self):
        self.storage.filename_pattern = "shop-{order_number}-{order_item_number}-{print_area}"
        order = self.confirmed(self.art_tshirt)
        line = self.gelato_lines(order)
        self.assertEqual(
            line.gelato_artwork_name, "shop-%s-1-default, shop-%s-1-back" % (order.name, order.name)
        )
        self.put(
            self.storage,
            "shop-%s-1-default.png" % order.name,
            self.artwork_png(self.art_tshirt, "default"),
        )
        self.put(
            self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_tshirt, "default")
        )
        scan = self.storage._gelato_scan_now()
        self.assertEqual((scan.attached, scan.unmatched), (1, 1))
        self.assertEqual(order.gelato_state, "pending_artwork", "the back is still missing")
        self.put(
            self.storage,
            "shop-%s-1-back.PDF" % order.name,
            b"%PDF-1.4 an older, broken export",
        )
        time.sleep(1.1)  # S3's LastModified has a resolution of a second
        self.put(
            self.storage,
            "shop-%s-1-back.png" % order.name,
            self.artwork_png(self.art_tshirt, "back"),
        )
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.duplicates, 1, "two files for one area: the newest is used")
        self.assertEqual(order.gelato_state, "queued")
        self.assertEqual(
            sorted(line.gelato_line_file_ids.mapped("print_area")), ["back", "default"]
        )

    def test_a_product_keeps_its_file_on_areas_not_from_storage(self):
        tshirt = self.art_tshirt.product_tmpl_id
        back = tshirt.gelato_placement_ids.filtered(lambda p: p.print_area == "back")
        back.gelato_from_storage = False
        self.env["gelato.print.file"].create(
            {
                "placement_id": back.id,
                "datas": base64.b64encode(self.artwork_png(self.art_tshirt, "back")),
                "filename": "back.png",
            }
        )
        self.assertEqual(tshirt.gelato_storage_print_areas, "Front")
        order = self.confirmed(self.art_tshirt)
        line = self.gelato_lines(order)
        self.assertEqual(line.gelato_artwork_name, "%s_1" % order.name)
        self.put(
            self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_tshirt, "default")
        )
        self.storage._gelato_scan_now()
        self.assertEqual(order.gelato_state, "queued")
        files = {f["type"]: f["url"] for f in line._gelato_prepare_files_payload()}
        self.assertTrue(files["default"].endswith("/%s_1.png" % order.name))
        self.assertTrue(files["back"].endswith("/back.png"))

    def test_orders_not_waiting_and_other_companies_are_ignored(self):
        quotation = self._gelato_quotation(self.art_mug)
        other_company = self.env["res.company"].create({"name": "Other storage company"})
        # An order of another company waiting for artwork (its own connection would match it).
        other = self._gelato_quotation(
            self.art_mug, env=self.env(context={"allowed_company_ids": other_company.ids})
        )
        self.assertEqual(other.company_id, other_company)
        other.gelato_state = "pending_artwork"
        self.put(self.storage, "%s_1.png" % quotation.name, self.artwork_png(self.art_mug))
        self.put(self.storage, "%s_1.png" % other.name, self.artwork_png(self.art_mug))
        scan = self.storage._gelato_scan_now()
        self.assertEqual((scan.listed, scan.matched, scan.unmatched), (2, 0, 2))
        self.assertFalse(quotation.order_line.gelato_line_file_ids)
        self.assertFalse(other.order_line.gelato_line_file_ids)
        self.assertEqual(other.gelato_state, "pending_artwork")

    def test_orders_pending_approval_only_with_match_pending_approval(self):
        self.env.company.gelato_approval_mode = "manual"
        order = self.confirmed(self.art_mug)
        self.assertEqual(order.gelato_state, "pending_artwork", "artwork comes before approval")
        self.put(self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_mug))
        self.storage._gelato_scan_now()
        self.assertEqual(order.gelato_state, "pending_approval", "approval is still the user's")
        # An order already pending approval whose line lacks its file (its product took
        # its artwork from storage after the order reached approval).
        waiting = self.confirmed(self.art_mug)
        waiting.gelato_state = "pending_approval"
        self.put(self.storage, "%s_1.png" % waiting.name, self.artwork_png(self.art_mug))
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.unmatched, 2)
        self.assertFalse(waiting.order_line.gelato_line_file_ids)
        self.storage.match_pending_approval = True
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.attached, 1)
        self.assertEqual(waiting.gelato_state, "queued")
        self.assertIn(
            "Approved for Gelato by the artwork scan", " ".join(waiting.message_ids.mapped("body"))
        )
        self.assertEqual(order.gelato_state, "pending_approval", "nothing new matched for it")

    def test_salespeople_confirm_and_see_the_names_without_seeing_connections(self):
        self.storage.filename_pattern = "art-{order_number}-{order_item_number}"
        seller = new_test_user(
            self.env, "storage-seller", groups="sales_team.group_sale_salesman_all_leads"
        )
        order = self._gelato_quotation(self.art_mug, env=self.env(user=seller))
        order.action_confirm()
        self.assertEqual(order.gelato_state, "pending_artwork")
        line = order.order_line
        self.assertEqual(line.gelato_artwork_name, "art-%s-1" % order.name)
        self.assertEqual(
            line.search([("gelato_artwork_waiting", "=", True), ("order_id", "=", order.id)]),
            line,
        )
        with self.assertRaises(AccessError):
            self.storage.with_user(seller).read(["name"])

    # === Failures === #

    def test_storage_down_is_reported_once_and_no_order_changes(self):
        order = self.confirmed(self.art_mug)
        self.put(self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_mug))
        endpoint = self.storage.endpoint_url
        self.storage.endpoint_url = "http://127.0.0.1:%s" % free_port()
        for _run in range(2):
            scan = self.storage._gelato_scan_now()
            self.assertEqual(scan.state, "failed")
            self.assertIn("cannot be reached", scan.error)
        self.assertEqual(order.gelato_state, "pending_artwork")
        self.assertTrue(self.storage.outage_since)
        activities = self.storage.activity_ids
        self.assertEqual(len(activities), 1, "one activity per outage, not one per run")
        self.assertIn("cannot be reached", activities.note)
        self.storage.endpoint_url = endpoint
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.state, "done")
        self.assertFalse(self.storage.outage_since)
        self.assertFalse(self.storage.activity_ids)
        self.assertEqual(order.gelato_state, "queued")

    def test_wrong_credentials_and_missing_bucket_fail_the_scan(self):
        order = self.confirmed(self.art_mug)
        self.storage.secret_key = "revoked"
        scan = self.storage._gelato_scan_now()
        self.assertEqual(scan.state, "failed")
        self.assertIn("refused the access key", scan.error)
        self.assertNotIn(self.s3.secret_key, scan.error)
        self.storage.write({"secret_key": self.s3.secret_key, "bucket": "gone-bucket"})
        scan = self.storage._gelato_scan_now()
        self.assertIn("does not exist", scan.error)
        self.assertEqual(order.gelato_state, "pending_artwork")
        self.assertEqual(len(self.storage.activity_ids), 1)

    def test_two_scans_of_one_connection_never_run_at_once(self):
        key = self.storage._gelato_lock_key()
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (key, self.storage.id))
            try:
                with self.assertRaisesRegex(UserError, "being scanned right now"):
                    self.storage.action_scan_now()
                self.env["gelato.storage"]._cron_gelato_scan_storages()
                self.assertFalse(self.storage.scan_ids, "the cron leaves it to the running scan")
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", (key, self.storage.id))
        self.env["gelato.storage"]._cron_gelato_scan_storages()
        self.assertEqual(len(self.storage.scan_ids), 1)

    # === The scheduled action === #

    def test_cron_lists_once_then_works_in_batches(self):
        orders = [self.confirmed(self.art_mug) for _index in range(3)]
        for order in orders:
            self.put(self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_mug))
        Storage = self.env["gelato.storage"]
        with patch.object(
            clients.S3Storage,
            "iter_objects",
            autospec=True,
            side_effect=clients.S3Storage.iter_objects,
        ) as listing:
            batch = Storage._cron_gelato_scan_storages(batch_size=1)
            self.assertEqual(len(batch), 1)
            self.assertEqual(self.storage.last_scan_id.state, "running")
            # The cron runner calls again while the progress API reports files remaining.
            calls = 1
            while self.env["gelato.storage.file"]._gelato_count_pending():
                Storage._cron_gelato_scan_storages(batch_size=1)
                calls += 1
        self.assertEqual(calls, 3)
        self.assertEqual(listing.call_count, 1, "one listing pass per run")
        self.assertEqual([o.gelato_state for o in orders], ["queued"] * 3)
        scan = self.storage.last_scan_id
        self.assertEqual((scan.state, scan.attached), ("done", 3))
        self.assertEqual(len(self.storage.scan_ids), 1)

    def test_scan_now_leaves_long_runs_to_the_scheduled_action(self):
        orders = [self.confirmed(self.art_mug) for _index in range(3)]
        for order in orders:
            self.put(self.storage, "%s_1.png" % order.name, self.artwork_png(self.art_mug))
        self.env["ir.config_parameter"].set_param("gelato_connector_storage.scan_batch_size", "1")
        cron = self.env.ref("gelato_connector_storage.ir_cron_gelato_scan_storages")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with patch.object(const, "SCAN_NOW_MAX_BATCHES", 2):
            action = self.storage.action_scan_now()
        self.assertIn("background", action["params"]["message"])
        self.assertEqual([o.gelato_state for o in orders].count("queued"), 2)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1
        )
        self.env["gelato.storage"]._cron_gelato_scan_storages()
        self.assertEqual([o.gelato_state for o in orders], ["queued"] * 3)
        self.assertEqual(self.storage.last_scan_id.state, "done")

    # === A public web address === #

    def test_http_location_probes_each_expected_name(self):
        server = ArtworkHTTPServer()
        self.addCleanup(server.stop)
        storage = self.env["gelato.storage"].create(
            {"name": "Web folder", "kind": "http", "base_url": server.url}
        )
        order = self.confirmed([self.art_mug, self.art_mug])
        server.files["%s_1.PNG" % order.name] = self.artwork_png(self.art_mug)
        scan = storage._gelato_scan_now()
        self.assertEqual((scan.matched, scan.attached), (1, 1))
        gets = [path for method, path in server.requests if method == "GET"]
        self.assertEqual(gets, ["/art/%s_1.PNG" % order.name])
        heads = [path for method, path in server.requests if method == "HEAD"]
        self.assertIn("/art/%s_2.pdf" % order.name, heads)
        self.assertEqual(order.gelato_state, "pending_artwork")
        server.requests.clear()
        storage._gelato_scan_now()
        self.assertFalse([m for m, _p in server.requests if m == "GET"], "nothing new: no GET")
        server.files["%s_2.jpeg" % order.name] = make_jpeg(2362, 1004)
        storage._gelato_scan_now()
        self.assertEqual(order.gelato_state, "queued")
