from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    gelato_personalization_ids = fields.One2many(
        string="Personalisation",
        comodel_name="gelato.personalization",
        inverse_name="sale_line_id",
        readonly=True,
    )
    gelato_personalization_state = fields.Selection(
        string="Personalisation State",
        related="gelato_personalization_ids.state",
    )

    # === BUSINESS METHODS === #

    def _get_sale_order_line_multiline_description_sale(self):
        """Override of `sale`: the line tells the customer a personalisation link follows (in
        the cart, the quotation, the portal and the order's PDF)."""
        description = super()._get_sale_order_line_multiline_description_sale()
        template = self.product_id.product_tmpl_id
        notice = (template.gelato_personalization_notice or "").strip()
        if template.gelato_personalizable and notice:
            description = "%s\n%s" % (description, notice)
        return description

    def _gelato_is_personalizable(self):
        """Whether the customer personalises what this line orders."""
        self.ensure_one()
        return bool(
            self._gelato_is_gelato_line()
            and self.product_id.product_tmpl_id.gelato_personalizable
            and self.product_uom_qty > 0
        )

    def _gelato_personalization_missing(self):
        """Whether this personalisable line still lacks a file of a personalised print area."""
        self.ensure_one()
        if not self._gelato_is_personalizable():
            return False
        areas = self.product_id.product_tmpl_id._gelato_order_print_areas()
        return bool(set(areas) - self._gelato_covered_print_areas())

    def _gelato_covered_print_areas(self):
        """The print areas this line has its own (usable) file for."""
        self.ensure_one()
        # sudo: checked for whoever confirms or personalises (a shop visitor, the customer).
        files = self.sudo().gelato_line_file_ids
        return set(files.filtered(lambda f: f.check_state != "error").mapped("print_area"))
