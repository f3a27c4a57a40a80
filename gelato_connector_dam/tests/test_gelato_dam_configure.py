import base64
from pathlib import Path

from odoo import modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.gelato_connector.tests.common import (
    POSTER_UID,
    GelatoHttpCase,
    GelatoSendMixin,
)

from .common import TAG, DamServersMixin, dam_fake, poster_png, small_jpeg

POSTER_CHOICES = {
    "PaperFormat": "300x400-mm",
    "PaperType": "170-gsm-65lb-uncoated",
    "Orientation": "ver",
}


class DamConfigureMixin(DamServersMixin, GelatoSendMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"

    def imported(self, kind="bynder", content=None, external_id="P1", ext="png", **dam_vals):
        dam = self.make_dam(kind, **dam_vals)
        self.server(dam).put_asset(
            external_id, content or poster_png(), name="Summer poster", ext=ext, tags=[TAG]
        )
        dam.action_sync_now()
        return self.asset(dam, external_id)

    def configure(self, asset, choices=None, price=39.0, name="Summer poster 30x40"):
        choices = POSTER_CHOICES if choices is None else choices
        action = asset.action_configure()
        wizard = asset.env[action["res_model"]].browse(action["res_id"])
        wizard.catalog_option_id = wizard.env["gelato.dam.configure.option"].search(
            [("wizard_id", "=", wizard.id), ("line_id", "=", False), ("value_uid", "=", "posters")]
        )
        wizard.action_load_attributes()
        for line in wizard.line_ids:
            if line.attribute_uid in choices:
                line.option_id = line.option_ids.filtered(
                    lambda o, v=choices[line.attribute_uid]: o.value_uid == v
                )
        wizard.action_search()
        wizard.write({"price": price, "name": name})
        return wizard


@tagged("post_install", "-at_install")
class TestDamConfigure(DamConfigureMixin, GelatoHttpCase):
    def test_wizard_narrows_the_catalog_to_one_product(self):
        asset = self.imported()
        action = asset.action_configure()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        catalogs = self.env["gelato.dam.configure.option"].search(
            [("wizard_id", "=", wizard.id), ("line_id", "=", False)]
        )
        self.assertIn("posters", catalogs.mapped("value_uid"), "catalogs from GET /v3/catalogs")
        wizard = self.configure(asset, choices={"PaperFormat": "300x400-mm"})
        self.assertGreater(wizard.match_count, 1)
        self.assertFalse(wizard.product_uid)
        with self.assertRaisesRegex(UserError, "products match"):
            wizard.action_confirm()
        wizard = self.configure(asset)
        self.assertEqual(wizard.match_count, 1)
        self.assertEqual(wizard.product_uid, POSTER_UID)
        self.assertEqual((wizard.width_mm, wizard.height_mm), (300, 400))
        wizard.action_confirm()
        product = asset.product_id
        self.assertTrue(product)
        self.assertEqual(asset.state, "ready")
        self.assertFalse(asset.not_orderable_reason)
        template = product.product_tmpl_id
        self.assertTrue(template.gelato_is_product)
        self.assertEqual(product.gelato_product_uid, POSTER_UID)
        self.assertEqual(template.name, "Summer poster 30x40")
        self.assertEqual(template.list_price, 39.0)
        (print_file,) = template.gelato_print_file_ids
        self.assertEqual(base64.b64decode(print_file.datas), poster_png())
        self.assertEqual(print_file.dpi, 160, "checked against the 30x40 cm print area")
        self.assertFalse(product._gelato_orderability_problems())
        self.assertIn("/gelato/dam/checkout/%d/" % asset.id, asset.checkout_url)
        # Configuring again updates the same product.
        self.configure(asset, price=45.0).action_confirm()
        self.assertEqual(asset.product_id, product)
        self.assertEqual(template.list_price, 45.0)

    def test_a_sales_manager_configures_without_seeing_the_source(self):
        asset = self.imported(
            backlink_enabled=True, backlink_field=dam_fake.BYNDER_BACKLINK_PROPERTY["name"]
        )
        manager = new_test_user(
            self.env, login="dam_manager", groups="sales_team.group_sale_manager"
        )
        asset = asset.with_user(manager)
        self.configure(asset).action_confirm()
        self.assertEqual(asset.state, "ready")
        self.assertTrue(self.bynder.hook("backlinks"), "the backlink is written for them too")
        with self.assertRaises(AccessError):
            asset.dam_id.read(["name"])

    def test_neutralize_blanks_secrets_and_stops_syncing_and_old_links(self):
        asset = self.imported(
            "bynder",
            bynder_auth="client_credentials",
            client_id=dam_fake.CLIENT_ID,
            client_secret=dam_fake.CLIENT_SECRET,
            backlink_enabled=True,
            backlink_field="OdooCheckout",
        )
        self.configure(asset).action_confirm()
        dam = asset.dam_id
        signature = asset.checkout_url.rsplit("/", 1)[1]
        self.assertTrue(asset._gelato_dam_check_checkout(signature))
        self.env.flush_all()
        for module in ("gelato_connector", "gelato_connector_dam"):
            path = Path(modules.get_module_path(module)) / "data" / "neutralize.sql"
            self.env.cr.execute(path.read_text())
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        dam_sudo = dam.sudo()
        self.assertFalse(dam_sudo.client_secret)
        self.assertFalse(dam_sudo.token_data)
        self.assertFalse(dam_sudo.active)
        self.assertFalse(dam_sudo.backlink_enabled)
        cron = self.env.ref("gelato_connector_dam.ir_cron_gelato_dam_sync")
        self.assertFalse(cron.active)
        self.assertFalse(asset._gelato_dam_check_checkout(signature), "production links are dead")

    def test_a_file_too_small_for_the_print_area_is_refused(self):
        asset = self.imported(content=small_jpeg(), ext="jpg")
        wizard = self.configure(asset)
        with self.assertRaisesRegex(ValidationError, "Resolution too low"):
            wizard.action_confirm()
        self.assertFalse(asset.product_id)
        self.assertEqual(asset.state, "to_configure")

    def test_order_reaches_the_sandbox_with_the_dam_file_signed_url(self):
        asset = self.imported()
        self.configure(asset).action_confirm()
        order = self._gelato_quotation(asset.product_id, carrier=self.standard)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        (remote,) = self._sandbox_orders(order.name)
        (item,) = remote["items"]
        self.assertEqual(item["productUid"], POSTER_UID)
        (file,) = item["files"]
        self.assertIn("/gelato/print-file/", file["url"])
        (download,) = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(download["url"], file["url"])
        self.assertEqual(download["status"], 200)
        self.assertEqual(download["bytes"], len(poster_png()), "the DAM file itself")

    def test_a_changed_file_updates_the_product_print_file(self):
        asset = self.imported()
        self.configure(asset).action_confirm()
        new = poster_png(dpi=200, color=(0, 0, 0))
        self.bynder.put_asset("P1", new, name="Summer poster", tags=[TAG])
        asset.dam_id._gelato_dam_sync()
        print_file = asset.product_id.product_tmpl_id.gelato_print_file_ids
        self.assertEqual(base64.b64decode(print_file.datas), new)
        self.assertEqual(print_file.dpi, 200)
        # A new version too small for the print area: the product keeps the last good file.
        self.bynder.put_asset("P1", small_jpeg(), name="Summer poster", ext="jpg", tags=[TAG])
        log = asset.dam_id._gelato_dam_sync()
        self.assertEqual(log.failed, 1)
        self.assertIn("keeps the previous", log.details)
        self.assertEqual(base64.b64decode(print_file.datas), new)

    def test_an_archived_file_cannot_be_ordered(self):
        asset = self.imported()
        self.configure(asset).action_confirm()
        self.bynder.hook("assets/P1/untag", {"tag": TAG})
        asset.dam_id.action_sync_now()
        self.assertEqual(asset.state, "archived")
        self.assertTrue(asset.product_id, "the product and its artwork stay")
        order = self._gelato_quotation(asset.product_id, carrier=self.standard)
        with self.assertRaisesRegex(UserError, "no longer carries the tag"):
            order.action_confirm()

    def test_backlink_written_on_configure_bynder(self):
        asset = self.imported(
            backlink_enabled=True, backlink_field=dam_fake.BYNDER_BACKLINK_PROPERTY["name"]
        )
        self.configure(asset).action_confirm()
        key = "metaproperty.%s" % dam_fake.BYNDER_BACKLINK_PROPERTY["id"]
        self.assertEqual(self.bynder.hook("backlinks"), {"P1": {key: asset.checkout_url}})
        self.assertFalse(asset.backlink_pending)
        # Writing it dated the asset in Bynder: the next run sees the same file (no write)
        # and does not write the link again.
        print_file = asset.product_id.product_tmpl_id.gelato_print_file_ids
        write_date = print_file.write_date
        log = asset.dam_id._gelato_dam_sync()
        self.assertEqual((log.imported, log.updated, log.failed), (0, 0, 0))
        self.assertEqual(print_file.write_date, write_date)
        self.assertEqual(self.bynder.counters()["modify"], 1)

    def test_backlink_written_by_the_next_sync_when_the_dam_was_down_webdam(self):
        asset = self.imported("webdam", backlink_enabled=True, backlink_field="customfield1")
        dam = asset.dam_id
        url = dam.base_url
        dam.base_url = "http://127.0.0.1:9"
        self.configure(asset).action_confirm()
        self.assertTrue(asset.backlink_pending)
        self.assertFalse(self.webdam.hook("backlinks"))
        dam.base_url = url
        dam._gelato_dam_sync()
        self.assertEqual(
            self.webdam.hook("backlinks"), {"P1": {"customfield1": asset.checkout_url}}
        )
        self.assertFalse(asset.backlink_pending)
