from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    gelato_personalization_delay = fields.Integer(
        related="company_id.gelato_personalization_delay", readonly=False
    )
    gelato_personalization_validity = fields.Integer(
        related="company_id.gelato_personalization_validity", readonly=False
    )
    gelato_personalization_recipient = fields.Selection(
        related="company_id.gelato_personalization_recipient", readonly=False
    )
