from odoo import fields, models

# Lines of details kept on one log (a run over thousands of broken files stays readable).
MAX_DETAIL_LINES = 200


class GelatoDamSyncLog(models.Model):
    """What one synchronisation run of a DAM source did."""

    _name = "gelato.dam.sync.log"
    _description = "Gelato DAM Synchronisation Log"
    _order = "id desc"
    _rec_name = "create_date"

    dam_id = fields.Many2one(
        string="DAM Source",
        comodel_name="gelato.dam",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="dam_id.company_id", store=True, index=True)
    full = fields.Boolean(
        string="Full Listing", readonly=True, help="Every tagged file was listed."
    )
    state = fields.Selection(
        selection=[("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    imported = fields.Integer(readonly=True)
    updated = fields.Integer(readonly=True)
    archived = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True, help="Files imported with a reason they cannot be used.")
    remaining = fields.Integer(readonly=True, help="Files left for the next run.")
    api_calls = fields.Integer(string="DAM Calls", readonly=True)
    details = fields.Text(readonly=True)
    summary = fields.Char(compute="_compute_summary")

    def _compute_summary(self):
        for log in self:
            log.summary = self.env._(
                "%(imported)s imported, %(updated)s updated, %(archived)s archived, "
                "%(failed)s failed, %(remaining)s left.",
                imported=log.imported,
                updated=log.updated,
                archived=log.archived,
                failed=log.failed,
                remaining=log.remaining,
            ) + ("\n" + log.details if log.details else "")

    def _gelato_values(self, stats, details, state=None):
        values = {
            name: stats[name] for name in ("imported", "updated", "archived", "failed", "remaining")
        }
        lines = details[:MAX_DETAIL_LINES]
        if len(details) > MAX_DETAIL_LINES:
            lines.append(self.env._("… and %(count)s more.", count=len(details) - MAX_DETAIL_LINES))
        values["details"] = "\n".join(lines) or False
        if state:
            values["state"] = state
        return values
