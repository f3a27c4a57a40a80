# TEMPORARY: replaced by the products branch
# A minimal stand-in for the products branch's contract so the orders work can run its tests:
# the template reference, the "is a Gelato product" flag and one print file (placement
# "default") kept as an attachment. Nothing else in the orders code may depend on more than
# the contract (gelato_template_ref, gelato_is_product, gelato_product_uid and the three
# product.product methods).

from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    gelato_template_ref = fields.Char(
        string="Gelato Template Reference",
        help="The id of the product's template in Gelato's dashboard (Templates > Copy Template ID).",
    )
    gelato_is_product = fields.Boolean(
        string="Is a Gelato Product", compute="_compute_gelato_is_product", store=True
    )
    gelato_print_file = fields.Binary(attachment=True)

    @api.depends("gelato_template_ref")
    def _compute_gelato_is_product(self):
        for template in self:
            template.gelato_is_product = bool(template.gelato_template_ref)
