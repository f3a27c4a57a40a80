from odoo import fields, models

from ..lib import const


class ResCompany(models.Model):
    _inherit = "res.company"

    gelato_personalization_delay = fields.Integer(
        string="Personalisation Link Delay (minutes)",
        default=const.DEFAULT_MAIL_DELAY_MINUTES,
        help="The link is mailed this long after the order is confirmed (Gelato: 15 minutes), "
        "so a customer who changes their mind right away gets no link.",
    )
    gelato_personalization_validity = fields.Integer(
        string="Personalisation Link Validity (days)",
        default=const.DEFAULT_LINK_VALIDITY_DAYS,
        help="A link expires after this many days; a new one is then mailed automatically.",
    )
    gelato_personalization_recipient = fields.Selection(
        string="Personalisation Link Recipient",
        selection=[
            ("customer", "The customer"),
            ("salesperson", "The salesperson (who forwards it)"),
        ],
        default="customer",
        required=True,
    )

    def _gelato_personalization_validity_days(self):
        self.ensure_one()
        return max(1, self.gelato_personalization_validity or const.DEFAULT_LINK_VALIDITY_DAYS)
