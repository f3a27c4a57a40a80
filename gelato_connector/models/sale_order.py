"""Gelato on the sale order: its fields, buttons, guard rails and the confirm/cancel overrides.

The rest of an order's Gelato journey is in the files beside this one:
``sale_order_pipeline.py`` (the steps before sending), ``sale_order_send.py`` (the send job),
``sale_order_payloads.py`` (what is sent) and ``gelato_order.py`` (the order at Gelato).
"""

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..exceptions import GelatoApiError
from ..lib import const, statuses

GELATO_STATES = [
    ("pending_personalization", "Pending personalization"),
    ("pending_artwork", "Pending artwork"),
    ("pending_approval", "Pending approval"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("error", "Error"),
    ("cancelled", "Cancelled"),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    gelato_is_order = fields.Boolean(
        string="Gelato Order",
        compute="_compute_gelato_is_order",
        store=True,
        help="The order holds Gelato products: Gelato makes and ships them.",
    )
    gelato_state = fields.Selection(
        selection=GELATO_STATES,
        copy=False,
        readonly=True,
        index=True,
        help="Where the order stands on its way to Gelato: pending personalization, pending "
        "artwork and pending approval come first when they apply; a queued order is sent in "
        "the background; an order in error waits for someone to fix the cause and click Retry.",
    )
    gelato_order_ids = fields.One2many(
        string="Gelato Orders",
        comodel_name="gelato.order",
        inverse_name="sale_order_id",
        copy=False,
        readonly=True,
        help="The order(s) at Gelato: several when Gelato splits the order between facilities.",
    )
    gelato_line_file_ids = fields.One2many(
        string="Order Print Files",
        comodel_name="gelato.line.print.file",
        inverse_name="order_id",
        copy=False,
        readonly=True,
        help="Print files made for this order's lines (personalisation, remote storage).",
    )
    gelato_fulfillment_status = fields.Selection(
        string="Gelato Status",
        selection=const.FULFILLMENT_STATUSES,
        compute="_compute_gelato_fulfillment",
        store=True,
        help="Gelato's fulfilment status; for a split order, the least advanced part (or the "
        "part that needs attention).",
    )
    gelato_merchant_status = fields.Char(
        string="Gelato",
        compute="_compute_gelato_merchant_status",
        help="Where the order stands with Gelato in one word: the step in Odoo until it is "
        "sent, then Gelato's own status (both in detail in the Gelato tab).",
    )
    gelato_min_delivery_date = fields.Date(
        string="Gelato Delivery From", compute="_compute_gelato_fulfillment", store=True
    )
    gelato_max_delivery_date = fields.Date(
        string="Gelato Delivery Until", compute="_compute_gelato_fulfillment", store=True
    )
    gelato_attempt_count = fields.Integer(
        string="Gelato Send Attempts", copy=False, readonly=True, default=0
    )
    gelato_next_attempt = fields.Datetime(
        string="Next Gelato Attempt",
        copy=False,
        readonly=True,
        help="When the background job tries again (after a temporary Gelato failure).",
    )
    gelato_last_error = fields.Text(string="Last Gelato Error", copy=False, readonly=True)

    # === COMPUTE METHODS === #

    @api.depends("order_line.product_id.gelato_is_product")
    def _compute_gelato_is_order(self):
        for order in self:
            order.gelato_is_order = order._gelato_is_gelato_order()

    @api.depends(
        "gelato_order_ids.fulfillment_status",
        "gelato_order_ids.order_type",
        "gelato_order_ids.min_delivery_date",
        "gelato_order_ids.max_delivery_date",
    )
    def _compute_gelato_fulfillment(self):
        for order in self:
            placed = order.gelato_order_ids.filtered(lambda g: g.order_type == "order")
            order.gelato_fulfillment_status = statuses.aggregate_fulfillment_status(
                placed.mapped("fulfillment_status")
            )
            min_dates = [d for d in placed.mapped("min_delivery_date") if d]
            max_dates = [d for d in placed.mapped("max_delivery_date") if d]
            order.gelato_min_delivery_date = min(min_dates) if min_dates else False
            order.gelato_max_delivery_date = max(max_dates) if max_dates else False

    @api.depends("gelato_state", "gelato_fulfillment_status")
    def _compute_gelato_merchant_status(self):
        states = dict(self._fields["gelato_state"]._description_selection(self.env))
        statuses_ = dict(self._fields["gelato_fulfillment_status"]._description_selection(self.env))
        for order in self:
            if order.gelato_state == "sent" and order.gelato_fulfillment_status:
                order.gelato_merchant_status = statuses_[order.gelato_fulfillment_status]
            elif order.gelato_state == "sent":
                order.gelato_merchant_status = self.env._("At Gelato")
            else:
                order.gelato_merchant_status = states.get(order.gelato_state, False)

    # === ONCHANGE METHODS === #

    @api.onchange("partner_shipping_id", "order_line")
    def _onchange_gelato_delivery_address(self):
        """Warn as soon as a Gelato quotation has a delivery address Gelato cannot ship to."""
        if not self._gelato_is_gelato_order() or not self.partner_shipping_id:
            return None
        error = self.partner_shipping_id._gelato_get_address_error()
        if error:
            return {"warning": {"title": self.env._("Gelato delivery address"), "message": error}}
        return None

    # === CRUD METHODS === #

    def init(self):
        res = super().init()
        # The send job's query: queued orders that are due, oldest first.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sale_order_gelato_queued_idx
                ON sale_order (gelato_next_attempt, id)
             WHERE gelato_state = 'queued'
            """
        )
        return res

    # === ACTION METHODS === #

    def action_open_delivery_wizard(self):
        """Override of `delivery`: propose a Gelato shipping method for a Gelato order."""
        action = super().action_open_delivery_wizard()
        if not self.env.context.get("carrier_recompute") and self._gelato_is_gelato_order():
            carrier = self.env["delivery.carrier"].browse(
                action["context"].get("default_carrier_id")
            )
            if carrier.delivery_type != "gelato":
                gelato_carrier = self.env["delivery.carrier"].search(
                    [
                        *self.env["delivery.carrier"]._check_company_domain(self.company_id),
                        ("delivery_type", "=", "gelato"),
                    ],
                    limit=1,
                )
                action["context"]["default_carrier_id"] = gelato_carrier.id
        return action

    def action_gelato_approve(self):
        """Approve orders pending approval: they are queued and sent to Gelato."""
        orders = self.filtered(lambda o: o.gelato_state == "pending_approval")
        if not orders:
            raise UserError(self.env._("Only orders pending approval can be approved."))
        orders.check_access("write")
        for order in orders:
            group = order.company_id.gelato_approver_group_id
            if group and not self.env.su and group not in self.env.user.groups_id:
                raise AccessError(
                    self.env._(
                        "Only %(group)s may approve orders for Gelato (Settings > Sales > Gelato "
                        "Order Approval); %(order)s waits for one of them.",
                        group=group.full_name,
                        order=order.name,
                    )
                )
        for order in orders:
            order._gelato_post_note(
                self.env._("Approved for Gelato by %(user)s.", user=self.env.user.name)
            )
        orders._gelato_advance_state()
        return True

    def action_gelato_retry(self):
        """Queue orders in error again (after their cause was fixed)."""
        orders = self.filtered(lambda o: o.gelato_state == "error")
        if not orders:
            raise UserError(self.env._("Only orders in error can be retried."))
        for order in orders:
            order._gelato_check_sendable()
        # A Gelato order that failed at Gelato is over: the retry creates a new one.
        failed = orders.gelato_order_ids.filtered(lambda g: g.fulfillment_status == "failed")
        failed.sale_line_ids.write(
            {
                "gelato_order_id": False,
                "gelato_item_id": False,
                "gelato_status": False,
                "gelato_printed_date": False,
            }
        )
        failed.sudo().unlink()  # users only read Gelato orders (gelato.order's docstring)
        orders._gelato_close_error_activities(
            self.env._("Retried by %(user)s", user=self.env.user.name)
        )
        orders._gelato_post_note(self.env._("Retry requested: the order is queued for Gelato."))
        orders._gelato_queue()
        return True

    def action_gelato_refresh(self):
        """Fetch the current status, tracking and delivery estimate from Gelato.

        :return: a notification of what Gelato says now (then the form reloads).
        """
        refreshed = self.filtered(lambda o: o.gelato_order_ids)
        for order in refreshed:
            try:
                order.gelato_order_ids._gelato_refresh()
            except GelatoApiError as error:
                raise UserError(
                    self.env._(
                        "Could not refresh %(order)s from Gelato: %(error)s",
                        order=order.name,
                        error=error.args[0],
                    )
                ) from error
        labels = dict(self._fields["gelato_fulfillment_status"]._description_selection(self.env))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Refreshed from Gelato"),
                "message": "\n".join(
                    self.env._(
                        "%(order)s: %(status)s",
                        order=order.name,
                        status=labels.get(order.gelato_fulfillment_status)
                        or self.env._("no status yet"),
                    )
                    for order in refreshed
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_draft(self):
        """Override of `sale`: a cancelled order reset to quotation starts its Gelato journey anew.

        The cancelled Gelato orders are forgotten (the chatter keeps their story); sending it
        again creates a new Gelato order under the same reference.
        """
        cancelled = self.filtered(lambda o: o.state == "cancel" and o.gelato_state)
        res = super().action_draft()
        cancelled = cancelled.filtered(lambda o: o.state == "draft")
        if cancelled:
            cancelled.order_line.write(
                {
                    "gelato_order_id": False,
                    "gelato_item_id": False,
                    "gelato_status": False,
                    "gelato_printed_date": False,
                    "gelato_qty_delivered": 0.0,
                }
            )
            cancelled.gelato_order_ids.sudo().unlink()  # as in action_gelato_retry
            cancelled.write(
                {
                    "gelato_state": False,
                    "gelato_attempt_count": 0,
                    "gelato_next_attempt": False,
                    "gelato_last_error": False,
                }
            )
        return res

    # === BUSINESS METHODS: guard rails === #

    def _gelato_is_gelato_order(self):
        """Whether the order holds Gelato products (works on unsaved orders too)."""
        self.ensure_one()
        return any(line._gelato_is_gelato_line() for line in self.order_line)

    def _gelato_allows_mixed_goods(self):
        """Whether Gelato products may share this order with other goods.

        Not yet (the seed: "Multivendor orders are not available"). The rest of the code is
        ready for it: only Gelato lines are sent and quoted, and a later change can return True
        here (and give the other lines their own shipping) to lift the rule.
        """
        self.ensure_one()
        return False

    def _gelato_check_mixed_goods(self):
        """Refuse orders holding Gelato products together with other goods.

        Called from the order lines' create and write (the catalog and the web shop add lines
        without going through the order's form).

        :raise ValidationError: naming the products that cannot join the order.
        """
        for order in self:
            if order._gelato_allows_mixed_goods():
                continue
            gelato_lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
            if not gelato_lines:
                continue
            foreign = order.order_line.filtered(lambda line: line._gelato_is_other_goods())
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(products)s cannot be added to %(order)s: an order with Gelato "
                        "products holds only Gelato products (plus services, notes, sections "
                        "and shipping), because Gelato makes and ships the whole order. Sell "
                        "%(products)s in a separate order.",
                        products=", ".join(foreign.product_id.mapped("display_name")),
                        order=order._gelato_order_label(),
                    )
                )

    def _gelato_order_label(self):
        """How messages name the order: its number once confirmed, "this quotation" before.

        A quotation being created already has the next number, which a refused save never
        uses: "S00042 cannot..." would name an order that does not exist.
        """
        self.ensure_one()
        if self.state == "sale" and self.name:
            return self.name
        return self.env._("this quotation")

    def _gelato_check_before_confirm(self):
        """Everything Gelato needs, checked before a Gelato order is confirmed.

        :raise UserError: saying what to fix (company information, delivery address field by
            field, print files, quantities, shipping method).
        """
        for order in self:
            order.company_id._gelato_check_company_info()
            order._gelato_check_mixed_goods()
            order._gelato_check_sendable()
            carrier = order.carrier_id
            if carrier and carrier.delivery_type != "gelato":
                raise UserError(
                    self.env._(
                        "%(order)s holds Gelato products: choose a Gelato shipping method "
                        "instead of %(carrier)s.",
                        order=order.name,
                        carrier=carrier.name,
                    )
                )
            if (
                not order._gelato_has_shipping_line()
                and order.company_id.gelato_shipping_policy == "require"
            ):
                raise UserError(
                    self.env._(
                        "%(order)s has no shipping: Gelato would pick a shipping method and "
                        "charge you for it, while the customer pays none. Click Add shipping "
                        "and choose a Gelato shipping method (or let such orders through in "
                        "Settings > Sales > Gelato Orders Without Shipping).",
                        order=order.name,
                    )
                )

    def _gelato_has_shipping_line(self):
        """Whether the order charges the customer a Gelato shipping method."""
        self.ensure_one()
        return self.carrier_id.delivery_type == "gelato" and any(
            line.is_delivery for line in self.order_line
        )

    def _gelato_warn_missing_shipping(self):
        """After confirming without shipping (policy "warn"): an activity for the salesperson."""
        for order in self:
            if order._gelato_has_shipping_line():
                continue
            order._gelato_schedule_activity(
                self.env._("Gelato: no shipping charged"),
                self.env._(
                    "%(order)s was confirmed without a Gelato shipping method: Gelato picks the "
                    "method and charges you for it; the customer paid no shipping.",
                    order=order.name,
                ),
            )

    def _gelato_check_sendable(self):
        """What must still hold when the order is sent: address, products, quantities."""
        self.ensure_one()
        address_error = self.partner_shipping_id._gelato_get_address_error()
        if address_error:
            raise UserError(address_error)
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        # One call for all variants: the check reads print files for many in a few queries.
        lines.product_id._gelato_check_orderable()
        for line in lines:
            if line._gelato_quantity() is None:
                raise UserError(
                    self.env._(
                        "Gelato makes whole items: the quantity of %(product)s on %(order)s "
                        "must be a whole number of %(uom)s.",
                        product=line.product_id.display_name,
                        order=self.name,
                        uom=line.product_id.uom_id.name,
                    )
                )

    def _action_confirm(self):
        """Override of `sale`: check Gelato orders, then start their way to Gelato.

        Confirmation never calls Gelato: queued orders are sent by a background job that the
        commit of this transaction wakes up.
        """
        gelato_orders = self.filtered(lambda o: o._gelato_is_gelato_order())
        gelato_orders._gelato_check_before_confirm()
        res = super()._action_confirm()
        gelato_orders.write(
            {
                "gelato_state": False,
                "gelato_attempt_count": 0,
                "gelato_next_attempt": False,
                "gelato_last_error": False,
            }
        )
        gelato_orders._gelato_warn_missing_shipping()
        gelato_orders._gelato_advance_state()
        return res

    def _action_cancel(self):
        """Override of `sale`: cancel at Gelato first; a refusal (409) blocks the cancel."""
        for order in self.filtered(
            lambda o: o.gelato_state and o.gelato_state != "cancelled"
        ).sorted("id"):
            order._gelato_cancel()
        return super()._action_cancel()

    # === BUSINESS METHODS: cancelling === #

    def _gelato_lock_for_update(self):
        """Lock the order against the send job, or say it is being sent right now."""
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM sale_order WHERE id = %s FOR UPDATE NOWAIT", self.id)
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure) as error:
            raise UserError(
                self.env._(
                    "%(order)s is being sent to Gelato right now. Try again in a moment.",
                    order=self.name,
                )
            ) from error
        self.invalidate_recordset()

    def _gelato_cancel(self):
        """Cancel the order at Gelato (drafts deleted, placed orders canceled).

        :raise UserError: when Gelato refuses (409: an item is already printed) or cannot be
            reached; the order then stays as it is.
        """
        self.ensure_one()
        self._gelato_lock_for_update()
        company = self.company_id
        remote_ids = set(self.gelato_order_ids.mapped("gelato_id"))
        try:
            if self.gelato_state in ("queued", "error") and (
                self.gelato_attempt_count or self.gelato_last_error
            ):
                # An earlier attempt may have reached Gelato without hearing back.
                placed, drafts = self._gelato_search_remote()
                for draft in drafts:
                    self.env["gelato.order"]._gelato_delete_remote_draft(
                        company, draft["id"], strict=True
                    )
                for summary in placed:
                    if summary["id"] not in remote_ids:
                        self._gelato_process_order_data(
                            self.env["gelato.order"]._gelato_fetch(company, summary["id"])
                        )
            for draft in self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
                self.env["gelato.order"]._gelato_delete_remote_draft(
                    company, draft.gelato_id, strict=True
                )
                draft.sudo().unlink()  # users only read Gelato orders
            canceled = []
            for gelato_order in self.gelato_order_ids.filtered(
                lambda g: g.fulfillment_status not in ("canceled", "failed")
            ):
                try:
                    data = gelato_order._gelato_cancel_remote()
                except GelatoApiError as error:
                    if error.status_code != 409:
                        raise
                    raise UserError(
                        self.env._(
                            "Gelato refused to cancel %(order)s (Gelato order %(id)s): "
                            "%(reason)s The order stays confirmed.%(done)s",
                            order=self.name,
                            id=gelato_order.gelato_id,
                            reason=error.gelato_message or error.args[0],
                            done=(
                                " "
                                + self.env._(
                                    "Gelato order(s) %(ids)s were canceled.",
                                    ids=", ".join(canceled),
                                )
                            )
                            if canceled
                            else "",
                        )
                    ) from error
                if data is None:
                    continue
                self._gelato_process_order_data(data)
                canceled.append(gelato_order.gelato_id)
        except GelatoApiError as error:
            raise UserError(
                self.env._(
                    "%(order)s could not be cancelled at Gelato: %(error)s The order stays as "
                    "it is; try again later.",
                    order=self.name,
                    error=error.args[0],
                )
            ) from error
        self.write({"gelato_state": "cancelled", "gelato_next_attempt": False})
        self._gelato_close_error_activities(self.env._("Order cancelled"))
        self._gelato_post_note(
            self.env._("Cancelled at Gelato: Gelato order %(ids)s.", ids=", ".join(canceled))
            if canceled
            else self.env._("Cancelled before it reached Gelato.")
        )
