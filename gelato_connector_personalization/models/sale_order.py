from datetime import timedelta

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    gelato_personalization_ids = fields.One2many(
        string="Personalisations",
        comodel_name="gelato.personalization",
        inverse_name="order_id",
        readonly=True,
    )
    gelato_personalization_count = fields.Integer(compute="_compute_gelato_personalization_count")

    # === COMPUTE METHODS === #

    def _compute_gelato_personalization_count(self):
        for order in self:
            order.gelato_personalization_count = len(order.gelato_personalization_ids)

    # === CRUD / ACTION OVERRIDES === #

    def _action_cancel(self):
        """Override of the core: cancelling the order kills its personalisation links."""
        res = super()._action_cancel()
        self.gelato_personalization_ids._gelato_cancel()
        return res

    # === ACTION METHODS === #

    def action_gelato_view_personalizations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gelato_connector_personalization.gelato_personalization_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.gelato_personalization_ids) == 1:
            action.update(view_mode="form", res_id=self.gelato_personalization_ids.id)
            action["views"] = [(False, "form")]
        return action

    def action_gelato_approve_without_personalization(self):
        """Send the order with the products' default designs (the seed: a personalisation
        never completed is not fulfilled "unless you manually approve the order")."""
        orders = self.filtered(lambda o: o.gelato_state == "pending_personalization")
        if not orders:
            raise UserError(
                self.env._("Only orders waiting for personalisation can be approved so.")
            )
        orders.check_access("write")
        for order in orders:
            order._gelato_attach_default_designs()
            order.gelato_personalization_ids._gelato_cancel()
            order._gelato_post_note(
                self.env._(
                    "Approved without personalisation by %(user)s: the default design is printed.",
                    user=self.env.user.name,
                )
            )
        orders._gelato_advance_state()
        # The approval covers the approval step too (one click, not two).
        waiting = orders.filtered(lambda o: o.gelato_state == "pending_approval")
        if waiting:
            waiting.action_gelato_approve()
        return True

    # === BUSINESS METHODS: the pipeline step === #

    def _gelato_needs_personalization(self):
        """Override of the core: wait while a personalisable line has no personalised file."""
        self.ensure_one()
        return any(line._gelato_personalization_missing() for line in self.order_line)

    def _gelato_advance_state(self):
        """Override of the core: an order that starts waiting for personalisation gets one
        personalisation per line and its link mail is scheduled."""
        res = super()._gelato_advance_state()
        self.filtered(
            lambda o: o.gelato_state == "pending_personalization"
        )._gelato_start_personalization()
        return res

    def _gelato_start_personalization(self):
        """One personalisation (and link) per personalisable line without one; the link mail
        goes out after the company's delay (a cron trigger, not a waiting thread)."""
        to_create = []
        # sudo: whoever confirms (a salesperson, a shop visitor paying) starts the flow.
        to_reopen = self.env["gelato.personalization"].sudo()
        now = fields.Datetime.now()
        for order in self:
            due = now + timedelta(minutes=max(0, order.company_id.gelato_personalization_delay))
            for line in order.order_line:
                if not line._gelato_personalization_missing():
                    continue
                if not line.gelato_personalization_ids:
                    to_create.append({"sale_line_id": line.id, "mail_due_date": due})
                elif line.gelato_personalization_ids.state == "cancelled":
                    # Confirmed again after a cancel: a new link (the old ones stay dead).
                    reopened = line.gelato_personalization_ids.sudo()
                    reopened.write(
                        {"state": "pending", "mail_due_date": due, "mail_sent_date": False}
                    )
                    to_reopen |= reopened
        to_reopen._gelato_issue_link()
        personalizations = self.env["gelato.personalization"].sudo().create(to_create) | to_reopen
        if personalizations:
            personalizations._gelato_trigger_cron(min(personalizations.mapped("mail_due_date")))
        return personalizations

    def _gelato_personalization_done(self):
        """A line was personalised: once no line waits anymore, the order goes on."""
        for order in self.filtered(lambda o: o.gelato_state == "pending_personalization"):
            if not order._gelato_needs_personalization():
                order._gelato_advance_state()

    def _gelato_attach_default_designs(self):
        """The product's print files become the lines' files for the personalised areas."""
        for line in self.order_line.filtered(lambda line: line._gelato_personalization_missing()):
            template = line.product_id.product_tmpl_id.sudo()
            covered = line._gelato_covered_print_areas()
            for placement in template._gelato_personalizable_placements():
                if placement.print_area in covered:
                    continue
                files = template.gelato_print_file_ids.filtered(
                    lambda f, p=placement, v=line.product_id: f.placement_id == p
                    and f.product_id in (v, self.env["product.product"])
                    and f.check_state != "error"
                ).sorted(lambda f: not f.product_id)
                if not files:
                    raise UserError(
                        self.env._(
                            "%(product)s has no default design for %(area)s: upload one on the "
                            "product (Gelato print files) before approving without "
                            "personalisation.",
                            product=template.display_name,
                            area=placement.name,
                        )
                    )
                file = files[0]
                line.sudo()._gelato_attach_print_file(
                    placement.print_area,
                    file._gelato_get_attachment().raw,
                    file.filename,
                    "manual",
                    source_ref="default design",
                )

    def _gelato_personalization_mail(self, template_xmlid):
        """Mail the order's pending links: to the customer, or to the salesperson to forward.

        A customer without an e-mail address gets nothing: the salesperson gets an activity.
        """
        self.ensure_one()
        if self.company_id.gelato_personalization_recipient == "customer":
            if self.partner_id.email:
                self._gelato_mail_customer(template_xmlid)
                return
            self._gelato_schedule_activity(
                self.env._("Gelato: personalisation link not mailed"),
                self.env._(
                    "%(customer)s has no e-mail address: send them the personalisation link "
                    "(Personalisations button on the order).",
                    customer=self.partner_id.display_name,
                ),
            )
            return
        user = self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        template = self.env.ref(template_xmlid).sudo()
        # An internal note to the salesperson only (the customer, a follower, must not get it).
        lang_template = template.with_context(lang=user.lang)
        self.with_user(SUPERUSER_ID).message_post(
            body=lang_template._render_field("body_html", self.ids)[self.id],
            subject=lang_template._render_field("subject", self.ids)[self.id],
            author_id=self.env.ref("base.partner_root").id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=user.partner_id.ids,
        )
