from odoo import fields, models


class GelatoPersonalizationLink(models.Model):
    """Every link issued for a personalisation, kept as the SHA-256 of its token: an old link
    opens a page saying it expired (without any data of the order); a token never issued
    gets a 404. The unique hash means a token is never issued twice."""

    _name = "gelato.personalization.link"
    _description = "Gelato Personalisation Link"
    _order = "id desc"

    personalization_id = fields.Many2one(
        comodel_name="gelato.personalization", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="personalization_id.company_id", store=True, index=True)
    token_hash = fields.Char(required=True, readonly=True)
    expiry_date = fields.Datetime(string="Expires", readonly=True)

    _sql_constraints = [
        ("token_hash_unique", "UNIQUE(token_hash)", "A link's token is never issued twice."),
    ]
