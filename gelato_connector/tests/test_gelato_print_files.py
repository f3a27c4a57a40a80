"""Print files on products: upload checks, per-variant overrides, orderability, signed URLs."""

import base64
import time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.gelato_connector.exceptions import GelatoApiError
from odoo.addons.gelato_connector.lib import signing
from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    gelato_template,
    gelato_variant,
    make_jpeg,
    make_pdf,
    make_png,
    pixels,
)

TEE_FRONT = ("ImageFront", "front", 305, 356)
TEE_BACK = ("ImageBack", "back", 305, 356)


class PrintFileFixtures:
    """A two-colour tee: White has a front and a back, Black a front only."""

    @classmethod
    def make_tee(cls, env, name="Tee"):
        product = env["product.template"].create(
            {"name": name, "gelato_template_ref": "tee", "type": "consu"}
        )
        variants = [
            gelato_variant(
                "tee_%s_%s" % (colour, size),
                {"Color": colour, "Size": size},
                [TEE_FRONT, TEE_BACK] if colour == "White" else [TEE_FRONT],
            )
            for colour in ("White", "Black")
            for size in ("S", "M")
        ]
        product._gelato_apply_template_data(gelato_template("tee", variants))
        return product

    @staticmethod
    def variant(product, colour, size):
        return product.product_variant_ids.filtered(
            lambda v: v.gelato_product_uid == "tee_%s_%s" % (colour, size)
        )

    @staticmethod
    def placement(product, area):
        return product.gelato_placement_ids.filtered(lambda p: p.print_area == area)

    def upload(self, product, area, data, filename, variant=None, **vals):
        return self.env["gelato.print.file"].create(
            {
                "placement_id": self.placement(product, area).id,
                "product_id": variant.id if variant else False,
                "datas": base64.b64encode(data),
                "filename": filename,
                **vals,
            }
        )


def good_png():
    return make_png(pixels(305, 300), pixels(356, 300))


