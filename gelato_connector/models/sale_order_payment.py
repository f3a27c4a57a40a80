"""Gelato carts paid online that Odoo failed to confirm: found, reported, confirmed later.

Odoo confirms a quotation when its payment is post-processed; when that fails (e.g. the order
confirmation mail cannot render its PDF), the order stays a quotation: nothing goes to Gelato
although the customer paid. Odoo retries the post-processing for four days and only logs the
failure. This job finds such Gelato quotations, asks the salesperson to look (an activity with
the reason, once), and confirms them as soon as the cause is gone.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib import const

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _cron_gelato_confirm_paid_quotations(self, limit=const.PAID_CHECK_BATCH_SIZE):
        """Confirm paid Gelato quotations that Odoo's payment flow left unconfirmed.

        Only payments settled at least a few minutes ago (Odoo's own flow goes first) and at
        most a month ago: the cost follows recent payments, not the history.
        """
        now = fields.Datetime.now()
        transactions = self.env["payment.transaction"].search(
            [
                ("state", "in", ("authorized", "done")),
                ("last_state_change", "<", now - timedelta(minutes=const.PAID_CHECK_DELAY_MINUTES)),
                ("last_state_change", ">=", now - timedelta(days=const.PAID_CHECK_MAX_AGE_DAYS)),
                ("sale_order_ids.state", "in", ("draft", "sent")),
            ],
            order="last_state_change desc",
            limit=limit,
        )
        for transaction in transactions:
            quotations = transaction.sale_order_ids.filtered(
                lambda o: o.state in ("draft", "sent") and o._gelato_is_gelato_order()
            )
            if len(transaction.sale_order_ids) != 1 or not quotations:
                continue  # Odoo confirms only one-order payments; the others are not ours
            quotations._gelato_confirm_paid(transaction)

    def _gelato_confirm_paid(self, transaction):
        """Confirm this paid quotation as Odoo's payment flow would, or say why it cannot."""
        self.ensure_one()
        summary = self.env._("Gelato: paid but not confirmed")
        try:
            with self.env.cr.savepoint():
                confirmed = transaction._check_amount_and_confirm_order()
        except Exception as error:  # whatever stopped Odoo's flow stops this one: report it
            _logger.warning("Could not confirm paid quotation %s: %s", self.name, error)
            reason = error.args[0] if getattr(error, "args", None) else repr(error)
            self.env.invalidate_all()  # the savepoint's rollback undid what the cache holds
            if not self.activity_ids.filtered(lambda a: a.summary == summary):
                self._gelato_schedule_activity(
                    summary,
                    self.env._(
                        "The customer paid %(order)s (payment %(payment)s) but Odoo could not "
                        "confirm it, so it has not gone to Gelato: %(reason)s Fix the cause; the "
                        "order is confirmed and sent automatically within the hour.",
                        order=self.name,
                        payment=transaction.reference,
                        reason=reason,
                    ),
                )
            return False
        if self not in confirmed:
            return False  # the amount paid does not reach the confirmation amount
        self.activity_ids.filtered(lambda a: a.summary == summary).action_feedback(
            feedback=self.env._(
                "Confirmed after payment %(payment)s", payment=transaction.reference
            )
        )
        self._gelato_post_note(
            self.env._(
                "Confirmed after payment %(payment)s: Odoo's payment flow had left it a quotation.",
                payment=transaction.reference,
            )
        )
        return True
