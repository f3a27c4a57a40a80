"""The steps a confirmed Gelato order takes before it is sent (``sale.order.gelato_state``).

A confirmed Gelato order walks the steps of :meth:`SaleOrder._gelato_pipeline_steps` in order,
stopping at the first one that applies to it; ``queued`` (always applies) hands it to the send
job. A feature that makes orders wait (personalisation, artwork from remote storage) plugs in
by returning True from its step's check while the order must wait, and calls
:meth:`SaleOrder._gelato_advance_state` once its part is done; a new step is registered by
extending :meth:`SaleOrder._gelato_pipeline_steps` (and ``gelato_state``'s selection), never by
editing :meth:`SaleOrder._gelato_advance_state`.
"""

from collections import namedtuple

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, models

# state: the gelato_state value the order waits in; check: the sale.order method saying whether
# the order must wait there; note: the chatter note when it does.
GelatoStep = namedtuple("GelatoStep", ["state", "check", "note"])


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # === BUSINESS METHODS: the steps === #

    @api.model
    def _gelato_pipeline_steps(self):
        """The steps before sending, in order; the last one, ``queued``, always applies.

        :return: a list of :data:`GelatoStep`.
        """
        return [
            GelatoStep(
                "pending_personalization",
                "_gelato_needs_personalization",
                self.env._(
                    "Waiting for the customer to personalize the order before it goes to Gelato."
                ),
            ),
            GelatoStep(
                "pending_artwork",
                "_gelato_needs_artwork",
                self.env._(
                    "Waiting for the artwork from the remote storage before the order goes to "
                    "Gelato."
                ),
            ),
            GelatoStep(
                "pending_approval",
                "_gelato_needs_approval",
                self.env._("Waiting for approval before the order goes to Gelato (click Approve)."),
            ),
            GelatoStep(
                "queued",
                "_gelato_can_be_queued",
                self.env._("Queued for Gelato: it is sent in the background."),
            ),
        ]

    def _gelato_needs_personalization(self):
        """Whether the order waits for the customer to personalize a product.

        The personalisation feature returns True while a personalizable line has no
        personalized print file, and calls :meth:`_gelato_advance_state` once it has.
        """
        self.ensure_one()
        return False

    def _gelato_needs_artwork(self):
        """Whether the order waits for artwork from remote storage.

        The remote-storage feature returns True while a line expects its print file from the
        merchant's storage, and calls :meth:`_gelato_advance_state` once the scan attached
        every file.
        """
        self.ensure_one()
        return False

    def _gelato_needs_approval(self):
        self.ensure_one()
        return self.company_id.gelato_approval_mode == "manual"

    def _gelato_can_be_queued(self):
        return True

    def _gelato_advance_state(self):
        """Move confirmed Gelato orders to the next step that applies after their current one.

        A step that does not apply is skipped; queued orders wake the send job up. Orders past
        the pipeline (sent, error, cancelled) are left alone.
        """
        steps = self._gelato_pipeline_steps()
        states = [step.state for step in steps]
        to_queue = self.browse()
        for order in self:
            current = order.gelato_state
            if current and current not in states:
                continue
            start = states.index(current) + 1 if current else 0
            step = next(s for s in steps[start:] if getattr(order, s.check)())
            if step.state == "queued":
                to_queue |= order
            else:
                order.gelato_state = step.state
            order._gelato_post_note(step.note)
        to_queue._gelato_queue()

    def _gelato_queue(self):
        """Hand the orders to the send job and wake it up after the commit."""
        if not self:
            return
        self.write(
            {
                "gelato_state": "queued",
                "gelato_attempt_count": 0,
                "gelato_next_attempt": False,
                "gelato_last_error": False,
            }
        )
        self._gelato_trigger_send()

    def _gelato_trigger_send(self, at=None):
        # sudo: salespeople may not read crons; they only ask it to run (ir.cron.trigger)
        cron = self.env.ref("gelato_connector.ir_cron_gelato_send_orders").sudo()
        cron._trigger(at=at)

    # === BUSINESS METHODS: chatter and activities === #

    def _gelato_post_note(self, body):
        """Log a step of the Gelato journey in the chatter (internal note, by OdooBot)."""
        for order in self:
            order.message_post(
                body=body,
                author_id=self.env.ref("base.partner_root").id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _gelato_set_error(self, message):
        """Final failure: state `error`, the reason in the chatter and an activity.

        :param str message: what happened, with Gelato's own message when it gave one.
        """
        for order in self:
            order.write(
                {
                    "gelato_state": "error",
                    "gelato_last_error": message,
                    "gelato_next_attempt": False,
                }
            )
            order._gelato_post_note(
                Markup("%s<br/>%s")
                % (
                    self.env._("The order could not be sent to Gelato:"),
                    message,
                )
            )
            order._gelato_schedule_error_activity(message)

    def _gelato_schedule_error_activity(self, message):
        self.ensure_one()
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        summary = self.env._("Gelato: order not sent")
        existing = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type and a.summary == summary
        )
        if existing:
            existing.note = message
            return
        # An order without a salesperson (e.g. from the web shop or another channel): the
        # administrator is asked rather than nobody (or the cron's OdooBot).
        user = self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        self.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=summary,
            note=self.env._(
                "%(error)s\nFix the cause, then click Retry on the order.", error=message
            ),
            user_id=(user or self.env.user).id,
        )

    def _gelato_close_error_activities(self, feedback):
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        summary = self.env._("Gelato: order not sent")
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type and a.summary == summary
        )
        activities.action_feedback(feedback=feedback)

    def _gelato_mail_customer(self, template_xmlid):
        """Mail the customer from a template, as a message in the chatter."""
        self.ensure_one()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self.partner_id.email:
            return
        # As OdooBot: the webhook and the crons run without a real user, and the mail must not
        # look as if whoever clicked Refresh wrote it.
        self.with_user(SUPERUSER_ID).message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids,
        )

    def _gelato_schedule_activity(self, summary, note):
        """An activity for the salesperson (or the administrator) about a Gelato event."""
        self.ensure_one()
        # An order without a salesperson (e.g. from the web shop or another channel): the
        # administrator is asked rather than nobody (or the cron's OdooBot).
        user = self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        self.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=summary,
            note=note,
            user_id=(user or self.env.user).id,
        )
