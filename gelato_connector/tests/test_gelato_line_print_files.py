"""Print files made for one order line (gelato.line.print.file): checked like product files,
winning over the product's on their print area, served through the signed route, and the print
areas a feature declares per line (``_gelato_order_print_areas``)."""

from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    GelatoSendMixin,
    make_png,
    pixels,
)
from odoo.addons.gelato_connector.tests.test_gelato_print_files import (
    PrintFileFixtures,
    good_png,
)


class LineFileFixtures(PrintFileFixtures):
    def order_of(self, variant, partner=None):
        partner = partner or self.env["res.partner"].create({"name": "Line file customer"})
        return self.env["sale.order"].create(
            {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": variant.id})]}
        )

    def per_line(self, areas):
        """The hook a feature (personalisation, storage) overrides: ``areas`` come per line."""
        return patch.object(
            type(self.env["product.template"]),
            "_gelato_order_print_areas",
            lambda template: set(areas) if template.gelato_is_product else set(),
        )


@tagged("post_install", "-at_install")
class TestLinePrintFiles(LineFileFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tee = cls.make_tee(cls.env, name="Line tee")
        cls.white_s = cls.variant(cls.tee, "White", "S")

    def test_a_line_gets_one_checked_file_per_print_area(self):
        line = self.order_of(self.white_s).order_line
        data = good_png()
        file = line._gelato_attach_print_file("default", data, "S1_1.png", "storage", "key@v1")
        self.assertEqual(
            (file.print_area, file.file_type, file.check_state, file.source, file.source_ref),
            ("default", "png", "ok", "storage", "key@v1"),
        )
        self.assertEqual(file.dpi, 300)
        self.assertEqual(file.order_id, line.order_id)
        self.assertEqual(line.order_id.gelato_line_file_ids, file)
        # A second file for the same area replaces the first (the storage found a new version).
        again = line._gelato_attach_print_file(
            "default", make_png(pixels(305, 200), pixels(356, 200)), "S1_1.png", "storage", "key@v2"
        )
        self.assertEqual(again, file)
        self.assertEqual((file.source_ref, file.dpi, file.check_state), ("key@v2", 200, "warning"))
        self.assertEqual(len(line.gelato_line_file_ids), 1)

    def test_unusable_files_and_unknown_areas_are_refused_with_the_reason(self):
        line = self.order_of(self.white_s).order_line
        with self.assertRaises(ValidationError) as capture:
            line._gelato_attach_print_file("default", b"not an image", "S1_1.png", "storage")
        self.assertIn("cannot be used", str(capture.exception))
        self.assertIn(line.order_id.name, str(capture.exception))
        with self.assertRaises(ValidationError) as capture:
            line._gelato_attach_print_file("sleeve", good_png(), "S1_1.png", "storage")
        self.assertIn("has no print area sleeve", str(capture.exception))
        black = self.variant(self.tee, "Black", "S")  # Black has no back
        with self.assertRaises(ValidationError):
            self.order_of(black).order_line._gelato_attach_print_file(
                "back", good_png(), "b.png", "storage"
            )
        self.assertFalse(line.gelato_line_file_ids)

    def test_the_lines_file_wins_on_its_area_only(self):
        self.upload(self.tee, "default", good_png(), "front.png")
        self.upload(self.tee, "back", good_png(), "back.png")
        line = self.order_of(self.white_s).order_line
        own = line._gelato_attach_print_file("back", good_png(), "mine.png", "personalization")
        files = {f["type"]: f["url"] for f in line._gelato_prepare_files_payload()}
        self.assertEqual(set(files), {"default", "back"})
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", own._name), ("res_id", "=", own.id), ("res_field", "=", "datas")]
        )
        self.assertIn("/gelato/print-file/%d/%d/" % (attachment.id, line.id), files["back"])
        self.assertTrue(files["back"].endswith("/mine.png"))
        self.assertTrue(files["default"].endswith("/front.png"))
        # Another line of the same product still gets the product's file.
        other = self.order_of(self.white_s).order_line
        other_files = {f["type"]: f["url"] for f in other._gelato_prepare_files_payload()}
        self.assertTrue(other_files["back"].endswith("/back.png"))

    def test_areas_coming_per_line_need_no_product_file_but_block_sending(self):
        self.upload(self.tee, "default", good_png(), "front.png")
        self.assertTrue(self.white_s._gelato_get_missing_print_files())
        with self.per_line(["back"]):
            self.assertFalse(self.white_s._gelato_get_missing_print_files())
            self.white_s._gelato_check_orderable()  # no error: the back comes with the order
            line = self.order_of(self.white_s).order_line
            with self.assertRaises(UserError) as capture:
                line._gelato_prepare_files_payload()
            self.assertIn("has no print file of its own yet for: Back", str(capture.exception))
            self.assertIn(line.order_id.name, str(capture.exception))
            line._gelato_attach_print_file("back", good_png(), "S_1.png", "storage")
            self.assertEqual(
                [f["type"] for f in line._gelato_prepare_files_payload()], ["default", "back"]
            )
        # Without the feature, the product's back file is missing again.
        self.assertEqual(self.white_s._gelato_get_missing_print_files(), ["Back"])

    def test_salespeople_see_their_orders_files_only_in_their_company(self):
        line = self.order_of(self.white_s).order_line
        line.order_id.user_id = False
        file = line._gelato_attach_print_file("default", good_png(), "f.png", "storage")
        other_company = self.env["res.company"].create({"name": "Other line-file company"})
        user = self.env["res.users"].create(
            {
                "name": "Other company seller",
                "login": "line-file-other",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [
                    (6, 0, [self.env.ref("sales_team.group_sale_salesman_all_leads").id])
                ],
            }
        )
        Files = self.env["gelato.line.print.file"].with_user(user)
        self.assertFalse(Files.search([("id", "=", file.id)]))
        seller = self.env["res.users"].create(
            {
                "name": "Same company seller",
                "login": "line-file-same",
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        self.assertEqual(
            self.env["gelato.line.print.file"].with_user(seller).search([("id", "=", file.id)]),
            file,
            "an order without salesperson is everyone's in the company",
        )
        line.order_id.user_id = self.env.user
        self.assertFalse(
            self.env["gelato.line.print.file"].with_user(seller).search([("id", "=", file.id)]),
            "another salesperson's order",
        )


@tagged("post_install", "-at_install")
class TestLinePrintFileRoute(LineFileFixtures, HttpCase):
    def test_the_signed_route_serves_a_lines_file_for_that_line_only(self):
        self.env.company.gelato_public_base_url = self.base_url()
        tee = self.make_tee(self.env, name="Route line tee")
        line = self.order_of(self.variant(tee, "White", "S")).order_line
        data = good_png()
        file = line._gelato_attach_print_file("default", data, "S_1.png", "storage")
        url = file._gelato_get_public_url()
        response = self.url_open(url)
        self.assertEqual((response.status_code, response.content), (200, data))
        # The signature covers the line: the same file under another line id is refused.
        other = self.order_of(self.variant(tee, "White", "S")).order_line
        forged = url.replace("/%d/" % line.id, "/%d/" % other.id)
        self.assertEqual(self.url_open(forged).status_code, 403)
        # Once the order is deleted, the file is gone and so is the link.
        line.order_id.unlink()
        self.assertEqual(self.url_open(url).status_code, 404)


@tagged("post_install", "-at_install")
class TestLinePrintFileReachesGelato(GelatoSendMixin, GelatoHttpCase):
    """End to end: an order whose print area comes per line waits for nothing in the core (no
    feature declares one), fails clearly without the file and is sent with it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"

    def setUp(self):
        super().setUp()
        self.company.gelato_public_base_url = self.base_url()
        patcher = patch.object(
            type(self.env["product.template"]),
            "_gelato_order_print_areas",
            lambda template: {"default"} if template.gelato_is_product else set(),
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_the_sandbox_downloads_the_lines_own_file(self):
        order = self._gelato_quotation(self.poster, carrier=self.standard)
        order.action_confirm()
        line = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        data = make_png(pixels(300, 300), pixels(400, 300), color=(10, 200, 10))
        line._gelato_attach_print_file("default", data, "%s_1.png" % order.name, "storage")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        (download,) = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual((download["status"], download["bytes"]), (200, len(data)))
        self.assertIn("/%d/" % line.id, download["url"])
        self.assertTrue(download["url"].endswith("/%s_1.png" % order.name))

    def test_without_the_lines_file_the_order_is_an_error_not_sent(self):
        # The poster has a product file on that area: it does not stand in for the line's.
        self.assertTrue(self.poster.product_tmpl_id.gelato_print_file_ids)
        order = self._gelato_quotation(self.poster, carrier=self.standard)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "error")
        self.assertIn("has no print file of its own yet", order.gelato_last_error)
        self.assertFalse(self._sandbox_orders(order.name))