@tagged("post_install", "-at_install")
class TestPrintFiles(PrintFileFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tee = cls.make_tee(cls.env)
        cls.white_s = cls.variant(cls.tee, "White", "S")
        cls.black_s = cls.variant(cls.tee, "Black", "S")

    # --- upload checks ----------------------------------------------------------------------

    def test_good_files_of_each_type(self):
        files = {
            "png": (good_png(), "front.png"),
            "jpeg": (make_jpeg(pixels(305, 300), pixels(356, 300)), "front.jpg"),
            "pdf": (make_pdf(305, 356), "front.pdf"),
        }
        for file_type, (data, filename) in files.items():
            with self.subTest(file_type):
                file = self.upload(self.tee, "default", data, filename)
                self.assertEqual(
                    (file.file_type, file.check_state, file.dpi), (file_type, "ok", 300)
                )
                file.unlink()

    def test_a_file_being_uploaded_is_not_shown_ready_before_its_check(self):
        """Until saved (and so checked), a new file says "Not checked yet", not "Ready"."""
        new = self.env["gelato.print.file"].new(
            {"placement_id": self.placement(self.tee, "default").id}
        )
        self.assertEqual(new.check_state, "unchecked")
        labels = dict(self.env["gelato.print.file"]._fields["check_state"].selection)
        self.assertEqual(labels["unchecked"], "Not checked yet")
        low = self.upload(
            self.tee, "default", make_png(pixels(305, 200), pixels(356, 200)), "f.png"
        )
        self.assertEqual(low.check_state, "warning")

    def test_low_resolution_is_kept_with_a_warning(self):
        files = {
            "png": (make_png(pixels(305, 200), pixels(356, 200)), "front.png"),
            "jpeg": (make_jpeg(pixels(305, 180), pixels(356, 180)), "front.jpg"),
            "pdf": (make_pdf(305, 356, image_px=(pixels(305, 200), pixels(356, 200))), "front.pdf"),
        }
        for file_type, (data, filename) in files.items():
            with self.subTest(file_type):
                file = self.upload(self.tee, "default", data, filename)
                self.assertEqual(file.check_state, "warning")
                self.assertLess(file.dpi, 300)
                self.assertIn("300 dpi", file.check_message)
                # A warning does not block orders.
                self.assertNotIn("Front", self.black_s._gelato_get_missing_print_files())
                file.unlink()

    def test_unprintable_files_are_refused(self):
        good = good_png()
        jpeg = make_jpeg(pixels(305, 300), pixels(356, 300))
        pdf = make_pdf(305, 356)
        cases = {
            "png under 150 dpi": (make_png(400, 470), "f.png", "Resolution too low"),
            "jpeg under 150 dpi": (make_jpeg(400, 470), "f.jpg", "Resolution too low"),
            "pdf page far too small": (make_pdf(100, 117), "f.pdf", "far smaller"),
            "pdf image under 150 dpi": (
                make_pdf(305, 356, image_px=(400, 470)),
                "f.pdf",
                "prints at",
            ),
            "corrupt png": (good[:100] + b"\x00" * 50 + good[150:], "f.png", "damaged"),
            "truncated png": (good[: len(good) // 2], "f.png", "incomplete"),
            "truncated jpeg": (jpeg[: len(jpeg) // 2], "f.jpg", "incomplete"),
            "truncated pdf": (pdf[: len(pdf) // 2], "f.pdf", "incomplete"),
            "wrong type png": (jpeg, "f.png", "contains JPEG data"),
            "wrong type jpeg": (good, "f.jpeg", "contains PNG data"),
            "wrong type pdf": (b"%!PS-Adobe-3.0 not a pdf", "f.pdf", "not a PNG, JPEG or PDF"),
        }
        for name, (data, filename, reason) in cases.items():
            with self.subTest(name), self.assertRaises(ValidationError) as capture:
                self.upload(self.tee, "default", data, filename)
            self.assertIn(reason, capture.exception.args[0])
            self.assertIn(filename, capture.exception.args[0])
        self.assertFalse(self.tee.gelato_print_file_ids, "nothing was stored")

    def test_empty_file_is_refused(self):
        """Found by the bad-input run (bench/bench_bad_input.py): an upload without content was
        stored unchecked as a ready print file, so the product could be ordered without
        artwork and the order failed at Gelato."""
        for datas in (b"", False):
            with self.subTest(datas=datas), self.assertRaises(ValidationError) as capture:
                self.env["gelato.print.file"].create(
                    {
                        "placement_id": self.placement(self.tee, "default").id,
                        "datas": datas,
                        "filename": "front.png",
                    }
                )
            self.assertIn("The file is empty", capture.exception.args[0])
        file = self.upload(self.tee, "default", good_png(), "front.png")
        with self.assertRaises(ValidationError):
            file.datas = False
        self.assertTrue(file.datas, "the file stays")

    def test_file_name_with_a_nul_byte_is_cleaned(self):
        """Found by the bad-input run: a NUL byte in the file name crashed the check (and
        PostgreSQL refuses it)."""
        file = self.upload(self.tee, "default", good_png(), "front\x00.png")
        self.assertEqual((file.filename, file.check_state), ("front.png", "ok"))

    def test_file_name_with_a_lone_surrogate_is_cleaned(self):
        """Found by the bad-input run: a lone surrogate in the file name (a JSON-RPC client
        can send one) crashed the upload with a UnicodeEncodeError."""
        file = self.upload(self.tee, "default", good_png(), "front\ud800.png")
        self.assertEqual((file.filename, file.check_state), ("front\ufffd.png", "ok"))

    def test_replacing_a_file_checks_it_again(self):
        file = self.upload(self.tee, "default", good_png(), "front.png")
        with self.assertRaises(ValidationError):
            file.write({"datas": base64.b64encode(make_png(300, 350)), "filename": "tiny.png"})
        self.assertEqual(file.filename, "front.png")
        file.write({"datas": base64.b64encode(make_pdf(305, 356)), "filename": "front.pdf"})
        self.assertEqual((file.file_type, file.check_state), ("pdf", "ok"))

    def test_colour_mode_and_pages_are_noted(self):
        file = self.upload(
            self.tee, "default", make_jpeg(pixels(305, 300), pixels(356, 300), "CMYK"), "f.jpg"
        )
        self.assertEqual(file.color_mode, "CMYK")
        self.assertIn("Colour mode: CMYK", file.check_message)
        pdf = self.upload(self.tee, "back", make_pdf(305, 356, pages=2), "b.pdf")
        self.assertEqual(pdf.page_count, 2)
        self.assertEqual(pdf.check_state, "warning")

    # --- overrides and orderability ---------------------------------------------------------

    def test_missing_files_block_orders_with_the_exact_placement(self):
        with self.assertRaises(UserError) as capture:
            (self.white_s | self.black_s)._gelato_check_orderable()
        message = capture.exception.args[0]
        self.assertIn("Tee (White, S) has no print file for: Front, Back.", message)
        self.assertIn("Tee (Black, S) has no print file for: Front.", message)
        self.upload(self.tee, "default", good_png(), "front.png")
        self.assertEqual(self.white_s._gelato_get_missing_print_files(), ["Back"])
        self.assertEqual(self.black_s._gelato_get_missing_print_files(), [])
        self.black_s._gelato_check_orderable()
        with self.assertRaisesRegex(UserError, r"Tee \(White, S\) has no print file for: Back\."):
            self.white_s._gelato_check_orderable()
        with self.assertRaisesRegex(UserError, r"Tee \(White, M\) has no print file for: Back\."):
            self.tee._gelato_check_publishable()
        with self.assertRaisesRegex(UserError, "Back"):
            self.white_s._gelato_prepare_files_payload()
        self.assertIn("White, M", self.tee.gelato_missing_print_files)
        self.upload(self.tee, "back", good_png(), "back.png")
        self.tee._gelato_check_publishable()
        self.tee.product_variant_ids._gelato_check_orderable()
        self.assertFalse(self.tee.gelato_missing_print_files)

    def test_variant_override(self):
        front = self.upload(self.tee, "default", good_png(), "front.png")
        back = self.upload(self.tee, "back", good_png(), "back.png")
        special = self.upload(
            self.tee,
            "default",
            make_jpeg(pixels(305, 300), pixels(356, 300)),
            "special.jpg",
            variant=self.white_s,
        )
        self.assertEqual(self.white_s.gelato_variant_print_file_ids, special)
        payload = self.white_s._gelato_prepare_files_payload()
        self.assertEqual([item["type"] for item in payload], ["default", "back"])
        self.assertIn("/%d/" % special._gelato_get_attachment().id, payload[0]["url"])
        self.assertTrue(payload[0]["url"].endswith("/special.jpg"))
        self.assertIn("/%d/" % back._gelato_get_attachment().id, payload[1]["url"])
        other = self.variant(self.tee, "White", "M")._gelato_prepare_files_payload()
        self.assertIn("/%d/" % front._gelato_get_attachment().id, other[0]["url"])
        black = self.black_s._gelato_prepare_files_payload()
        self.assertEqual([item["type"] for item in black], ["default"])
        # An override needs a print area of that variant, and one file per print area.
        with self.assertRaisesRegex(ValidationError, "has no print area Back"):
            self.upload(self.tee, "back", good_png(), "b.png", variant=self.black_s)
        with self.assertRaisesRegex(ValidationError, "already has a print file for Front"):
            self.upload(self.tee, "default", good_png(), "again.png", variant=self.white_s)
        with self.assertRaisesRegex(ValidationError, "already has a print file for Front"):
            self.upload(self.tee, "default", good_png(), "again.png")

    def test_variant_override_alone_makes_that_variant_orderable(self):
        self.upload(self.tee, "default", good_png(), "black.png", variant=self.black_s)
        self.black_s._gelato_check_orderable()
        self.assertEqual(
            self.variant(self.tee, "Black", "M")._gelato_get_missing_print_files(), ["Front"]
        )

    def test_unsynchronised_gelato_product_cannot_be_ordered(self):
        product = self.env["product.template"].create(
            {"name": "Later", "gelato_template_ref": "later"}
        )
        with self.assertRaisesRegex(
            UserError, "Later is not linked to a Gelato product: click Synchronize"
        ):
            product.product_variant_id._gelato_check_orderable()
        with self.assertRaisesRegex(UserError, "cannot be published"):
            product._gelato_check_publishable()

    def test_resized_print_area_rechecks_files(self):
        file = self.upload(
            self.tee, "default", make_png(pixels(305, 160), pixels(356, 160)), "front.png"
        )
        self.assertEqual(file.check_state, "warning")
        variants = [
            gelato_variant(
                "tee_%s_%s" % (c, s),
                {"Color": c, "Size": s},
                [("ImageFront", "front", 610, 712), TEE_BACK]
                if c == "White"
                else [("ImageFront", "front", 610, 712)],
            )
            for c in ("White", "Black")
            for s in ("S", "M")
        ]
        result = self.tee._gelato_apply_template_data(gelato_template("tee", variants))
        self.assertEqual(result["changes"]["print_files_rechecked"], 1)
        self.assertEqual(file.check_state, "error")
        self.assertIn("Resolution too low", file.check_message)
        self.assertEqual(self.black_s._gelato_get_missing_print_files(), ["Front"])

    def test_salespeople_and_visitors_can_check_orderability(self):
        self.upload(self.tee, "default", good_png(), "front.png")
        salesman = new_test_user(
            self.env, "gelato_salesman", groups="sales_team.group_sale_salesman"
        )
        variant = self.black_s.with_user(salesman)
        variant._gelato_check_orderable()
        self.assertEqual(variant._gelato_prepare_files_payload()[0]["type"], "default")
        public = self.black_s.with_user(self.env.ref("base.public_user")).sudo(False)
        self.assertEqual(public._gelato_get_missing_print_files(), [])
        with self.assertRaises(Exception):  # noqa: B017 - any access error
            self.env["gelato.print.file"].with_user(salesman).create(
                {
                    "placement_id": self.placement(self.tee, "back").id,
                    "datas": base64.b64encode(good_png()),
                }
            )

    # --- default image ----------------------------------------------------------------------

    def test_default_marker_sets_the_product_image(self):
        self.assertFalse(self.tee.image_1920)
        front = self.upload(self.tee, "default", make_png(4000, 4670), "front.png", is_default=True)
        self.assertTrue(self.tee.image_1920)
        first_image = self.tee.image_1920
        back = self.upload(
            self.tee,
            "back",
            make_png(pixels(305, 300), pixels(356, 300), color=(1, 2, 3)),
            "back.png",
        )
        back.is_default = True
        self.assertFalse(front.is_default, "one default image per product")
        self.assertNotEqual(self.tee.image_1920, first_image)
        pdf = self.upload(
            self.tee, "default", make_pdf(305, 356), "white.pdf", variant=self.white_s
        )
        with self.assertRaisesRegex(ValidationError, "A PDF cannot be shown"):
            pdf.is_default = True

    # --- signed URLs ------------------------------------------------------------------------

    def test_public_url_is_signed_on_the_public_base_url(self):
        file = self.upload(self.tee, "default", good_png(), "My Front.png")
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "http://odoo.internal:8069"
        )
        url = file._gelato_get_public_url()
        self.assertTrue(url.startswith("http://odoo.internal:8069/gelato/print-file/"), url)
        self.env.company.gelato_public_base_url = "https://shop.example.com/"
        url = file._gelato_get_public_url()
        prefix, tail = url.split("/gelato/print-file/")
        self.assertEqual(prefix, "https://shop.example.com")
        attachment_id, expires, signature, name = tail.split("/")
        self.assertEqual(int(attachment_id), file._gelato_get_attachment().id)
        self.assertEqual(name, "My-Front.png")
        secret = file._gelato_get_url_secret()
        self.assertTrue(
            signing.verify_print_file_signature(secret, int(attachment_id), int(expires), signature)
        )
        # 14 days by default, then the company's setting.
        self.assertAlmostEqual(int(expires) - time.time(), 14 * 86400, delta=3700)
        self.env.company.gelato_file_url_validity_days = 2
        expires = int(file._gelato_get_public_url().split("/")[-3])
        self.assertAlmostEqual(expires - time.time(), 2 * 86400, delta=3700)

    def test_link_validity_is_bounded(self):
        for days in (0, -1, 31, 3650):
            with self.subTest(days=days), self.assertRaises(ValidationError):
                self.env.company.gelato_file_url_validity_days = days
        self.env.company.gelato_file_url_validity_days = 30
        self.assertEqual(self.env.company.gelato_file_url_validity_days, 30)


@tagged("post_install", "-at_install")
class TestPrintFileRoute(PrintFileFixtures, HttpCase):
    """The route Gelato downloads from: 200 for a valid link, 403 otherwise."""

    def setUp(self):
        super().setUp()
        self.tee = self.make_tee(self.env, name="Route tee")
        self.data = good_png()
        self.file = self.upload(self.tee, "default", self.data, "front.png")
        self.env.company.gelato_public_base_url = self.base_url()

    def path(self, attachment_id, expires, signature, name="front.png"):
        return "/gelato/print-file/%s/%s/%s/%s" % (attachment_id, expires, signature, name)

    def test_valid_link_serves_the_file(self):
        url = self.file._gelato_get_public_url()
        self.assertTrue(url.startswith(self.base_url()))
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.data)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        # Anonymous: no session cookie needed, none created.
        self.assertNotIn("session_id", response.cookies)

    def test_expired_and_tampered_links_are_refused(self):
        secret = self.file._gelato_get_url_secret()
        attachment = self.file._gelato_get_attachment()
        past = int(time.time()) - 10
        future = int(time.time()) + 3600
        good = signing.sign_print_file(secret, attachment.id, future)
        refused = {
            "expired": (attachment.id, past, signing.sign_print_file(secret, attachment.id, past)),
            "expiry moved": (attachment.id, future + 86400, good),
            "other file": (attachment.id + 1, future, good),
            "edited signature": (
                attachment.id,
                future,
                good[:-2] + ("00" if good[-2:] != "00" else "11"),
            ),
            "made-up signature": (attachment.id, future, "0" * 64),
        }
        for name, (attachment_id, expires, signature) in refused.items():
            with self.subTest(name):
                response = self.url_open(self.path(attachment_id, expires, signature))
                self.assertEqual(response.status_code, 403)
                self.assertNotEqual(response.content, self.data)
        self.assertEqual(self.url_open(self.path(attachment.id, future, good)).status_code, 200)

    def _line(self):
        partner = self.env["res.partner"].create({"name": "Route customer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": self.tee.product_variant_ids[0].id})],
            }
        )
        return order.order_line

    def test_a_lines_links_stop_a_grace_period_after_gelato_printed_it(self):
        line = self._line()
        url = self.file._gelato_get_public_url(line=line)
        attachment = self.file._gelato_get_attachment()
        self.assertIn("/gelato/print-file/%d/%d/" % (attachment.id, line.id), url)
        self.assertEqual(self.url_open(url).content, self.data)
        # The signature covers the line: the link does not open for another line.
        other = url.replace(
            "/%d/%d/" % (attachment.id, line.id), "/%d/%d/" % (attachment.id, line.id + 1)
        )
        self.assertEqual(self.url_open(other).status_code, 403)
        line._gelato_apply_item_status("in_production")
        self.assertFalse(line.gelato_printed_date)
        line._gelato_apply_item_status("printed")
        self.assertTrue(line.gelato_printed_date)
        self.assertEqual(self.url_open(url).status_code, 200, "a reprint within the grace period")
        line.gelato_printed_date = fields.Datetime.subtract(fields.Datetime.now(), days=8)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 410)
        self.assertNotEqual(response.content, self.data)
        self.assertIn(b"printed", response.content)

    def test_links_signed_with_database_secret_only_during_the_upgrade_transition(self):
        params = self.env["ir.config_parameter"].sudo()
        legacy_secret = params.get_param("database.secret")
        attachment = self.file._gelato_get_attachment()
        future = int(time.time()) + 3600
        path = self.path(
            attachment.id, future, signing.sign_print_file(legacy_secret, attachment.id, future)
        )
        self.assertNotEqual(legacy_secret, self.file._gelato_get_url_secret())
        params.set_param("gelato_connector.print_file_legacy_signatures_until", False)
        self.assertEqual(self.url_open(path).status_code, 403, "a fresh install: never")
        params.set_param("gelato_connector.print_file_legacy_signatures_until", future + 60)
        self.assertEqual(self.url_open(path).content, self.data, "links sent before the upgrade")
        params.set_param("gelato_connector.print_file_legacy_signatures_until", future - 60)
        self.assertEqual(self.url_open(path).status_code, 403, "made after the upgrade")
        params.set_param("gelato_connector.print_file_legacy_signatures_until", future + 60)
        params.set_param("database.is_neutralized", True)
        self.assertEqual(self.url_open(path).status_code, 403, "never on a neutralised copy")

    def test_only_print_files_are_served(self):
        """Even with a valid signature, other attachments are not served."""
        other = self.env["ir.attachment"].create({"name": "secret.txt", "raw": b"private"})
        secret = self.file._gelato_get_url_secret()
        future = int(time.time()) + 3600
        response = self.url_open(
            self.path(other.id, future, signing.sign_print_file(secret, other.id, future))
        )
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"private", response.content)


