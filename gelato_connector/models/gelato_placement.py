from odoo import api, fields, models


class GelatoPlacement(models.Model):
    """A print area of a Gelato product (front, back, sleeve...), as its template lists it.

    Created and kept up to date by the template synchronisation: one record per Gelato file
    type (``items[].files[].type``) over all the template's variants. Its size is the largest
    the variants give for that print area; each variant keeps its own sizes in
    ``product.product.gelato_placements``.
    """

    _name = "gelato.placement"
    _description = "Gelato Print Area"
    _order = "product_tmpl_id, sequence, id"
    _rec_names_search = ["name", "print_area"]

    name = fields.Char(
        string="Print Area",
        required=True,
        help="Shown to users; the synchronisation sets it once and never overwrites it.",
    )
    product_tmpl_id = fields.Many2one(
        string="Product",
        comodel_name="product.template",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True, index=True)
    print_area = fields.Char(
        string="Gelato File Type",
        required=True,
        help="The file type sent to Gelato for this print area (default, back, sleeve-left...).",
    )
    placeholder_names = fields.Char(
        string="Gelato Placeholders", help="The image placeholders of Gelato's template."
    )
    width_mm = fields.Float(string="Width (mm)", digits=(10, 2))
    height_mm = fields.Float(string="Height (mm)", digits=(10, 2))
    sequence = fields.Integer(default=10)
    print_file_ids = fields.One2many(
        string="Print Files", comodel_name="gelato.print.file", inverse_name="placement_id"
    )
    template_print_file_id = fields.Many2one(
        string="Print File",
        comodel_name="gelato.print.file",
        compute="_compute_template_print_file_id",
        help="The file used by every variant that has no file of its own for this print area.",
    )

    _sql_constraints = [
        (
            "print_area_unique",
            "UNIQUE(product_tmpl_id, print_area)",
            "A product has one placement per Gelato print area.",
        ),
    ]

    # === COMPUTE METHODS === #

    @api.depends("print_file_ids.product_id")
    def _compute_template_print_file_id(self):
        for placement in self:
            placement.template_print_file_id = placement.print_file_ids.filtered(
                lambda f: not f.product_id
            )[:1]

    @api.depends("name", "width_mm", "height_mm")
    def _compute_display_name(self):
        for placement in self:
            if placement.width_mm and placement.height_mm:
                placement.display_name = self.env._(
                    "%(name)s (%(width)s x %(height)s mm)",
                    name=placement.name,
                    width=_format_mm(placement.width_mm),
                    height=_format_mm(placement.height_mm),
                )
            else:
                placement.display_name = placement.name


def _format_mm(value):
    return ("%.2f" % value).rstrip("0").rstrip(".")
