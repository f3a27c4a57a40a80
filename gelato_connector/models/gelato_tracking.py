from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.text import is_web_url


class GelatoTracking(models.Model):
    """A parcel's tracking for a sale line that Gelato shipped (several parcels accumulate)."""

    _name = "gelato.tracking"
    _description = "Gelato Tracking"
    _order = "id"
    _rec_name = "tracking_code"

    sale_line_id = fields.Many2one(
        string="Order Line",
        comodel_name="sale.order.line",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", store=True, index=True)
    company_id = fields.Many2one(related="sale_line_id.company_id", store=True)
    gelato_order_id = fields.Many2one(
        string="Gelato Order", comodel_name="gelato.order", readonly=True, ondelete="cascade"
    )
    tracking_code = fields.Char(required=True, readonly=True)
    tracking_url = fields.Char(string="Tracking URL", readonly=True)
    shipment_method_name = fields.Char(string="Shipment Method", readonly=True)

    _sql_constraints = [
        (
            "line_code_unique",
            "UNIQUE(sale_line_id, tracking_code)",
            "A tracking code is recorded once per order line.",
        ),
    ]

    @api.constrains("tracking_url")
    def _check_tracking_url(self):
        """Customers open this link from a mail and the portal: only http(s) links."""
        for tracking in self:
            if tracking.tracking_url and not is_web_url(tracking.tracking_url):
                raise ValidationError(
                    self.env._(
                        "The tracking link of %(code)s must be an http(s) address.",
                        code=tracking.tracking_code,
                    )
                )
