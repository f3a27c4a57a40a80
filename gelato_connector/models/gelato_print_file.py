import base64
import secrets
import time

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.sql import create_unique_index

from ..lib import const, print_files, signing, text

CHECK_FIELDS = ("datas", "placement_id", "product_id", "filename")


class GelatoPrintFileCheck(models.AbstractModel):
    """What the print-file check found about a file (``lib.print_files.check_print_file``):
    shared by the products' print files and the order lines' own."""

    _name = "gelato.print.file.check"
    _description = "Gelato Print File Check"

    file_type = fields.Selection(
        string="Type", selection=[("png", "PNG"), ("jpeg", "JPEG"), ("pdf", "PDF")], readonly=True
    )
    width_px = fields.Integer(
        string="Width", readonly=True, help="Pixels (PNG, JPEG) or points (PDF)."
    )
    height_px = fields.Integer(
        string="Height", readonly=True, help="Pixels (PNG, JPEG) or points (PDF)."
    )
    dpi = fields.Integer(
        string="Resolution (dpi)",
        readonly=True,
        help="Dots per inch when the file covers its print area (300 is the target).",
    )
    page_count = fields.Integer(string="Pages", readonly=True)
    color_mode = fields.Char(string="Colour Mode", readonly=True)
    check_state = fields.Selection(
        string="Check",
        # "Not checked yet": a file being uploaded, until it is saved (every saved file is
        # checked, see create and write).
        selection=[
            ("unchecked", "Not checked yet"),
            ("ok", "Ready"),
            ("warning", "Warning"),
            ("error", "Unusable"),
        ],
        readonly=True,
        default="unchecked",
        help="Unusable: the file does not fit its print area (e.g. the area changed); upload a new "
        "one.",
    )
    check_message = fields.Text(string="Check Details", readonly=True)

    # === BUSINESS METHODS === #
    # The models using this one have company_id, filename and the file in datas.

    def _gelato_get_attachment(self):
        """The ``ir.attachment`` holding the file (what the signed URL serves)."""
        self.ensure_one()
        return (
            self.env["ir.attachment"]
            .sudo()  # sudo: attachments of binary fields are hidden from searches otherwise
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "datas"),
                    ("res_id", "=", self.id),
                ],
                limit=1,
            )
        )

    def _gelato_signed_url(self, line=None):
        """The signed, expiring URL serving this file (a product's or an order line's).

        Built on the company's public base URL; valid for the company's number of days
        (14 by default, 30 at most). The expiry is rounded up to the hour, so the URL stays the
        same for an hour (retried orders send the same payload). Made for ``line``, it stops
        working a grace period after Gelato printed the line.
        """
        self.ensure_one()
        attachment = self._gelato_get_attachment()
        company = self.company_id or self.env.company
        days = min(
            company.gelato_file_url_validity_days or const.PRINT_FILE_URL_VALIDITY_DAYS,
            const.PRINT_FILE_URL_MAX_VALIDITY_DAYS,
        )
        expires = signing.print_file_url_expiry(time.time(), days)
        secret = self.env["gelato.print.file"]._gelato_get_url_secret(create=True)
        line_id = line.id if line else None
        signature = signing.sign_print_file(secret, attachment.id, expires, line_id=line_id)
        return "%s%s/%d/%s%d/%s/%s" % (
            company._gelato_get_public_base_url(),
            const.PRINT_FILE_ROUTE,
            attachment.id,
            "" if line_id is None else "%d/" % line_id,
            expires,
            signature,
            signing.url_filename(self.filename, self.file_type),
        )


