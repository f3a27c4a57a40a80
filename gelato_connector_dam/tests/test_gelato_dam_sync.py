import base64
import json
import time
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector_dam.lib import const

from .common import TAG, DamServersMixin, dam_fake, poster_png, small_jpeg


def stored_png(color):
    """A PNG whose size does not depend on its colour (not compressed)."""
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (200, 200), color).save(output, "PNG", compress_level=0)
    return output.getvalue()


class DamSyncCases(DamServersMixin):
    """The same behaviour for both DAMs (``kind`` set by the subclasses)."""

    kind = None

    def _seed(self, dam):
        server = self.server(dam)
        server.put_asset("A1", poster_png(), name="Summer poster", tags=[TAG])
        server.put_asset("A2", small_jpeg(), name="Logo", ext="jpg", tags=[TAG, "Brand"])
        server.put_asset("A3", small_jpeg(), name="Not for print", ext="jpg", tags=["Brand"])
        return server

    def test_first_sync_imports_tagged_files(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        dam.action_sync_now()
        assets = self.assets(dam)
        self.assertEqual(sorted(assets.mapped("external_id")), ["A1", "A2"])
        poster = self.asset(dam, "A1")
        self.assertEqual(poster.name, "Summer poster")
        self.assertEqual(poster.state, "to_configure")
        self.assertEqual(poster.dam_kind, self.kind)
        self.assertEqual(base64.b64decode(poster.file_data), poster_png())
        self.assertIn(poster.check_state, ("ok", "warning"))
        self.assertTrue(poster.thumbnail, "the DAM's thumbnail is shown on the card")
        self.assertEqual(poster.file_type, "png")
        self.assertIn("Not configured yet", poster.not_orderable_reason)
        log = dam._gelato_dam_last_log()
        self.assertEqual((log.state, log.imported, log.failed), ("done", 2, 0))
        self.assertEqual(dam.sync_state, "ok")
        self.assertTrue(dam.last_sync)
        self.assertEqual(server.counters()["download"], 2)

    def test_listings_are_read_page_by_page(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        for index in range(4):
            server.put_asset(
                "P%d" % index, small_jpeg(), name="Page %d" % index, ext="jpg", tags=[TAG]
            )
        with (
            patch.object(const, "BYNDER_PAGE_LIMIT", 2),
            patch.object(const, "WEBDAM_PAGE_LIMIT", 2),
        ):
            dam.action_sync_now()
        self.assertEqual(len(self.assets(dam)), 6)
        self.assertGreaterEqual(server.counters()["listing"], 4, "several pages")

    def test_incremental_sync_without_changes_downloads_nothing(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        dam.action_sync_now()
        before = server.counters()
        log = dam._gelato_dam_sync()
        after = server.counters()
        self.assertFalse(log.full)
        self.assertEqual((log.imported, log.updated, log.archived), (0, 0, 0))
        self.assertEqual(after.get("download"), before.get("download"), "no download")
        self.assertLessEqual(log.api_calls, 3, "a handful of calls")

    def test_incremental_sync_imports_new_and_changed_files_only(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        dam.action_sync_now()
        server.put_asset("A1", poster_png(color=(0, 150, 0)), name="Summer poster", tags=[TAG])
        server.put_asset("A4", small_jpeg(), name="New flyer", ext="jpg", tags=[TAG])
        downloads = server.counters()["download"]
        log = dam._gelato_dam_sync()
        self.assertEqual((log.imported, log.updated), (1, 1))
        self.assertEqual(server.counters()["download"], downloads + 2)
        self.assertEqual(
            base64.b64decode(self.asset(dam, "A1").file_data), poster_png(color=(0, 150, 0))
        )
        self.assertTrue(self.asset(dam, "A4"))

    def test_a_new_file_of_the_same_size_is_imported(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        dam.action_sync_now()
        red, blue = stored_png((200, 0, 0)), stored_png((0, 0, 200))
        self.assertEqual(len(red), len(blue))
        server.put_asset("A1", red, name="Summer poster", tags=[TAG])
        dam._gelato_dam_sync()
        server.put_asset("A1", blue, name="Summer poster", tags=[TAG])
        dam._gelato_dam_sync()
        self.assertEqual(base64.b64decode(self.asset(dam, "A1").file_data), blue)

    def test_tag_removed_or_deleted_archives_never_deletes(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        dam.action_sync_now()
        server.hook("assets/A1/untag", {"tag": TAG})
        server.hook("assets/A2/delete")
        dam.action_sync_now()
        a1, a2 = self.asset(dam, "A1"), self.asset(dam, "A2")
        self.assertEqual((a1.state, a2.state), ("archived", "archived"))
        self.assertTrue(a1.file_data, "the file is kept")
        self.assertIn("no longer carries the tag", a1.not_orderable_reason)
        self.assertEqual(dam._gelato_dam_last_log().archived, 2)
        # Tagged again: back, without being configured again.
        server.put_asset("A1", poster_png(), name="Summer poster", tags=[TAG])
        dam._gelato_dam_sync()
        self.assertEqual(self.asset(dam, "A1").state, "to_configure")

    def test_corrupt_file_imported_with_reason_and_not_configurable(self):
        dam = self.make_dam(self.kind)
        server = self.server(dam)
        server.put_asset("BAD", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, name="Broken", tags=[TAG])
        dam.action_sync_now()
        asset = self.asset(dam, "BAD")
        self.assertEqual(asset.check_state, "error")
        self.assertTrue(asset.check_message)
        self.assertIn("cannot be printed", asset.not_orderable_reason)
        log = dam._gelato_dam_last_log()
        self.assertEqual((log.state, log.failed), ("done", 1))
        self.assertIn("Broken", log.details)
        with self.assertRaises(UserError):
            asset.action_configure()
        # Fixed in the DAM: the next run takes the new file.
        server.put_asset("BAD", poster_png(), name="Broken", tags=[TAG])
        dam._gelato_dam_sync()
        self.assertIn(asset.check_state, ("ok", "warning"))

    def test_a_file_over_the_size_limit_is_not_stored(self):
        dam = self.make_dam(self.kind)
        self._seed(dam)
        with patch.object(const, "DOWNLOAD_MAX_BYTES", 1000):
            dam.action_sync_now()
        poster, logo = self.asset(dam, "A1"), self.asset(dam, "A2")
        self.assertEqual(poster.check_state, "error")
        self.assertFalse(poster.file_data)
        self.assertIn("larger than", poster.check_message)
        self.assertIn(logo.check_state, ("ok", "warning"), "a small file is imported")
        self.assertEqual(dam._gelato_dam_last_log().failed, 1)

    def test_a_long_run_stops_on_time_and_the_cron_continues_it(self):
        dam = self.make_dam(self.kind)
        self._seed(dam)
        with patch.object(const, "SYNC_BATCH_SIZE", 1):
            log = dam._gelato_dam_sync(full=True, time_budget=1e-9)
            self.assertEqual((log.state, log.imported, log.remaining), ("done", 1, 1))
            self.env["gelato.dam"]._cron_gelato_dam_sync()
        self.assertEqual(len(self.assets(dam)), 2)
        self.assertEqual(dam._gelato_dam_last_log().remaining, 0)

    def test_429_with_retry_after_is_waited_for(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        server.hook("faults", {"status": 429, "count": 1, "endpoint": "download", "retry_after": 1})
        started = time.monotonic()
        dam.action_sync_now()
        self.assertGreaterEqual(time.monotonic() - started, 1.0, "Retry-After obeyed")
        self.assertEqual(server.counters()["fault:download"], 1)
        self.assertEqual(len(self.assets(dam)), 2)
        self.assertEqual(dam._gelato_dam_last_log().state, "done")

    def test_failed_run_resumes_where_it_stopped(self):
        dam = self.make_dam(self.kind)
        server = self._seed(dam)
        # The second download keeps failing past the retries: the run stops after batch one.
        server.hook(
            "faults",
            {
                "status": 503,
                "count": const.MAX_RETRIES + 1,
                "endpoint": "download",
                "after": 1,
                "retry_after": 0,
            },
        )
        with patch.object(const, "SYNC_BATCH_SIZE", 1):
            dam.action_sync_now()
            log = dam._gelato_dam_last_log()
            self.assertEqual(log.state, "failed")
            self.assertEqual((log.imported, log.remaining), (1, 1))
            self.assertEqual(dam.sync_state, "failed")
            self.assertIn("tried again", dam.last_error)
            self.assertTrue(dam.activity_ids, "the responsible person is told")
            self.assertEqual(len(self.assets(dam)), 1)
            downloads = server.counters()["download"]
            log = dam._gelato_dam_sync()
        self.assertEqual((log.state, log.imported), ("done", 1))
        self.assertEqual(len(self.assets(dam)), 2)
        self.assertEqual(
            server.counters()["download"], downloads + 1, "the first file is not downloaded again"
        )
        self.assertEqual(dam.sync_state, "ok")

    def test_dam_down_is_reported_and_loses_nothing(self):
        dam = self.make_dam(self.kind)
        self._seed(dam)
        dam.action_sync_now()
        dam.base_url = "http://127.0.0.1:9" if self.kind == "webdam" else "https://127.0.0.1:9"
        dam._gelato_dam_sync()
        self.assertEqual(dam.sync_state, "failed")
        self.assertIn("could not be reached", dam.last_error)
        self.assertEqual(len(self.assets(dam)), 2)
        self.assertTrue(all(a.state == "to_configure" for a in self.assets(dam)))

    def test_changing_the_tag_lists_everything_again(self):
        dam = self.make_dam(self.kind)
        self._seed(dam)
        dam.action_sync_now()
        dam.tag = "Brand"
        dam._gelato_dam_sync()
        states = {a.external_id: a.state for a in self.assets(dam)}
        self.assertEqual(states, {"A1": "archived", "A2": "to_configure", "A3": "to_configure"})

    def test_the_cron_synchronises_the_sources_that_are_due(self):
        due = self.make_dam(self.kind)
        recent = self.make_dam(self.kind, name="Recent")
        self._seed(due)
        recent.action_sync_now()
        self.server(due).put_asset("A9", small_jpeg(), name="Later", ext="jpg", tags=[TAG])
        self.env["gelato.dam"]._cron_gelato_dam_sync()
        self.assertEqual(len(self.assets(due)), 3, "never synchronised: due")
        self.assertEqual(len(self.assets(recent)), 2, "synchronised a moment ago: not due")

    def test_wrong_credentials_say_so(self):
        if self.kind == "bynder":
            dam = self.make_dam(self.kind, bynder_permanent_token="wrong")
        else:
            dam = self.make_dam(self.kind, webdam_password="wrong")
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            dam.action_test_connection()

    def test_test_connection(self):
        dam = self.make_dam(self.kind)
        action = dam.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")


@tagged("post_install", "-at_install")
class TestBynderSync(DamSyncCases, TransactionCase):
    kind = "bynder"

    def test_expired_client_credentials_token_is_fetched_again(self):
        dam = self.make_dam(
            "bynder",
            bynder_auth="client_credentials",
            client_id=dam_fake.CLIENT_ID,
            client_secret=dam_fake.CLIENT_SECRET,
        )
        self._seed(dam)
        dam.action_sync_now()
        token = json.loads(dam.sudo().token_data)
        self.assertTrue(token["access_token"])
        self.assertEqual(len(self.assets(dam)), 2)
        self.bynder.hook("expire_tokens")
        self.bynder.put_asset("A5", poster_png(), name="After expiry", tags=[TAG])
        log = dam._gelato_dam_sync()
        self.assertEqual((log.state, log.imported), ("done", 1))
        self.assertEqual(self.bynder.counters()["token"], 2)
        self.assertNotEqual(
            json.loads(dam.sudo().token_data)["access_token"], token["access_token"]
        )

    def test_wrong_client_secret_says_so(self):
        dam = self.make_dam(
            "bynder",
            bynder_auth="client_credentials",
            client_id=dam_fake.CLIENT_ID,
            client_secret="nope",
        )
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            dam.action_test_connection()

    def test_bynder_is_verified_over_tls(self):
        """Without the test CA, the TLS certificate is refused (verification is never off)."""
        dam = self.make_dam("bynder")
        with (
            patch.dict("os.environ", {"REQUESTS_CA_BUNDLE": ""}),
            self.assertRaisesRegex(UserError, "certificate .* could not be verified"),
        ):
            dam.action_test_connection()


@tagged("post_install", "-at_install")
class TestWebdamSync(DamSyncCases, TransactionCase):
    kind = "webdam"

    def test_search_matching_a_file_name_is_not_a_tag(self):
        dam = self.make_dam("webdam")
        self.webdam.put_asset("N1", small_jpeg(), name="%s-cover" % TAG, ext="jpg", tags=["x"])
        dam.action_sync_now()
        self.assertFalse(self.assets(dam), "the keyword, not the name, marks files for print")

    def test_expired_token_is_refreshed(self):
        dam = self.make_dam("webdam")
        self._seed(dam)
        dam.action_sync_now()
        self.webdam.hook("expire_tokens")
        self.webdam.put_asset("A5", poster_png(), name="After expiry", tags=[TAG])
        log = dam._gelato_dam_sync()
        self.assertEqual((log.state, log.imported), ("done", 1))
        counters = self.webdam.counters()
        self.assertEqual(counters["token"], 2, "one password grant, one refresh")
        self.assertTrue(json.loads(dam.sudo().token_data)["refresh_token"])

    def test_refresh_token_refused_is_reported(self):
        dam = self.make_dam(
            "webdam", webdam_username=False, webdam_password=False, webdam_refresh_token="stale"
        )
        dam._gelato_dam_sync()
        self.assertEqual(dam.sync_state, "failed")
        self.assertIn("refused to refresh", dam.last_error)
