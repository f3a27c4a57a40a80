import json

from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin

from .common import MotoMixin, StorageOrderMixin


@tagged("post_install", "-at_install")
class TestStorageSend(MotoMixin, StorageOrderMixin, GelatoSendMixin, GelatoHttpCase):
    """From the bucket to Gelato: the order the scan completes is sent to the sandbox with the
    stored file's signed URL, which the sandbox downloads from Odoo; and the same in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._storage_setup_orders(cls.env)

    def test_complete_artwork_goes_to_gelato_with_the_line_file(self):
        storage = self.new_storage()
        order = self.confirmed(self.art_mug, carrier=self.standard)
        self.assertEqual(order.gelato_state, "pending_artwork")
        self.run_send_job()
        self.assertFalse(self._sandbox_orders(order.name), "nothing is sent without artwork")
        artwork = self.artwork_png(self.art_mug)
        self.put(storage, "%s_1.png" % order.name, artwork)
        storage.action_scan_now()
        self.assertEqual(order.gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertOneGelatoOrder(order)
        (remote,) = self._sandbox_orders(order.name)
        (item,) = remote["items"]
        (file,) = item["files"]
        line = self.gelato_lines(order)
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "gelato.line.print.file"),
                ("res_id", "=", line.gelato_line_file_ids.id),
                ("res_field", "=", "datas"),
            ]
        )
        self.assertIn("/gelato/print-file/%d/%d/" % (attachment.id, line.id), file["url"])
        self.assertTrue(file["url"].startswith(self.base_url()))
        (download,) = [
            d for d in self.sandbox.admin("downloads")["downloads"] if d["url"] == file["url"]
        ]
        self.assertEqual((download["status"], download["type"]), (200, "png"))
        self.assertEqual(download["bytes"], len(artwork), "Gelato got the file from the bucket")

    def test_tour_configure_test_scan(self):
        order = self.confirmed(self.art_mug)
        bucket = self.s3.new_bucket()
        self.s3.client().put_object(
            Bucket=bucket, Key="%s_1.png" % order.name, Body=self.artwork_png(self.art_mug)
        )
        self.env["ir.config_parameter"].set_param(
            "gelato_connector_storage.tour_config",
            json.dumps(
                {
                    "endpoint_url": self.s3.endpoint_url,
                    "bucket": bucket,
                    "access_key": self.s3.access_key,
                    "secret_key": self.s3.secret_key,
                    "order_url": "/odoo/action-sale.action_orders/%s" % order.id,
                }
            ),
        )
        self.start_tour(
            "/odoo/action-gelato_connector_storage.gelato_storage_action/new",
            "gelato_storage_tour",
            login="admin",
        )
        storage = self.env["gelato.storage"].search([("bucket", "=", bucket)])
        self.assertEqual(storage.name, "Designer's bucket")
        self.assertEqual(storage.last_scan_id.attached, 1)
        self.assertEqual(order.gelato_state, "queued")
