from odoo import fields, models


class GelatoPlacement(models.Model):
    _inherit = "gelato.placement"

    gelato_from_storage = fields.Boolean(
        string="From Storage",
        default=True,
        help="For products whose artwork comes per order from storage: this print area's file "
        "comes with each order line. Untick it to keep printing the product's file here (e.g. "
        "the same back on every t-shirt).",
    )
