from odoo import api, fields, models

from .. import const, utils


class GelatoOrder(models.Model):
    """An order at Gelato for a sale order.

    Usually one per sale order; several when Gelato splits the order between fulfilment
    facilities ("connected orders", each with its own Gelato id and the same reference).
    """

    _name = "gelato.order"
    _description = "Gelato Order"
    _order = "id"
    _rec_name = "gelato_id"

    sale_order_id = fields.Many2one(
        string="Sale Order",
        comodel_name="sale.order",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True)
    gelato_id = fields.Char(string="Gelato Order ID", required=True, readonly=True, index=True)
    order_type = fields.Selection(
        string="Type",
        selection=[("draft", "Draft"), ("order", "Order")],
        required=True,
        default="draft",
        readonly=True,
        help="Draft: created at Gelato, promoted to an order once Odoo has committed it.",
    )
    fulfillment_status = fields.Selection(
        string="Status", selection=const.FULFILLMENT_STATUSES, readonly=True
    )
    financial_status = fields.Char(readonly=True)
    shipment_method_uid = fields.Char(string="Shipment Method UID", readonly=True)
    shipment_method_name = fields.Char(string="Shipment Method", readonly=True)
    fulfillment_country = fields.Char(readonly=True)
    min_delivery_date = fields.Date(string="Delivery From", readonly=True)
    max_delivery_date = fields.Date(string="Delivery Until", readonly=True)
    last_sync = fields.Datetime(string="Last Update", readonly=True)
    shipped_notified = fields.Boolean(
        readonly=True, copy=False, help="The customer was mailed that this part shipped."
    )
    delivered_notified = fields.Boolean(
        readonly=True, copy=False, help="The customer was mailed that this part was delivered."
    )
    sale_line_ids = fields.One2many(
        string="Order Lines", comodel_name="sale.order.line", inverse_name="gelato_order_id"
    )
    tracking_ids = fields.One2many(
        string="Tracking", comodel_name="gelato.tracking", inverse_name="gelato_order_id"
    )

    _sql_constraints = [
        ("gelato_id_unique", "UNIQUE(gelato_id)", "A Gelato order belongs to one sale order."),
    ]

    # === COMPUTE METHODS === #

    @api.depends("gelato_id", "fulfillment_status")
    def _compute_display_name(self):
        labels = dict(const.FULFILLMENT_STATUSES)
        for gelato_order in self:
            status = labels.get(gelato_order.fulfillment_status)
            gelato_order.display_name = (
                "%s (%s)" % (gelato_order.gelato_id, status) if status else gelato_order.gelato_id
            )

    # === BUSINESS METHODS === #

    def _gelato_set_status(self, status):
        """Move to Gelato's ``status`` unless that would move backwards.

        :return: whether the status changed.
        """
        self.ensure_one()
        if not utils.gelato_status_moves_forward(self.fulfillment_status, status):
            return False
        self.fulfillment_status = status
        return True
