import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.gelato_connector_dam.lib import bynder, checkout, sync, webdam


@tagged("post_install", "-at_install")
class TestDamLib(BaseCase):
    """The pure parts: what the DAMs' answers mean (shapes the docs leave open included)."""

    def test_webdam_dates_prefer_the_unix_timestamp(self):
        item = webdam.parse_item(
            {"id": "7", "filename": "a.jpg", "datemodified": "2013-07-10 14:30:25"}
        )
        self.assertEqual(item["modified"], datetime.datetime(2013, 7, 10, 14, 30, 25))
        item = webdam.parse_item(
            {"id": "7", "datemodified": "2013-07-10 14:30:25", "date_modified_unix": "0"}
        )
        self.assertEqual(item["modified"], datetime.datetime(1970, 1, 1))
        self.assertIsNone(webdam.parse_item({"id": "7", "datemodified": "yesterday"}))
        self.assertIsNone(webdam.parse_item({"type": "folder", "id": "1"}))

    def test_webdam_keywords_in_both_shapes(self):
        self.assertEqual(
            webdam.keywords_of({"keyword": "Salesdemo, Brand"}), ["Salesdemo", "Brand"]
        )
        self.assertEqual(
            webdam.keywords_of({"active_fields": [{"field": "KEYWORD", "value": "Salesdemo"}]}),
            ["Salesdemo"],
        )
        batch = [{"id": "1"}, {"id": "2"}]
        listed = [{"id": "1", "keyword": "a"}, {"assetid": "2", "keyword": "b"}]
        self.assertEqual(set(webdam._xmp_by_id(listed, batch)), {"1", "2"})
        keyed = {"1": {"keyword": "a"}, "2": {"keyword": "b"}}
        self.assertEqual(set(webdam._xmp_by_id(keyed, batch)), {"1", "2"})
        self.assertEqual(webdam._xmp_by_id({"keyword": "a"}, batch[:1]), {"1": {"keyword": "a"}})

    def test_bynder_domain_and_dates(self):
        self.assertEqual(bynder.bynder_domain("https://acme.getbynder.com/"), "acme.getbynder.com")
        self.assertEqual(bynder.bynder_domain("acme.getbynder.com"), "acme.getbynder.com")
        self.assertEqual(
            bynder.parse_date("2023-10-10T09:52:05Z"), datetime.datetime(2023, 10, 10, 9, 52, 5)
        )
        media = {"id": "X", "name": "Poster", "extension": ["tif"], "dateModified": "nope"}
        self.assertIsNone(bynder.normalise(media))

    def test_plan_drops_overlap_duplicates_and_orders_by_date(self):
        day = datetime.datetime(2026, 1, 1)
        items = [
            {"id": "b", "name": "B", "modified": day, "fingerprint": "1"},
            {
                "id": "a",
                "name": "A",
                "modified": day - datetime.timedelta(hours=1),
                "fingerprint": "1",
            },
            {"id": "b", "name": "B", "modified": day, "fingerprint": "1"},
            {"id": "c", "name": "C2", "modified": day, "fingerprint": "1"},
            {"id": "d", "name": "D", "modified": day, "fingerprint": "1"},
        ]
        known = {"c": ("C", day, "1", "to_configure"), "d": ("D", day, "1", "ready")}
        download, rename, unchanged = sync.plan(items, known)
        self.assertEqual([i["id"] for i in download], ["a", "b"])
        self.assertEqual([i["id"] for i in rename], ["c"])
        self.assertEqual([i["id"] for i in unchanged], ["d"])

    def test_checkout_signature_covers_the_file_and_its_product(self):
        signature = checkout.sign_checkout("key", 5, 9)
        self.assertTrue(checkout.verify_checkout("key", 5, 9, signature))
        self.assertFalse(checkout.verify_checkout("key", 6, 9, signature))
        self.assertFalse(checkout.verify_checkout("key", 5, 10, signature))
        self.assertFalse(checkout.verify_checkout("other", 5, 9, signature))
