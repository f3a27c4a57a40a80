import base64
import hashlib
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.gelato_connector.lib import print_files

from ..lib import checkout, const
from ..lib.errors import DamError

_logger = logging.getLogger(__name__)


class GelatoDamAsset(models.Model):
    """A file of a DAM carrying the source's tag, imported into the *DAM import* folder.

    Not print-ready until configured (the Configure wizard: a Gelato product, a print area, a
    price): it then becomes an orderable Gelato product whose print file is this file. A file
    that loses its tag or is deleted in the DAM is archived, never deleted (its product and the
    orders of it keep their artwork).
    """

    _name = "gelato.dam.asset"
    _description = "Gelato DAM File"
    _inherit = ["mail.thread"]
    _order = "dam_modified desc, id desc"

    dam_id = fields.Many2one(
        string="DAM Source",
        comodel_name="gelato.dam",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one(related="dam_id.company_id", store=True, index=True)
    dam_kind = fields.Selection(related="dam_id.kind", store=True, string="DAM")
    external_id = fields.Char(string="DAM ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True, tracking=True)
    file_name = fields.Char(readonly=True)
    file_type = fields.Char(
        readonly=True, help="The file's extension in the DAM (jpg, png, pdf, tif...)."
    )
    file_data = fields.Binary(string="File", attachment=True, readonly=True)
    file_size = fields.Integer(string="Size (bytes)", readonly=True)
    file_checksum = fields.Char(readonly=True, help="Technical: SHA-256 of the file.")
    fingerprint = fields.Char(
        readonly=True,
        help="Technical: what the DAM's listing says of the file (size, pixels, version): the "
        "file is downloaded again only when it changes.",
    )
    thumbnail = fields.Binary(attachment=True, readonly=True)
    dam_modified = fields.Datetime(string="Modified in the DAM", readonly=True)
    state = fields.Selection(
        selection=[
            ("to_configure", "To configure"),
            ("ready", "Ready"),
            ("archived", "Archived"),
        ],
        default="to_configure",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    archived_reason = fields.Char(readonly=True)
    check_state = fields.Selection(
        string="File Check",
        selection=[("ok", "Ready"), ("warning", "Warning"), ("error", "Unusable")],
        readonly=True,
    )
    check_message = fields.Text(string="Check Details", readonly=True)
    product_id = fields.Many2one(
        string="Product",
        comodel_name="product.product",
        readonly=True,
        index="btree_not_null",
        copy=False,
        tracking=True,
    )
    checkout_url = fields.Char(
        string="Checkout Link",
        readonly=True,
        copy=False,
        help="Signed link to the Odoo checkout of the product (written back into the DAM "
        "when the source's backlink is on). Opening it needs a user of the company.",
    )
    backlink_written_url = fields.Char(readonly=True, copy=False)
    backlink_pending = fields.Boolean(readonly=True, copy=False, index=True)
    not_orderable_reason = fields.Text(
        string="Why It Cannot Be Ordered", compute="_compute_not_orderable_reason"
    )

    _sql_constraints = [
        (
            "external_id_unique",
            "UNIQUE(dam_id, external_id)",
            "A DAM file is imported once per source.",
        ),
    ]

    # === COMPUTE METHODS === #

    @api.depends("state", "check_state", "check_message", "product_id", "archived_reason")
    def _compute_not_orderable_reason(self):
        for asset in self:
            if asset.state == "archived":
                asset.not_orderable_reason = asset.archived_reason or self.env._("Archived.")
            elif asset.check_state == "error":
                asset.not_orderable_reason = self.env._(
                    "The file cannot be printed: %(reasons)s Fix it in the DAM; the next "
                    "synchronisation imports it again.",
                    reasons=asset.check_message or "",
                )
            elif not asset.product_id:
                asset.not_orderable_reason = self.env._(
                    "Not configured yet: click Configure to choose the Gelato product (format, "
                    "paper), the print area and the price."
                )
            else:
                problems = asset.product_id._gelato_orderability_problems()
                asset.not_orderable_reason = "\n".join(problems) or False

    # === ACTION METHODS === #

    def action_configure(self):
        """Open the Configure wizard (Gelato's catalog → one product UID)."""
        self.ensure_one()
        self.check_access("write")
        if self.state == "archived":
            raise UserError(self.not_orderable_reason)
        if self.check_state == "error":
            raise UserError(self.not_orderable_reason)
        wizard = self.env["gelato.dam.configure"].create({"asset_id": self.id})
        return wizard._gelato_reopen()

    def action_new_quotation(self):
        """Ask for the customer, then open a new quotation of the configured product."""
        self.ensure_one()
        if self.state != "ready" or not self.product_id:
            raise UserError(self.not_orderable_reason)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New quotation"),
            "res_model": "gelato.dam.quote",
            "view_mode": "form",
            "target": "new",
            "context": {"default_asset_id": self.id},
        }

    def action_open_product(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.template",
            "res_id": self.product_id.product_tmpl_id.id,
            "view_mode": "form",
        }

    # === BUSINESS METHODS: synchronisation === #

    @api.model
    def _gelato_dam_known(self, dam, external_ids):
        """``{external id: (name, modified, fingerprint, state)}`` of the listed files already
        imported (one indexed query per thousand ids)."""
        known = {}
        self.flush_model(["dam_id", "external_id", "name", "dam_modified", "fingerprint", "state"])
        for start in range(0, len(external_ids), 1000):
            self.env.cr.execute(
                """SELECT external_id, name, dam_modified, fingerprint, state
                     FROM gelato_dam_asset
                    WHERE dam_id = %s AND external_id = ANY(%s)""",
                [dam.id, external_ids[start : start + 1000]],
            )
            for external_id, name, modified, fingerprint, state in self.env.cr.fetchall():
                known[external_id] = (name, modified, fingerprint, state)
        return known

    @api.model
    def _gelato_dam_rename(self, dam, items):
        """Files whose metadata only changed: name and date follow, no download."""
        assets = self.search(
            [("dam_id", "=", dam.id), ("external_id", "in", [i["id"] for i in items])]
        )
        by_id = {asset.external_id: asset for asset in assets}
        renamed = 0
        for item in items:
            asset = by_id.get(item["id"])
            if not asset:
                continue
            vals = {"dam_modified": item["modified"]}
            if asset.name != item["name"]:
                vals["name"] = item["name"]
                renamed += 1
            asset.write(vals)
        return renamed

    @api.model
    def _gelato_dam_import(self, dam, client, item):
        """Download, check and store one new or changed file (and its product's print file).

        :return: ``(outcome, message)``: outcome ``imported``, ``updated``, ``unchanged`` (the
            same file again: nothing but its dates written) or ``failed`` (the file is kept with
            the reason it cannot be used); message for the run's details.
        :raise DamError: when the DAM cannot be used any more (network, rate limit, refused
            credentials): the run stops and resumes later.
        """
        asset = self.search([("dam_id", "=", dam.id), ("external_id", "=", item["id"])], limit=1)
        vals = {
            "name": item["name"],
            "file_name": item["file_name"],
            "file_type": item["extension"] or False,
            "dam_modified": item["modified"],
            "fingerprint": item["fingerprint"],
        }
        try:
            data = client.download(item)
        except DamError as error:
            if error.code not in ("too_big", "not_found", "bad_answer"):
                raise
            reason = dam._gelato_dam_error_message(error)
            vals.update(check_state="error", check_message=reason, file_data=False, file_size=0)
        else:
            checksum = hashlib.sha256(data).hexdigest()
            if asset and asset.file_data and asset.file_checksum == checksum:
                return asset._gelato_dam_same_file(vals)
            result = print_files.check_print_file(data, item["file_name"])
            PrintFile = self.env["gelato.print.file"]
            errors = PrintFile._gelato_check_messages(result, levels=("error",))
            vals.update(
                file_data=base64.b64encode(data),
                file_size=len(data),
                file_checksum=checksum,
                check_state={"ok": "ok", "warning": "warning"}.get(result["status"], "error"),
                check_message="\n".join(errors or PrintFile._gelato_check_messages(result))
                or False,
            )
            reason = " ".join(errors) if result["status"] == "error" else None
        try:
            thumbnail = client.thumbnail(item)
        except DamError:
            thumbnail = None
        if thumbnail:
            vals["thumbnail"] = base64.b64encode(thumbnail)
        created = not asset
        # Odoo shrinks image attachments over 1920 px by default: print files stay untouched.
        # No "created" note per file (a first import makes thousands); changes are tracked.
        self_raw = self.with_context(
            image_no_postprocess=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        asset = asset.with_context(image_no_postprocess=True)
        with self.env.cr.savepoint():
            if created:
                asset = self_raw.create(dict(vals, dam_id=dam.id, external_id=item["id"]))
            else:
                if asset.state == "archived":
                    vals.update(
                        state="ready" if asset.product_id else "to_configure",
                        archived_reason=False,
                    )
                asset.write(vals)
            if reason is None and asset.product_id:
                reason = asset._gelato_dam_update_print_file()
        if reason:
            return "failed", reason
        return ("imported" if created else "updated"), None

    def _gelato_dam_same_file(self, vals):
        """The DAM answered the file already imported: only its metadata is written (and it
        leaves the archive when it carries the tag again)."""
        self.ensure_one()
        outcome = (
            "updated" if self.name != vals["name"] or self.state == "archived" else "unchanged"
        )
        if self.state == "archived":
            vals = dict(
                vals, state="ready" if self.product_id else "to_configure", archived_reason=False
            )
        self.write(vals)
        return outcome, None

    def _gelato_dam_update_print_file(self):
        """Put the asset's new file on its configured product's print file.

        :return: None, or why the new file was not put on the product (it keeps the old one).
        """
        self.ensure_one()
        print_file = self._gelato_dam_print_file()
        if not print_file or not self.file_data:
            return None
        try:
            with self.env.cr.savepoint():
                print_file.write({"datas": self.file_data, "filename": self.file_name})
        except ValidationError as error:
            return self.env._(
                "The new file does not fit the product's print area, which keeps the previous "
                "one: %(reason)s",
                reason=error.args[0],
            )
        return None

    def _gelato_dam_print_file(self):
        self.ensure_one()
        template = self.product_id.product_tmpl_id
        return template.gelato_print_file_ids.filtered(lambda f: not f.product_id)[:1]

    def _gelato_dam_archive(self):
        """Archive files untagged or deleted in the DAM (never deleted: orders keep them)."""
        if self:
            self.write(
                {
                    "state": "archived",
                    "archived_reason": self.env._(
                        "The file no longer carries the tag in the DAM, or was deleted there."
                    ),
                }
            )

    # === BUSINESS METHODS: configuration and checkout === #

    def _gelato_dam_configure(self, product_uid, print_area, width_mm, height_mm, name, price):
        """Create or update the Gelato product of this file.

        :param str product_uid: the Gelato product UID chosen in the catalog.
        :param str print_area: Gelato's file type (``default``, ``back``).
        :param float width_mm, height_mm: the print area's size (the file is checked for it).
        :return: the ``product.product``.
        :raise ValidationError: when the file does not fit the print area (nothing is kept).
        """
        self.ensure_one()
        if self.check_state == "error" or not self.file_data:
            raise UserError(self.not_orderable_reason or self.env._("The file is missing."))
        placements = {print_area: {"name": print_area, "width": width_mm, "height": height_mm}}
        template = self.product_id.product_tmpl_id
        template_vals = {"name": name, "list_price": price, "gelato_dam_asset_id": self.id}
        if template:
            template.write(template_vals)
        else:
            template = self.env["product.template"].create(
                dict(
                    template_vals,
                    type="consu",
                    sale_ok=True,
                    invoice_policy="delivery",
                    company_id=self.company_id.id,
                )
            )
        variant = template.product_variant_id
        variant.write({"gelato_product_uid": product_uid, "gelato_placements": placements})
        placement = template.gelato_placement_ids.filtered(lambda p: p.print_area == print_area)
        area_vals = {"width_mm": width_mm, "height_mm": height_mm}
        if placement:
            placement.write(area_vals)
        else:
            placement = self.env["gelato.placement"].create(
                dict(
                    area_vals,
                    product_tmpl_id=template.id,
                    print_area=print_area,
                    name=self._gelato_dam_print_area_label(print_area),
                )
            )
        # One print area per DAM product: others (a changed choice) go with their files.
        (template.gelato_placement_ids - placement).unlink()
        file_vals = {"datas": self.file_data, "filename": self.file_name}
        print_file = placement.print_file_ids.filtered(lambda f: not f.product_id)[:1]
        if print_file:
            print_file.write(file_vals)
        else:
            self.env["gelato.print.file"].create(
                dict(file_vals, placement_id=placement.id, is_default=True)
            )
        self.write(
            {
                "product_id": variant.id,
                "state": "ready",
                "checkout_url": self._gelato_dam_checkout_url(template),
            }
        )
        dam_sudo = self.dam_id.sudo()  # sudo: DAM sources are readable by administrators only
        self.backlink_pending = bool(
            dam_sudo.backlink_enabled and self.backlink_written_url != self.checkout_url
        )
        return variant

    @api.model
    def _gelato_dam_print_area_label(self, print_area):
        labels = {"default": self.env._("Front"), "back": self.env._("Back")}
        return labels.get(print_area, print_area)

    def _gelato_dam_checkout_url(self, template):
        self.ensure_one()
        secret = self.env["gelato.print.file"]._gelato_get_url_secret(create=True)
        signature = checkout.sign_checkout(secret, self.id, template.id)
        base = self.company_id._gelato_get_public_base_url()
        return "%s%s/%d/%s" % (base, const.CHECKOUT_ROUTE, self.id, signature)

    def _gelato_dam_check_checkout(self, signature):
        """Whether ``signature`` opens this file's checkout (its current product)."""
        self.ensure_one()
        secret = self.env["gelato.print.file"]._gelato_get_url_secret()
        return checkout.verify_checkout(
            secret, self.id, self.product_id.product_tmpl_id.id, signature
        )

    def _gelato_dam_write_backlink_now(self):
        """After Configure: write the checkout link into the DAM right away (when it fails,
        the next synchronisation tries again)."""
        self.ensure_one()
        dam = self.dam_id.sudo()  # sudo: DAM sources are readable by administrators only
        if not (dam.backlink_enabled and self.backlink_pending):
            return None
        try:
            client = dam._gelato_dam_client()
            client.write_backlink(self.external_id, dam.backlink_field.strip(), self.checkout_url)
        except DamError as error:
            _logger.info("Backlink of DAM file %s not written now: %s", self.id, error.code)
            return dam._gelato_dam_error_message(error)
        dam._gelato_dam_save_token(client)
        self.write({"backlink_written_url": self.checkout_url, "backlink_pending": False})
        return None