class GelatoPrintFile(models.Model):
    """The artwork Gelato prints on one print area: for every variant of a product, or for one
    variant (it then replaces the product's file on that print area).

    Files are checked when uploaded (``print_files.check_print_file``): unreadable files, wrong types
    and resolutions under 150 dpi are refused; under 300 dpi the file is kept with a warning.
    Gelato downloads them through a signed, expiring URL (controllers/gelato_connector.py).
    """

    _name = "gelato.print.file"
    _inherit = ["gelato.print.file.check"]
    _description = "Gelato Print File"
    _order = "product_tmpl_id, placement_sequence, product_id desc, id"
    _rec_name = "filename"

    product_tmpl_id = fields.Many2one(
        string="Product",
        comodel_name="product.template",
        required=True,
        ondelete="cascade",
        index=True,
    )
    placement_id = fields.Many2one(
        string="Print Area",
        comodel_name="gelato.placement",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
    )
    placement_sequence = fields.Integer(related="placement_id.sequence", store=True)
    print_area = fields.Char(related="placement_id.print_area")
    product_id = fields.Many2one(
        string="Variant",
        comodel_name="product.product",
        ondelete="cascade",
        index="btree_not_null",
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
        help="Leave empty to use the file for every variant without a file of its own.",
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True, index=True)
    datas = fields.Binary(string="File", required=True, attachment=True)
    filename = fields.Char(string="File Name")
    is_default = fields.Boolean(
        string="Default Image",
        help="The product's image is made from this file (PNG or JPEG). One file per product.",
    )

    # === CONSTRAINT METHODS === #

    def init(self):
        # One file per print area for the product, and one per print area for each variant.
        create_unique_index(
            self.env.cr,
            "gelato_print_file_placement_product_uniq",
            self._table,
            ["placement_id", "COALESCE(product_id, 0)"],
        )

    @api.constrains("placement_id", "product_id", "product_tmpl_id")
    def _check_gelato_consistency(self):
        for file in self:
            if file.placement_id.product_tmpl_id != file.product_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "The print area %(area)s belongs to another product.",
                        area=file.placement_id.name,
                    )
                )
            if file.product_id and file.product_id.product_tmpl_id != file.product_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "The variant %(variant)s belongs to another product.",
                        variant=file.product_id.display_name,
                    )
                )
            areas = file.product_id.gelato_placements
            if file.product_id and areas is not None and file.print_area not in areas:
                raise ValidationError(
                    self.env._(
                        "The variant %(variant)s has no print area %(area)s in Gelato's "
                        "template: it needs no file there.",
                        variant=file.product_id.display_name,
                        area=file.placement_id.name,
                    )
                )
            file._gelato_check_unique(file.placement_id, file.product_id)

    def _gelato_check_unique(self, placement, product):
        """One file per print area for the product, and one per print area and variant.

        Checked before writing (the unique index would refuse it with a database error).
        """
        duplicate = self.search_count(
            [
                ("id", "not in", self.ids),
                ("placement_id", "=", placement.id),
                ("product_id", "=", product.id),
            ],
            limit=1,
        )
        if duplicate:
            raise ValidationError(
                self.env._(
                    "%(product)s already has a print file for %(area)s: replace that file "
                    "instead of adding one.",
                    product=(product or placement.product_tmpl_id).display_name,
                    area=placement.name,
                )
            )

    # === COMPUTE METHODS === #

    @api.depends("filename", "placement_id.name", "product_id")
    def _compute_display_name(self):
        for file in self:
            file.display_name = "%s - %s: %s" % (
                file.placement_id.name or "",
                file.product_id.display_name or self.env._("all variants"),
                file.filename or "",
            )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            placement = self.env["gelato.placement"].browse(vals.get("placement_id"))
            product = self.env["product.product"].browse(vals.get("product_id"))
            if not vals.get("product_tmpl_id"):
                vals["product_tmpl_id"] = (
                    placement.product_tmpl_id.id or product.product_tmpl_id.id or False
                )
            self._gelato_check_unique(placement, product)
            if vals.get("filename"):
                vals["filename"] = text.clean_filename(vals["filename"])
            # Every file is checked; a missing or empty one is refused ("The file is empty").
            vals.update(
                self._gelato_check_upload(
                    vals.get("datas") or b"", vals.get("filename"), placement, product
                )
            )
        # Odoo shrinks image attachments over 1920 px by default: print files stay untouched.
        files = super(GelatoPrintFile, self.with_context(image_no_postprocess=True)).create(
            vals_list
        )
        files = files.with_env(self.env)
        files.filtered("is_default")._gelato_apply_default_image()
        return files

    def write(self, vals):
        if vals.get("filename"):
            vals = dict(vals, filename=text.clean_filename(vals["filename"]))
        # Odoo shrinks image attachments over 1920 px by default: print files stay untouched.
        self_raw = self.with_context(image_no_postprocess=True)
        if self.env.context.get("gelato_skip_check") or not any(f in vals for f in CHECK_FIELDS):
            result = super(GelatoPrintFile, self_raw).write(vals)
        else:
            result = True
            for file in self:
                placement = (
                    self.env["gelato.placement"].browse(vals["placement_id"])
                    if "placement_id" in vals
                    else file.placement_id
                )
                product = (
                    self.env["product.product"].browse(vals["product_id"])
                    if "product_id" in vals
                    else file.product_id
                )
                filename = vals.get("filename", file.filename)
                datas = vals.get("datas", file.datas)
                file_vals = dict(vals)
                if "placement_id" in vals or "product_id" in vals:
                    file._gelato_check_unique(placement, product)
                # A file emptied is refused like an empty upload.
                file_vals.update(
                    self._gelato_check_upload(datas or b"", filename, placement, product)
                )
                result &= super(
                    GelatoPrintFile, file.with_context(image_no_postprocess=True)
                ).write(file_vals)
        if vals.get("is_default") or "datas" in vals:
            self.filtered("is_default")._gelato_apply_default_image()
        return result

    # === BUSINESS METHODS === #

    def _gelato_check_upload(self, datas, filename, placement, product):
        """Check an uploaded file for its print area; refuse it or return what to store.

        :param datas: the file, base64-encoded (as Binary fields carry it).
        :return: values for the check fields (type, sizes, resolution, warnings).
        :raise ValidationError: when the file cannot be printed, saying why and what to do.
        """
        raw = base64.b64decode(datas)
        width, height = self._gelato_area_size(placement, product)
        result = print_files.check_print_file(raw, filename, width, height)
        messages = self._gelato_check_messages(result, levels=("error",))
        if result["status"] == "error":
            raise ValidationError(
                self.env._(
                    "The print file %(file)s for %(area)s cannot be used:\n%(reasons)s",
                    file=filename or self.env._("(no name)"),
                    area=placement.display_name or self.env._("this print area"),
                    reasons="\n".join(messages),
                )
            )
        return self._gelato_check_values(result, filename)

    def _gelato_check_values(self, result, filename=None):
        state = {"ok": "ok", "warning": "warning"}.get(result["status"], "error")
        values = {
            "file_type": result["file_type"] or False,
            "width_px": result["width_px"],
            "height_px": result["height_px"],
            "dpi": result["dpi"],
            "page_count": result["page_count"],
            "color_mode": result["color_mode"] or False,
            "check_state": state,
            "check_message": "\n".join(self._gelato_check_messages(result)) or False,
        }
        if not filename and result["file_type"]:
            values["filename"] = "print-file.%s" % (
                "jpg" if result["file_type"] == "jpeg" else result["file_type"]
            )
        return values

    @api.model
    def _gelato_area_size(self, placement, product=None):
        """Print area size (mm) a file must fit: the variant's own, else the largest one."""
        areas = product.gelato_placements if product else None
        own = (areas or {}).get(placement.print_area) or {}
        width = own.get("width") or placement.width_mm or None
        height = own.get("height") or placement.height_mm or None
        return width, height

    def _gelato_recheck(self):
        """Check stored files again (their print area changed size); never raises.

        A file that no longer fits is kept but marked unusable: the variants using it count it
        as missing until a new file is uploaded.
        """
        for file in self:
            raw = base64.b64decode(file.datas or b"")
            width, height = self._gelato_area_size(file.placement_id, file.product_id)
            result = print_files.check_print_file(raw, file.filename, width, height)
            file.with_context(gelato_skip_check=True).write(
                self._gelato_check_values(result, file.filename)
            )

    def _gelato_apply_default_image(self):
        """Make the product's image from the file marked as default; unmark the others."""
        for file in self:
            others = file.product_tmpl_id.gelato_print_file_ids.filtered(
                lambda f, current=file: f.is_default and f != current
            )
            if others:
                others.with_context(gelato_skip_check=True).write({"is_default": False})
            if file.file_type == "pdf":
                raise ValidationError(
                    self.env._(
                        "A PDF cannot be shown as the product's image: mark a PNG or JPEG file "
                        "as the default image, or set the image yourself."
                    )
                )
            preview = print_files.make_print_file_preview(base64.b64decode(file.datas))
            if not preview:
                raise ValidationError(
                    self.env._(
                        "No product image could be made from %(file)s (it is too large to "
                        "decode here): set the product's image yourself.",
                        file=file.filename,
                    )
                )
            file.product_tmpl_id.image_1920 = base64.b64encode(preview)

    @api.model
    def _gelato_get_url_secret(self, create=False):
        """The key print-file links are signed with (never leaves the server).

        The module's own key, not ``database.secret``: ``data/neutralize.sql`` deletes it, so a
        neutralised copy signs with a new key and production links do not open its files (nor
        its links production's).

        :param bool create: make the key when there is none (not in read-only requests).
        """
        # sudo: the key is a system parameter, readable by the superuser only.
        key = self.env["ir.config_parameter"].sudo().get_param(const.PRINT_FILE_SIGNING_KEY_PARAM)
        if not key and create:
            key = self._gelato_ensure_signing_key()
        return key

    @api.model
    def _gelato_ensure_signing_key(self):
        """Make the signing key if there is none (install, upgrade, first link after a copy).

        On an upgrade from links signed with ``database.secret`` (Gelato orders exist), those
        links keep working until they would have expired anyway; never on a neutralised copy.

        :return: the key.
        """
        params = self.env["ir.config_parameter"].sudo()  # sudo: system parameters
        key = params.get_param(const.PRINT_FILE_SIGNING_KEY_PARAM)
        if key:
            return key
        key = secrets.token_hex(32)
        params.set_param(const.PRINT_FILE_SIGNING_KEY_PARAM, key)
        if not params.get_param("database.is_neutralized") and self.env[
            "gelato.order"
        ].sudo().search_count([], limit=1):
            until = int(time.time()) + const.PRINT_FILE_URL_MAX_VALIDITY_DAYS * 86400
            params.set_param(const.PRINT_FILE_LEGACY_SIGNATURE_PARAM, str(until))
        return key

    @api.model
    def _gelato_check_link(self, attachment_id, expires, signature, line_id=None):
        """Whether a print-file link may be served.

        :return: ``"ok"``; ``"invalid"`` (wrong signature or expired); ``"printed"`` (made for
            an order line Gelato printed more than the grace period ago).
        """
        valid = signing.verify_print_file_signature(
            self._gelato_get_url_secret(), attachment_id, expires, signature, line_id=line_id
        )
        if not valid and line_id is None:
            valid = self._gelato_check_legacy_link(attachment_id, expires, signature)
        if not valid:
            return "invalid"
        if line_id is not None:
            line = self.env["sale.order.line"].sudo().browse(line_id).exists()  # sudo: Gelato
            printed = line.gelato_printed_date if line else False
            grace = const.PRINT_FILE_GRACE_DAYS_AFTER_PRINTED
            if printed and fields.Datetime.add(printed, days=grace) < fields.Datetime.now():
                return "printed"
        return "ok"

    @api.model
    def _gelato_check_legacy_link(self, attachment_id, expires, signature):
        """A link signed with ``database.secret`` before this module had its own key: valid
        only while the upgrade's transition lasts (see :meth:`_gelato_ensure_signing_key`)."""
        params = self.env["ir.config_parameter"].sudo()  # sudo: system parameters
        try:
            until = int(params.get_param(const.PRINT_FILE_LEGACY_SIGNATURE_PARAM) or 0)
        except ValueError:
            until = 0
        if not until or int(expires) > until or params.get_param("database.is_neutralized"):
            return False
        return signing.verify_print_file_signature(
            params.get_param("database.secret"), attachment_id, expires, signature
        )

    def _gelato_get_public_url(self, line=None):
        """An absolute URL Gelato can download this file from, signed and expiring.

        Made for ``line`` (a ``sale.order.line``), it stops working a grace period after Gelato
        printed the line. See :meth:`GelatoPrintFileCheck._gelato_signed_url`.
        """
        self.ensure_one()
        # sudo: called while confirming orders, by any salesperson
        return self.sudo()._gelato_signed_url(line)

    # === BUSINESS METHODS: check messages === #

    @api.model
    def _gelato_check_templates(self):
        """For each print-file check code: its message, translated with the finding's params."""
        return {
            "empty": lambda p: self.env._("The file is empty.", **p),
            "too_big": lambda p: self.env._(
                "The file is %(size_mb)s MB; files up to %(max_mb)s MB are accepted.",
                **p,
            ),
            "unsupported_type": lambda p: self.env._(
                "%(detected)s files are not accepted here: upload a PNG, JPEG or PDF file.",
                **p,
            ),
            "unknown_type": lambda p: self.env._("This is not a PNG, JPEG or PDF file.", **p),
            "bad_extension": lambda p: self.env._(
                "The file's name ends with %(extension)s but it contains %(detected)s data: rename it "
                "with the right extension.",
                **p,
            ),
            "type_mismatch": lambda p: self.env._(
                "The file is named %(extension)s but contains %(detected)s data: export it again in "
                "the right format or rename it.",
                **p,
            ),
            "unreadable": lambda p: self.env._(
                "The file cannot be read (%(detail)s): export it again.", **p
            ),
            "corrupt": lambda p: self.env._(
                "The file is damaged (%(detail)s): export it again.", **p
            ),
            "truncated": lambda p: self.env._(
                "The file is incomplete (it stops before its end): upload it again or export it again.",
                **p,
            ),
            "too_many_pixels": lambda p: self.env._(
                "The image has %(megapixels)s megapixels; the limit is %(max_megapixels)s megapixels. "
                "Export it at 300 dpi at print size.",
                **p,
            ),
            "too_complex": lambda p: self.env._(
                "The file could not be checked safely (%(detail)s): it is too large or too complex. "
                "Export a simpler or flattened version.",
                **p,
            ),
            "check_unavailable": lambda p: self.env._(
                "The file could not be checked on this server (%(detail)s). Ask your "
                "administrator to repair the print-file check (Pillow and pypdf in Odoo's "
                "Python environment), then upload the file again.",
                **p,
            ),
            "encrypted": lambda p: self.env._(
                "The PDF is password-protected: export it without a password.", **p
            ),
            "pdf_protected": lambda p: self.env._(
                "The PDF has usage restrictions (owner password); Gelato may refuse it.",
                **p,
            ),
            "no_pages": lambda p: self.env._("The PDF has no page.", **p),
            "pdf_pages": lambda p: self.env._(
                "The PDF has %(count)s pages: only the first one is printed on this print area.",
                **p,
            ),
            "dpi_too_low": lambda p: self.env._(
                "Resolution too low for printing: %(dpi)s dpi on the %(area_width_mm)s x "
                "%(area_height_mm)s mm print area (at least %(min_dpi)s dpi; %(width_px)s x "
                "%(height_px)s pixels for 300 dpi).",
                **p,
            ),
            "dpi_low": lambda p: self.env._(
                "Low resolution: %(dpi)s dpi on the %(area_width_mm)s x %(area_height_mm)s mm print "
                "area; %(target_dpi)s dpi (%(width_px)s x %(height_px)s pixels) is recommended.",
                **p,
            ),
            "pdf_page_too_small": lambda p: self.env._(
                "The PDF page (%(page_width_mm)s x %(page_height_mm)s mm) is far smaller than the "
                "print area (%(area_width_mm)s x %(area_height_mm)s mm): it would be enlarged more "
                "than twice. Export it at print size.",
                **p,
            ),
            "pdf_page_small": lambda p: self.env._(
                "The PDF page (%(page_width_mm)s x %(page_height_mm)s mm) is smaller than the print "
                "area (%(area_width_mm)s x %(area_height_mm)s mm) and will be enlarged.",
                **p,
            ),
            "pdf_image_dpi_too_low": lambda p: self.env._(
                "An image in the PDF prints at %(dpi)s dpi: at least %(min_dpi)s dpi is needed.",
                **p,
            ),
            "pdf_image_dpi_low": lambda p: self.env._(
                "An image in the PDF prints at %(dpi)s dpi; %(target_dpi)s dpi is recommended.",
                **p,
            ),
            "aspect_ratio": lambda p: self.env._(
                "The artwork's proportions (%(file_ratio)s) differ from the print area's "
                "(%(area_ratio)s, %(area_width_mm)s x %(area_height_mm)s mm): Gelato will crop or "
                "pad it.",
                **p,
            ),
            "color_mode": lambda p: self.env._("Colour mode: %(mode)s.", **p),
        }

    @api.model
    def _gelato_check_messages(self, result, levels=("error", "warning", "info")):
        """Readable messages of a ``lib.print_files.check_print_file`` result, in the user's
        language."""
        templates = self._gelato_check_templates()
        messages = []
        order = {"error": 0, "warning": 1, "info": 2}
        for finding in sorted(result.get("findings", []), key=lambda f: order.get(f["level"], 3)):
            if finding["level"] not in levels:
                continue
            template = templates.get(finding["code"])
            try:
                messages.append(template(finding["params"] or {}) if template else finding["code"])
            except (KeyError, TypeError, ValueError):
                # A finding without the params its message names: the code, not a crash.
                messages.append(finding["code"])
        return messages
