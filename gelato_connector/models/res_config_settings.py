from odoo import api, fields, models

from ..exceptions import GelatoApiError
from ..lib import const


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    gelato_api_key = fields.Char(
        related="company_id.gelato_api_key", readonly=False, groups="base.group_system"
    )
    gelato_webhook_secret = fields.Char(
        related="company_id.gelato_webhook_secret", readonly=False, groups="base.group_system"
    )
    gelato_webhook_header = fields.Char(
        related="company_id.gelato_webhook_header", readonly=False, groups="base.group_system"
    )
    gelato_api_url = fields.Char(
        related="company_id.gelato_api_url", readonly=False, groups="base.group_system"
    )
    gelato_public_base_url = fields.Char(
        related="company_id.gelato_public_base_url", readonly=False
    )
    gelato_file_url_validity_days = fields.Integer(
        related="company_id.gelato_file_url_validity_days", readonly=False
    )
    gelato_webhook_url = fields.Char(
        string="Gelato Webhook URL", compute="_compute_gelato_webhook_url"
    )
    gelato_approval_mode = fields.Selection(
        related="company_id.gelato_approval_mode", readonly=False
    )
    gelato_shipping_policy = fields.Selection(
        related="company_id.gelato_shipping_policy", readonly=False
    )
    gelato_approver_group_id = fields.Many2one(
        related="company_id.gelato_approver_group_id", readonly=False
    )
    gelato_company_billing_info = fields.Text(
        string="Company as Gelato knows it", compute="_compute_gelato_company_billing_info"
    )
    gelato_company_info_issues = fields.Text(related="company_id.gelato_company_info_issues")

    # === COMPUTE METHODS === #

    @api.depends("company_id")
    def _compute_gelato_webhook_url(self):
        for settings in self:
            base_url = settings.company_id.get_base_url()
            settings.gelato_webhook_url = base_url.rstrip("/") + const.WEBHOOK_ROUTE

    @api.depends("company_id")
    def _compute_gelato_company_billing_info(self):
        for settings in self:
            company = settings.company_id
            address = company.partner_id._display_address(without_company=True).strip()
            settings.gelato_company_billing_info = "\n".join(
                part for part in (company.name, address) if part
            )

    # === ACTION METHODS === #

    def action_gelato_generate_webhook_secret(self):
        """Generate a strong webhook secret for the current company."""
        self.ensure_one()
        self.company_id._gelato_generate_webhook_secret()

    def action_gelato_test_connection(self):
        """Save the settings, call Gelato with the API key and tell the user what happened.

        One click after pasting a key: the button skips the unsaved-changes dialog
        (``noSaveDialog``), so the settings are applied here before the key is tried.
        """
        self.ensure_one()
        self.execute()
        try:
            count = self.company_id._gelato_test_connection()
        except GelatoApiError as error:
            return self._gelato_notification(
                self.env._("Gelato connection failed"), error.args[0], "danger", sticky=True
            )
        return self._gelato_notification(
            self.env._("Connected to Gelato"),
            self.env._("The API key works: %(count)s product catalogs are available.", count=count),
            "success",
        )

    def action_gelato_open_company(self):
        """Open the company form to complete its name and billing address."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.company",
            "res_id": self.company_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def _gelato_notification(self, title, message, kind, sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": sticky},
        }
