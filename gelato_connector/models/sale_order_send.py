"""The send job: queued Gelato orders sent in batches, exactly once.

``FOR UPDATE SKIP LOCKED`` batches (several workers share the queue), each order created at
Gelato as a draft in the batch's transaction, promoted after the commit (post-commit hook) or
deleted after a rollback (post-rollback hook); a search before every create so a lost answer
never makes a second Gelato order; back-off on temporary failures.
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..exceptions import GelatoApiError
from ..lib import const
from ..lib.orders import backoff_delay, order_data_problem, search_answer_orders

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # === BUSINESS METHODS: the send job === #

    @api.model
    def _cron_gelato_send_orders(self, batch_size=None):
        """Send one batch of queued orders to Gelato (scheduled action, woken up on queueing).

        The batch's rows are locked ``FOR UPDATE SKIP LOCKED``: another worker running the job
        at the same time takes other orders. Each order is created at Gelato as a draft in this
        transaction; the cron runner commits the batch, then the drafts are promoted
        (post-commit hook). If the transaction rolls back instead, the drafts are deleted
        (post-rollback hook). The progress API makes the runner call again while orders remain.

        :return: the orders of the batch.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("gelato_connector.send_batch_size", const.SEND_BATCH_SIZE)
        )
        orders = self._gelato_lock_orders_to_send(batch_size)
        orders._gelato_send()
        remaining = self._gelato_count_orders_to_send() if orders else 0
        self.env["ir.cron"]._notify_progress(done=len(orders), remaining=remaining)
        return orders

    def _gelato_due_condition(self):
        return SQL(
            "gelato_state = 'queued' AND (gelato_next_attempt IS NULL "
            "OR gelato_next_attempt <= %s)",
            fields.Datetime.now(),
        )

    @api.model
    def _gelato_count_orders_to_send(self):
        self.env["sale.order"].flush_model(["gelato_state", "gelato_next_attempt"])
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM sale_order WHERE %s", self._gelato_due_condition())
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _gelato_lock_orders_to_send(self, limit, order_ids=None, due_only=True):
        """Lock up to ``limit`` queued orders no other transaction holds, and return them.

        :param list order_ids: only among these orders (the post-commit promotion).
        :param bool due_only: skip orders whose next attempt is in the future.
        """
        self.env["sale.order"].flush_model(["gelato_state", "gelato_next_attempt"])
        condition = self._gelato_due_condition() if due_only else SQL("gelato_state = 'queued'")
        if order_ids is not None:
            condition = SQL("%s AND id IN %s", condition, tuple(order_ids) or (0,))
        query = SQL(
            """
            SELECT id FROM sale_order
             WHERE %s
             ORDER BY gelato_next_attempt NULLS FIRST, id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            condition,
            limit,
        )
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(query)
                ids = [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # Odoo's transactions are REPEATABLE READ: an order another worker sent and
            # committed after this transaction's snapshot cannot be locked here. Lock the
            # candidates one by one and leave those out.
            cr.execute(
                SQL(
                    "SELECT id FROM sale_order WHERE %s ORDER BY gelato_next_attempt NULLS FIRST, "
                    "id LIMIT %s",
                    condition,
                    limit * 3,
                )
            )
            ids = []
            for (order_id,) in cr.fetchall():
                try:
                    with cr.savepoint(flush=False):
                        cr.execute(
                            SQL(
                                "SELECT id FROM sale_order WHERE id = %s AND "
                                "gelato_state = 'queued' FOR UPDATE SKIP LOCKED",
                                order_id,
                            )
                        )
                        if cr.fetchone():
                            ids.append(order_id)
                except psycopg2.errors.SerializationFailure:
                    continue
                if len(ids) >= limit:
                    break
        orders = self.browse(ids)
        orders.invalidate_recordset()
        return orders

    def _gelato_send(self):
        """Send locked queued orders, one savepoint each: a failure stays with its order."""
        for sale_order in self:
            order = sale_order.with_company(sale_order.company_id)
            try:
                with self.env.cr.savepoint():
                    order._gelato_send_one()
            except GelatoApiError as error:
                order._gelato_handle_send_failure(error)
            except UserError as error:
                # Something to fix in Odoo (address, print files) found at sending time.
                order._gelato_discard_drafts()
                order._gelato_set_error(error.args[0])
            except Exception as error:  # one broken order must not stop the batch
                _logger.exception("Unexpected error while sending %s to Gelato", order.name)
                order._gelato_handle_send_failure(
                    GelatoApiError(
                        self.env._("Unexpected error: %(error)s", error=repr(error)),
                        retryable=True,
                    )
                )

    def _gelato_send_one(self):
        """Send one locked order: promote its committed drafts, adopt what Gelato already has
        for its reference, or create it as a draft.

        :raise GelatoApiError: when Gelato fails or refuses.
        :raise UserError: when the order cannot be sent as it is.
        """
        self.ensure_one()
        if self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
            # A draft recorded by a committed transaction: its promotion failed or the worker
            # that created it died before promoting it. Promote it now.
            self._gelato_promote_drafts()
            return
        self._gelato_check_sendable()
        company = self.company_id
        timeout = self.env["gelato.order"]._gelato_request_timeout()
        # Never a second Gelato order for one sale order: an earlier attempt may have created
        # one and lost the answer (timeout, dropped connection, crash before the commit).
        placed, drafts = self._gelato_search_remote()
        for draft in drafts:
            # A draft no committed transaction recorded: its local transaction failed. It must
            # be gone before a new one is made, or it would stay at Gelato for good.
            self.env["gelato.order"]._gelato_delete_remote_draft(company, draft["id"], strict=True)
        if placed:
            for summary in placed:
                self._gelato_process_order_data(
                    self.env["gelato.order"]._gelato_fetch(company, summary["id"])
                )
            self._gelato_post_note(
                self.env._(
                    "Gelato already had this order (%(ids)s): it was sent by an earlier attempt "
                    "whose answer was lost.",
                    ids=", ".join(s["id"] for s in placed),
                )
            )
            self._gelato_mark_sent()
            return
        data = company._gelato_make_request(
            "order", "orders", self._gelato_prepare_order_payload(), timeout=timeout
        )
        try:
            self._gelato_process_order_data(data)
            self.gelato_next_attempt = fields.Datetime.now() + timedelta(
                seconds=const.SEND_PROMOTE_LEASE_SECONDS
            )
            self.env.flush_all()
        except Exception:
            if not order_data_problem(data):
                self.env["gelato.order"]._gelato_delete_remote_draft(company, data["id"])
            raise
        self._gelato_register_draft_hooks(data["id"])
        self._gelato_trigger_send(at=self.gelato_next_attempt)

    def _gelato_search_remote(self):
        """Gelato's live orders for this sale order's reference.

        :return: ``(placed, drafts)`` order summaries; canceled and failed orders (an earlier,
            cancelled round of this sale order) are left out.
        """
        self.ensure_one()
        answer = self.company_id._gelato_make_request(
            "order",
            "orders:search",
            {"orderReferenceIds": [self._gelato_reference()], "limit": const.ORDER_SEARCH_LIMIT},
            timeout=self.env["gelato.order"]._gelato_request_timeout(),
        )
        found = search_answer_orders(answer)
        if found is None:
            raise self.company_id._gelato_unexpected_answer("the search did not list orders")
        found = [
            order
            for order in found
            if order.get("orderReferenceId") == self._gelato_reference()
            and order.get("fulfillmentStatus") not in ("canceled", "failed")
        ]
        placed = [order for order in found if order.get("orderType") != "draft"]
        drafts = [order for order in found if order.get("orderType") == "draft"]
        return placed, drafts

    def _gelato_promote_drafts(self):
        """Promote the order's recorded drafts; sent once Gelato holds a placed order.

        Only for drafts whose creation is committed locally, on a locked order.

        :raise GelatoApiError: see :meth:`gelato.order._gelato_promote`.
        """
        self.ensure_one()
        for draft in self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
            data = draft._gelato_promote()
            if data is None:
                # The draft is gone at Gelato: create the order again (after a search).
                self.gelato_next_attempt = False
                self._gelato_trigger_send()
                return
            self._gelato_process_order_data(data)
        if self.gelato_order_ids.filtered(lambda g: g.order_type == "order"):
            self._gelato_mark_sent()

    def _gelato_mark_sent(self):
        self.ensure_one()
        if self.gelato_state == "sent":
            return
        was_error = self.gelato_attempt_count or self.gelato_last_error
        self.write(
            {
                "gelato_state": "sent",
                "gelato_next_attempt": False,
                "gelato_last_error": False,
            }
        )
        placed = self.gelato_order_ids.filtered(lambda g: g.order_type == "order")
        self._gelato_post_note(
            self.env._(
                "Sent to Gelato: Gelato order %(ids)s, status %(status)s.",
                ids=", ".join(placed.mapped("gelato_id")),
                status=dict(const.FULFILLMENT_STATUSES).get(
                    self.gelato_fulfillment_status, self.gelato_fulfillment_status or ""
                ),
            )
        )
        if was_error:
            self._gelato_close_error_activities(self.env._("Sent to Gelato"))

    def _gelato_handle_send_failure(self, error):
        """A failed attempt: retry later with back-off (retryable), or `error` (final)."""
        self.ensure_one()
        if not error.retryable:
            self._gelato_discard_drafts()
            self._gelato_set_error(error.args[0])
            return
        attempts = self.gelato_attempt_count + 1
        if attempts >= const.SEND_MAX_ATTEMPTS:
            self.gelato_attempt_count = attempts
            self._gelato_set_error(
                self.env._(
                    "Gelato could not be reached after %(count)s attempts. Last error: %(error)s",
                    count=attempts,
                    error=error.args[0],
                )
            )
            return
        next_attempt = fields.Datetime.now() + timedelta(
            seconds=backoff_delay(attempts, error.retry_after)
        )
        self.write(
            {
                "gelato_attempt_count": attempts,
                "gelato_next_attempt": next_attempt,
                "gelato_last_error": error.args[0],
            }
        )
        if attempts == 1:
            self._gelato_post_note(
                self.env._(
                    "Gelato could not take the order yet (%(error)s). It is retried "
                    "automatically, with growing delays.",
                    error=error.args[0],
                )
            )
        self._gelato_trigger_send(at=next_attempt)

    def _gelato_discard_drafts(self):
        """Delete the order's drafts at Gelato after a final failure, so a retry starts clean
        (a draft Gelato could not delete stays recorded and is dealt with on retry)."""
        self.ensure_one()
        for draft in self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
            if self.env["gelato.order"]._gelato_delete_remote_draft(
                self.company_id, draft.gelato_id
            ):
                draft.sudo().unlink()  # users only read Gelato orders

    def _gelato_register_draft_hooks(self, gelato_id):
        """Promote the draft once this transaction commits, delete it if it rolls back."""
        self.ensure_one()
        cr = self.env.cr
        drafts = cr.postcommit.data.get("gelato_connector.drafts")
        if drafts is None:
            drafts = cr.postcommit.data["gelato_connector.drafts"] = []
            registry, uid = self.env.registry, self.env.uid

            def promote():
                self._gelato_promote_after_commit(registry, uid, drafts)

            def delete():
                self._gelato_delete_after_rollback(registry, uid, drafts)

            cr.postcommit.add(promote)
            cr.postrollback.add(delete)
            cr.postcommit.data["gelato_connector.hooks"] = (promote, delete)
        drafts.append((self.id, self.company_id.id, gelato_id))

    @api.model
    def _gelato_promote_after_commit(self, registry, uid, drafts):
        """Post-commit hook: promote the drafts the committed transaction created."""
        order_ids = sorted({order_id for order_id, _company, _gelato_id in drafts})
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, uid, {})
                orders = env["sale.order"]._gelato_lock_orders_to_send(
                    len(order_ids), order_ids=order_ids, due_only=False
                )
                orders._gelato_send()
        except Exception:
            # The drafts stay recorded: the next run of the job promotes them.
            _logger.exception("Promoting Gelato drafts after commit failed")

    @api.model
    def _gelato_delete_after_rollback(self, registry, uid, drafts):
        """Post-rollback hook: the drafts' local transaction failed, delete them at Gelato."""
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, uid, {})
                for _order_id, company_id, gelato_id in drafts:
                    company = env["res.company"].browse(company_id)
                    env["gelato.order"]._gelato_delete_remote_draft(company, gelato_id)
        except Exception:
            # A draft left behind is found and deleted by the next attempt's search.
            _logger.exception("Deleting Gelato drafts after rollback failed")

    # === BUSINESS METHODS: Gelato orders of this sale order === #

    def _gelato_process_order_data(self, data):
        """Record a full Gelato order (create, promote, get, cancel answer) on the sale order.

        :param dict data: the order as ``GET /v4/orders/{id}`` answers it.
        :return: its ``gelato.order`` (created for a part Gelato split off).
        :raise GelatoApiError: (retryable) when ``data`` is not an order.
        """
        self.ensure_one()
        problem = order_data_problem(data)
        if problem:
            raise self.company_id._gelato_unexpected_answer(problem)
        return self._gelato_get_gelato_order(data["id"])._gelato_process_data(data)

    def _gelato_get_gelato_order(self, gelato_order_id):
        """This sale order's ``gelato.order`` for a Gelato id; created for an unknown part of a
        split order (Gelato's connected orders share the sale order's reference)."""
        self.ensure_one()
        gelato_order = self.gelato_order_ids.filtered(lambda g: g.gelato_id == gelato_order_id)
        if not gelato_order:
            # Users only read Gelato orders (gelato.order's docstring): created in sudo.
            gelato_order = (
                self.env["gelato.order"]
                .sudo()
                .create(
                    {"sale_order_id": self.id, "gelato_id": gelato_order_id, "order_type": "order"}
                )
                .with_env(self.env)
            )
        return gelato_order
