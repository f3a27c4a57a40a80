"""The log of one scan of a storage connection: what was listed, matched, attached, refused."""

from odoo import api, fields, models


class GelatoStorageScan(models.Model):
    _name = "gelato.storage.scan"
    _description = "Gelato Artwork Storage Scan"
    _order = "id desc"
    _rec_name = "started_at"

    storage_id = fields.Many2one(
        string="Storage",
        comodel_name="gelato.storage",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="storage_id.company_id", store=True, index=True)
    state = fields.Selection(
        selection=[("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    started_at = fields.Datetime(string="Started", default=fields.Datetime.now, readonly=True)
    finished_at = fields.Datetime(string="Finished", readonly=True)
    duration = fields.Float(
        string="Duration (s)", compute="_compute_duration", store=True, digits=(16, 1)
    )
    listed = fields.Integer(
        readonly=True,
        help="Files listed in the bucket (or, for a web address, names asked for).",
    )
    matched = fields.Integer(readonly=True, help="Files named for an order line waiting for them.")
    already_processed = fields.Integer(
        readonly=True, help="Matched files already handled by an earlier scan (same version)."
    )
    attached = fields.Integer(readonly=True)
    rejected = fields.Integer(readonly=True, help="Files refused: the reason is on each file.")
    unmatched = fields.Integer(
        readonly=True,
        help="Artwork files (JPEG, PNG, PDF) named for no waiting line: orders not waiting, of "
        "another company, or unknown names.",
    )
    skipped = fields.Integer(
        readonly=True, help="Files that cannot be artwork: other extensions or sub-folders."
    )
    duplicates = fields.Integer(
        readonly=True,
        help="Second files for one line and print area (e.g. .png and .jpg): the newest is used.",
    )
    error = fields.Text(readonly=True)
    file_ids = fields.One2many(
        string="Files", comodel_name="gelato.storage.file", inverse_name="scan_id", readonly=True
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("started_at", "finished_at")
    def _compute_duration(self):
        for scan in self:
            end = scan.finished_at
            scan.duration = (
                (end - scan.started_at).total_seconds() if end and scan.started_at else 0
            )

    @api.depends("state", "listed", "matched", "attached", "rejected", "unmatched", "error")
    def _compute_summary(self):
        for scan in self:
            if scan.state == "failed":
                scan.summary = self.env._("Failed: %(error)s", error=scan.error or "")
                continue
            scan.summary = self.env._(
                "%(listed)s listed, %(matched)s matched, %(attached)s attached, %(rejected)s "
                "rejected, %(unmatched)s unmatched.",
                listed=scan.listed,
                matched=scan.matched,
                attached=scan.attached,
                rejected=scan.rejected,
                unmatched=scan.unmatched,
            )
            if scan.state == "running":
                scan.summary += " " + self.env._("The rest is processed in the background.")

    def _gelato_fail(self, message, counts):
        self.write(
            {**counts, "state": "failed", "error": message, "finished_at": fields.Datetime.now()}
        )

    def _gelato_finish_if_done(self):
        """Scans without files still pending are done."""
        running = self.filtered(lambda s: s.state == "running")
        if not running:
            return
        pending = {
            scan.id
            for [scan] in self.env["gelato.storage.file"]._read_group(
                [("scan_id", "in", running.ids), ("state", "=", "pending")], ["scan_id"]
            )
        }
        running.filtered(lambda s: s.id not in pending).write(
            {"state": "done", "finished_at": fields.Datetime.now()}
        )
        running.storage_id._gelato_purge_scans()
