"""The customer's page over HTTP: links that no longer open, uploads that cannot be printed,
completion twice at once, and the rendered file reaching the sandbox."""

import base64
import io
import time
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from PIL import Image

from odoo import fields
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin

from ..controllers import portal
from ..lib import const
from .common import GelatoPersonalizationMixin, read_image


@tagged("post_install", "-at_install")
class TestPersonalizationPortal(GelatoSendMixin, GelatoPersonalizationMixin, GelatoHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_personalization(cls.env)
        cls.company.gelato_approval_mode = "automatic"

    def setUp(self):
        super().setUp()
        self.company.gelato_public_base_url = self.base_url()
        self.order = self._gelato_quotation(self.card, carrier=self.standard)
        self.order.action_confirm()
        self.personalization = self.order.gelato_personalization_ids
        self.url = "/gelato/personalize/%s" % self.personalization.access_token

    def _upload(self, raw, filename="photo.jpg", box=None):
        response = self.url_open(
            self.url + "/upload",
            data={"box_id": str((box or self.image_box).id)},
            files={"image": (filename, raw)},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _assert_nothing_of_the_order(self, body):
        for secret in (self.order.name, self.customer.name, self.card.name, self.customer.email):
            self.assertNotIn(secret, body)

    # === Pages === #

    def test_the_link_opens_the_editor_of_that_line(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Complete personalisation", response.text)
        self.assertIn(self.card.display_name, response.text)
        self.assertIn('data-max="60"', response.text)
        self.assertIn("Happy Birthday!", response.text, "the default texts are filled in")
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_unknown_and_altered_tokens_get_a_404(self):
        token = self.personalization.access_token
        altered = token[:-2] + ("xy" if token[-2:] != "xy" else "zz")
        for url in ("/gelato/personalize/nope", "/gelato/personalize/%s" % altered):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        result = self.make_jsonrpc_request(self.url + "/preview", {"texts": {}})
        self.assertIn("areas", result)
        response = self.url_open(
            "/gelato/personalize/%s/complete" % altered,
            data=b'{"jsonrpc": "2.0", "params": {}}',
            headers={"Content-Type": "application/json"},
        )
        # JSON-RPC answers over HTTP 200 with the error inside.
        self.assertEqual(response.json()["error"]["code"], 404)

    def test_an_expired_link_says_so_and_shows_nothing_of_the_order(self):
        old_url = self.url
        self.personalization.action_gelato_reissue_link()
        response = self.url_open(old_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("This link has expired", response.text)
        self._assert_nothing_of_the_order(response.text)
        result = self.make_jsonrpc_request(old_url + "/complete", {"texts": {}})
        self.assertEqual(result["closed"], "expired")
        self.assertEqual(self.personalization.state, "pending")
        # The current link after its 7 days: expired too.
        with freeze_time(self.personalization.expiry_date + timedelta(seconds=5)):
            current = "/gelato/personalize/%s" % self.personalization.access_token
            self.assertIn("This link has expired", self.url_open(current).text)

    def test_a_completed_link_says_it_is_already_personalised(self):
        self.personalization._gelato_complete({})
        response = self.url_open(self.url)
        self.assertIn("already personalised", response.text)
        self._assert_nothing_of_the_order(response.text)
        self.assertEqual(
            self.make_jsonrpc_request(self.url + "/complete", {"texts": {}}),
            {"done": True, "already": True},
        )

    def test_a_cancelled_orders_link_is_no_longer_valid(self):
        self.order._action_cancel()
        response = self.url_open(self.url)
        self.assertIn("no longer valid", response.text)
        self._assert_nothing_of_the_order(response.text)

    # === Uploads === #

    def test_a_good_photo_is_kept_and_shown_in_the_preview(self):
        self.assertEqual(self._upload(self._photo(1600, 1200, color=(20, 160, 60))), {"ok": True})
        self.assertEqual(len(self.personalization.upload_ids), 1)
        result = self.make_jsonrpc_request(self.url + "/preview", {"texts": {}})
        self.assertEqual(result["errors"], {})
        self.assertEqual([a["name"] for a in result["areas"]], ["Front", "Back"])
        front = read_image(base64.b64decode(result["areas"][0]["image"].split(",", 1)[1]))
        self.assertEqual(front.size, (420, 300), "the area at 60 dpi")
        red, green, blue = front.convert("RGB").getpixel((30, 30))
        self.assertTrue(green > 120 and red < 80, (red, green, blue))
        # A second photo replaces the first.
        self.assertEqual(self._upload(self._photo(1600, 1200, kind="png")), {"ok": True})
        self.assertEqual(len(self.personalization.upload_ids), 1)

    def test_previews_are_limited_per_link(self):
        """Each preview starts the renderer: one link cannot make the server render without
        end (the page is told to wait; the limit is per minute)."""
        with patch.object(const, "PREVIEW_MAX_PER_MINUTE", 2):
            for _attempt in range(2):
                result = self.make_jsonrpc_request(self.url + "/preview", {"texts": {}})
                self.assertEqual(len(result["areas"]), 2)
            result = self.make_jsonrpc_request(self.url + "/preview", {"texts": {}})
            self.assertIn("Too many previews", result["error"])
            self.assertNotIn("areas", result)
        # A minute later it renders again.
        self.assertTrue(portal._gelato_may_preview(self.personalization.id, time.monotonic() + 61))

    def test_uploads_that_cannot_be_printed_are_refused_and_nothing_is_kept(self):
        self.card_tmpl.gelato_personalization_max_upload_mb = 1
        noisy = Image.effect_noise((1400, 1100), 90).convert("RGB")
        output = io.BytesIO()
        noisy.save(output, "JPEG", quality=98)
        self.assertGreater(len(output.getvalue()), 1024 * 1024)
        bomb = io.BytesIO()
        Image.new("1", (10000, 6000)).save(bomb, "PNG")  # 60 Mpx in a few KB
        huge_bomb = io.BytesIO()
        Image.new("1", (20000, 10000)).save(huge_bomb, "PNG")  # 200 Mpx
        gif = io.BytesIO()
        Image.new("RGB", (1600, 1200)).save(gif, "GIF")
        photo = self._photo()
        cases = [
            (output.getvalue(), "big.jpg", "the limit is 1 MB"),
            (photo[: len(photo) // 2], "cut.jpg", "cannot be printed"),
            (b"\xff\xd8\xff" + b"\x00" * 5000, "junk.jpg", "cannot be printed"),
            (gif.getvalue(), "anim.gif", "Upload a PNG or JPEG"),
            (b"%PDF-1.4 not a photo", "doc.pdf", "Upload a PNG or JPEG"),
            (bomb.getvalue(), "bomb.png", "the limit is 50"),
            (huge_bomb.getvalue(), "bomb2.png", "cannot be printed"),
            (self._photo(300, 200), "small.jpg", "cannot be printed"),
        ]
        for raw, name, message in cases:
            with self.subTest(name=name):
                result = self._upload(raw, name)
                self.assertIn(message, result.get("error", ""))
        self.assertFalse(self.personalization.upload_ids)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "gelato.personalization"),
                    ("res_id", "=", self.personalization.id),
                ]
            )
        )
        # The too-small photo says why and what to do.
        result = self._upload(self._photo(300, 200), "small.jpg")
        self.assertIn("dpi", result["error"])
        self.assertEqual(self.personalization.state, "pending")

    def test_an_image_when_the_product_takes_texts_only_is_refused(self):
        self.card_tmpl.gelato_personalization_upload = False
        self.assertIn("takes no image", self._upload(self._photo())["error"])
        self.assertNotIn("o_gelato_image_input", self.url_open(self.url).text)

    def test_texts_the_printer_cannot_print_are_said_before_completion(self):
        box = str(self.greeting_box.id)
        result = self.make_jsonrpc_request(self.url + "/preview", {"texts": {box: "Ada 日本"}})
        self.assertIn("cannot print", result["errors"][box])
        result = self.make_jsonrpc_request(self.url + "/complete", {"texts": {box: "x" * 70}})
        self.assertIn("at most 60 characters", result["errors"][box])
        self.assertEqual(self.personalization.state, "pending")

    # === Completion === #

    def test_a_second_completion_from_another_tab_renders_nothing(self):
        # Two at once in real concurrent transactions: test_personalization_concurrency (the
        # test server shares one cursor between requests, so here they follow each other).
        box = str(self.greeting_box.id)
        results = [
            self.make_jsonrpc_request(self.url + "/complete", {"texts": {box: text}})
            for text in ("Hi Ada", "Hello from the other tab")
        ]
        self.assertEqual(results, [{"done": True}, {"done": True, "already": True}])
        self.assertEqual(self.personalization.texts[box], "Hi Ada")
        self.assertEqual(self.personalization.state, "done")
        self.assertEqual(len(self.personalization.sale_line_id.gelato_line_file_ids), 2)
        notes = self.order.message_ids.filtered(lambda m: "personalised by the customer" in m.body)
        self.assertEqual(len(notes), 1)
        self.assertEqual(self.order.gelato_state, "queued")

    def test_the_rendered_file_reaches_the_sandbox_through_a_signed_url(self):
        self.assertEqual(self._upload(self._photo(1600, 1200, color=(20, 160, 60))), {"ok": True})
        box = str(self.greeting_box.id)
        self.assertEqual(
            self.make_jsonrpc_request(self.url + "/complete", {"texts": {box: "Hi Ada"}}),
            {"done": True},
        )
        self.assertEqual(self.order.gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(self.order.gelato_state, "sent")
        line = self.personalization.sale_line_id
        files = line.gelato_line_file_ids
        downloads = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(len(downloads), 2, downloads)
        self.assertEqual(
            sorted((d["status"], d["type"], d["bytes"]) for d in downloads),
            sorted((200, "png", len(base64.b64decode(f.datas))) for f in files),
        )
        for download in downloads:
            self.assertIn("/%d/" % line.id, download["url"])
            # Signed: the same URL with another signature is refused.
            parts = download["url"].split("/")
            parts[-2] = parts[-2][:-1] + ("0" if parts[-2][-1] != "0" else "1")
            self.assertEqual(self.url_open("/".join(parts)).status_code, 403)
        front = read_image(
            base64.b64decode(files.filtered(lambda f: f.print_area == "default").datas)
        )
        self.assertEqual(front.size, (2102, 1500))
        red, green, _blue = front.convert("RGB").getpixel((100, 100))
        self.assertTrue(green > 120 and red < 80, "the customer's photo is printed")
        self.assertLess(
            fields.Datetime.now() - self.personalization.completed_date, timedelta(minutes=5)
        )
