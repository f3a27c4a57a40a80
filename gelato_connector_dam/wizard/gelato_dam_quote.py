from odoo import fields, models


class GelatoDamQuote(models.TransientModel):
    """A new quotation of a configured DAM file, for the customer chosen."""

    _name = "gelato.dam.quote"
    _description = "Quote a DAM File"

    asset_id = fields.Many2one(comodel_name="gelato.dam.asset", required=True, ondelete="cascade")
    partner_id = fields.Many2one(string="Customer", comodel_name="res.partner", required=True)
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")

    def action_create_quotation(self):
        self.ensure_one()
        asset = self.asset_id
        order = (
            self.env["sale.order"]
            .with_company(asset.company_id)
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": asset.company_id.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {"product_id": asset.product_id.id, "product_uom_qty": self.quantity},
                        )
                    ],
                }
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "target": "current",
        }
