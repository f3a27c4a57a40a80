from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    gelato_dam_asset_id = fields.Many2one(
        string="DAM File",
        comodel_name="gelato.dam.asset",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The DAM file this Gelato product prints (configured from DAM import).",
    )

    @api.depends("gelato_dam_asset_id")
    def _compute_gelato_is_product(self):
        """A product configured from a DAM file is a Gelato product without a template: its
        variant has the Gelato product UID and print area the Configure wizard chose."""
        result = super()._compute_gelato_is_product()
        for template in self:
            if template.gelato_dam_asset_id:
                template.gelato_is_product = True
        return result