@tagged("post_install", "-at_install")
class TestGelatoDownloadsPrintFiles(PrintFileFixtures, GelatoHttpCase):
    """End to end: the sandbox downloads the served files when an order is placed."""

    def order_payload(self, variant, reference):
        return {
            "orderType": "order",
            "orderReferenceId": reference,
            "customerReferenceId": "customer-1",
            "currency": "EUR",
            "items": [
                {
                    "itemReferenceId": "%s-1" % reference,
                    "productUid": variant.gelato_product_uid,
                    "files": variant._gelato_prepare_files_payload(),
                    "quantity": 1,
                }
            ],
            "shippingAddress": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "addressLine1": "Kungsgatan 1",
                "city": "Stockholm",
                "postCode": "11143",
                "country": "SE",
                "email": "ada@example.com",
            },
        }

    def test_sandbox_downloads_the_served_file(self):
        self.company.gelato_public_base_url = self.base_url()
        poster = self.env["product.template"].create(
            {"name": "Poster", "gelato_template_ref": "poster-30x40-matte"}
        )
        self.assertEqual(poster.action_gelato_sync_template()["params"]["type"], "success")
        variant = poster.product_variant_id
        data = make_png(pixels(300, 300), pixels(400, 300))
        self.upload(poster, "default", data, "poster.png")
        order = self.company._gelato_make_request(
            "order", "orders", self.order_payload(variant, "SO-PF-1")
        )
        self.assertEqual(order["fulfillmentStatus"], "created")
        downloads = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(len(downloads), 1)
        download = downloads[0]
        self.assertEqual(
            (download["status"], download["type"], download["error"]), (200, "png", None)
        )
        self.assertEqual(download["bytes"], len(data))
        self.assertEqual(download["fileType"], "default")
        self.assertTrue(download["url"].startswith(self.base_url() + "/gelato/print-file/"))

    def test_sandbox_cannot_use_an_expired_link(self):
        self.company.gelato_public_base_url = self.base_url()
        poster = self.env["product.template"].create(
            {"name": "Poster", "gelato_template_ref": "poster-30x40-matte"}
        )
        poster.action_gelato_sync_template()
        self.upload(poster, "default", make_png(pixels(300, 300), pixels(400, 300)), "poster.png")
        payload = self.order_payload(poster.product_variant_id, "SO-PF-2")
        payload["items"][0]["files"] = [{"type": "default", "url": self.expired_url(poster)}]
        with self.assertRaises(GelatoApiError) as capture:
            self.company._gelato_make_request("order", "orders", payload)
        self.assertIn("HTTP 403", capture.exception.args[0])
        self.assertEqual(self.sandbox.admin("downloads")["downloads"][0]["status"], 403)

    def expired_url(self, product):
        file = product.gelato_print_file_ids
        attachment = file._gelato_get_attachment()
        past = int(time.time()) - 60
        signature = signing.sign_print_file(file._gelato_get_url_secret(), attachment.id, past)
        return "%s/gelato/print-file/%d/%d/%s/poster.png" % (
            self.base_url(),
            attachment.id,
            past,
            signature,
        )
