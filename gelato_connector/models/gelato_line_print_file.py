import base64

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.sql import create_unique_index

from ..lib import print_files, text


class GelatoLinePrintFile(models.Model):
    """The artwork of one order line on one print area, made for that order: by the customer
    (personalisation), found in the merchant's storage, or uploaded on the order.

    It replaces the product's print file on its print area for that line only. The print areas
    whose file comes per line are those of :meth:`ProductTemplate._gelato_order_print_areas`;
    the features that fill them call :meth:`SaleOrderLine._gelato_attach_print_file`. Files are
    checked like product print files and served to Gelato through the same signed, expiring
    URL (controllers/gelato_connector.py).
    """

    _name = "gelato.line.print.file"
    _inherit = ["gelato.print.file.check"]
    _description = "Gelato Order Line Print File"
    _order = "order_id desc, sale_line_id, print_area, id"
    _rec_name = "filename"
    _check_company_auto = True

    sale_line_id = fields.Many2one(
        string="Order Line",
        comodel_name="sale.order.line",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    order_id = fields.Many2one(
        string="Order", related="sale_line_id.order_id", store=True, index=True
    )
    company_id = fields.Many2one(related="sale_line_id.company_id", store=True, index=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    print_area = fields.Char(
        required=True,
        readonly=True,
        help="Gelato's print area (file type) the file is printed on, e.g. default or back.",
    )
    datas = fields.Binary(string="File", required=True, attachment=True)
    filename = fields.Char(string="File Name")
    source = fields.Selection(
        selection=[
            ("manual", "Uploaded"),
            ("storage", "Remote Storage"),
            ("personalization", "Personalisation"),
        ],
        required=True,
        default="manual",
        readonly=True,
    )
    source_ref = fields.Char(
        string="Source Reference",
        readonly=True,
        help="Where the file came from (e.g. the storage key and its version).",
    )

    def init(self):
        create_unique_index(
            self.env.cr,
            "gelato_line_print_file_line_area_uniq",
            self._table,
            ["sale_line_id", "print_area"],
        )

    # === COMPUTE METHODS === #

    @api.depends("filename", "print_area", "sale_line_id")
    def _compute_display_name(self):
        for file in self:
            file.display_name = "%s - %s: %s" % (
                file.order_id.name or "",
                file.print_area or "",
                file.filename or "",
            )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            line = self.env["sale.order.line"].browse(vals.get("sale_line_id"))
            if vals.get("filename"):
                vals["filename"] = text.clean_filename(vals["filename"])
            vals.update(
                self._gelato_check_line_file(
                    line, vals.get("print_area"), vals.get("datas") or b"", vals.get("filename")
                )
            )
        # Odoo shrinks image attachments over 1920 px by default: print files stay untouched.
        files = super(GelatoLinePrintFile, self.with_context(image_no_postprocess=True)).create(
            vals_list
        )
        return files.with_env(self.env)

    def write(self, vals):
        if vals.get("filename"):
            vals = dict(vals, filename=text.clean_filename(vals["filename"]))
        if "datas" not in vals and "filename" not in vals:
            return super().write(vals)
        result = True
        for file in self:
            file_vals = dict(vals)
            file_vals.update(
                self._gelato_check_line_file(
                    file.sale_line_id,
                    file.print_area,
                    vals.get("datas", file.datas) or b"",
                    vals.get("filename", file.filename),
                )
            )
            result &= super(
                GelatoLinePrintFile, file.with_context(image_no_postprocess=True)
            ).write(file_vals)
        return result

    # === BUSINESS METHODS === #

    @api.model
    def _gelato_check_line_file(self, line, print_area, datas, filename):
        """Check a file for a line's print area; refuse it or return what to store.

        :param datas: the file, base64-encoded (as Binary fields carry it).
        :return: values for the check fields.
        :raise ValidationError: when the line has no such print area or the file cannot be
            printed, saying why.
        """
        PrintFile = self.env["gelato.print.file"]
        product = line.product_id.sudo()  # sudo: placements are read for any salesperson
        placement = product.product_tmpl_id.gelato_placement_ids.filtered(
            lambda p: p.print_area == print_area
        )[:1]
        areas = product.gelato_placements
        if not placement or (areas is not None and print_area not in areas):
            raise ValidationError(
                self.env._(
                    "%(product)s has no print area %(area)s: the file for order %(order)s "
                    "cannot be used there.",
                    product=product.display_name,
                    area=print_area,
                    order=line.order_id.name,
                )
            )
        width, height = PrintFile._gelato_area_size(placement, product)
        result = print_files.check_print_file(base64.b64decode(datas), filename, width, height)
        if result["status"] == "error":
            raise ValidationError(
                self.env._(
                    "The print file %(file)s for %(area)s of order %(order)s cannot be "
                    "used:\n%(reasons)s",
                    file=filename or self.env._("(no name)"),
                    area=placement.name,
                    order=line.order_id.name,
                    reasons="\n".join(PrintFile._gelato_check_messages(result, ("error",))),
                )
            )
        return PrintFile._gelato_check_values(result, filename)

    def _gelato_get_public_url(self, line=None):
        """An absolute, signed and expiring URL Gelato downloads the file from (made for its
        own line, whatever ``line`` says: it stops working a grace period after Gelato printed
        the line)."""
        self.ensure_one()
        file_sudo = self.sudo()  # sudo: called while sending orders, by any salesperson
        return file_sudo._gelato_signed_url(file_sudo.sale_line_id)
