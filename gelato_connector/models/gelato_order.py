import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ..exceptions import GelatoApiError
from ..lib import const, orders, statuses

_logger = logging.getLogger(__name__)


class GelatoOrder(models.Model):
    """An order at Gelato for a sale order, and its remote lifecycle.

    Usually one per sale order; several when Gelato splits the order between fulfilment
    facilities ("connected orders", each with its own Gelato id and the same reference).
    Everything said to or heard from Gelato about one Gelato order is here: reading Gelato's
    order (create, promote, get, cancel answers), promoting and deleting drafts, cancelling,
    refreshing, the sync job, and what a new status means (chatter, mails, activities on the
    sale order). The sale order decides *when* (the pipeline and the send job).

    Users only read these records (see ir.model.access.csv): their values come from Gelato's
    answers, never from a form, so this model's own methods write them in sudo.
    """

    _name = "gelato.order"
    _description = "Gelato Order"
    _order = "id"
    _rec_name = "gelato_id"

    sale_order_id = fields.Many2one(
        string="Sale Order",
        comodel_name="sale.order",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True)
    gelato_id = fields.Char(string="Gelato Order ID", required=True, readonly=True, index=True)
    order_type = fields.Selection(
        string="Type",
        selection=[("draft", "Draft"), ("order", "Order")],
        required=True,
        default="draft",
        readonly=True,
        help="Draft: created at Gelato, promoted to an order once Odoo has committed it.",
    )
    fulfillment_status = fields.Selection(
        string="Status", selection=const.FULFILLMENT_STATUSES, readonly=True
    )
    financial_status = fields.Char(readonly=True)
    shipment_method_uid = fields.Char(string="Shipment Method UID", readonly=True)
    shipment_method_name = fields.Char(string="Shipment Method", readonly=True)
    fulfillment_country = fields.Char(readonly=True)
    min_delivery_date = fields.Date(string="Delivery From", readonly=True)
    max_delivery_date = fields.Date(string="Delivery Until", readonly=True)
    last_sync = fields.Datetime(string="Last Update", readonly=True)
    shipped_notified = fields.Boolean(
        readonly=True, copy=False, help="The customer was mailed that this part shipped."
    )
    delivered_notified = fields.Boolean(
        readonly=True, copy=False, help="The customer was mailed that this part was delivered."
    )
    sale_line_ids = fields.One2many(
        string="Order Lines", comodel_name="sale.order.line", inverse_name="gelato_order_id"
    )
    tracking_ids = fields.One2many(
        string="Tracking", comodel_name="gelato.tracking", inverse_name="gelato_order_id"
    )

    _sql_constraints = [
        ("gelato_id_unique", "UNIQUE(gelato_id)", "A Gelato order belongs to one sale order."),
    ]

    # === COMPUTE METHODS === #

    @api.depends("gelato_id", "fulfillment_status")
    def _compute_display_name(self):
        labels = dict(const.FULFILLMENT_STATUSES)
        for gelato_order in self:
            status = labels.get(gelato_order.fulfillment_status)
            gelato_order.display_name = (
                "%s (%s)" % (gelato_order.gelato_id, status) if status else gelato_order.gelato_id
            )

    # === BUSINESS METHODS === #

    def _gelato_set_status(self, status):
        """Move to Gelato's ``status`` unless that would move backwards.

        :return: whether the status changed.
        """
        self.ensure_one()
        if not statuses.gelato_status_moves_forward(self.fulfillment_status, status):
            return False
        self.sudo().fulfillment_status = status
        return True

    # === BUSINESS METHODS: calls to Gelato === #

    @api.model
    def _gelato_request_timeout(self):
        """(connect, read) seconds for order calls; the read part can be tuned in
        ir.config_parameter ``gelato_connector.order_request_timeout``."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("gelato_connector.order_request_timeout")
        )
        try:
            read = float(value) if value else None
        except ValueError:
            read = None
        if not read or read <= 0:
            return const.ORDER_REQUEST_TIMEOUT
        return (min(const.ORDER_REQUEST_TIMEOUT[0], read), read)

    @api.model
    def _gelato_fetch(self, company, gelato_id):
        """``GET /v4/orders/{id}``: the Gelato order, checked to be one.

        :raise GelatoApiError: when Gelato fails, or answers something that is not an order.
        """
        data = company._gelato_make_request(
            "order", "orders/%s" % gelato_id, method="GET", timeout=self._gelato_request_timeout()
        )
        problem = orders.order_data_problem(data)
        if problem:
            raise company._gelato_unexpected_answer(problem)
        return data

    @api.model
    def _gelato_delete_remote_draft(self, company, gelato_id, strict=False):
        """Delete a draft at Gelato (already gone counts as deleted).

        :param bool strict: raise when it could not be deleted; otherwise it is best effort
            (a leftover is found by the next attempt's search) and False is returned.
        :raise GelatoApiError: (strict only) when Gelato failed or refused.
        """
        try:
            answer = company._gelato_make_request(
                "order",
                "orders/%s" % gelato_id,
                method="DELETE",
                timeout=self._gelato_request_timeout(),
            )
            if not isinstance(answer, dict):
                # Gelato answers no body (or an object): this is not its answer, and the
                # draft may still be there.
                raise company._gelato_unexpected_answer("the deletion answered something else")
        except GelatoApiError as error:
            if error.status_code != 404:
                _logger.warning("Could not delete Gelato draft %s: %s", gelato_id, error.args[0])
                if strict:
                    raise
                return False
        return True

    def _gelato_promote(self):
        """Promote this recorded draft (``PATCH {"orderType": "order"}``).

        Only for a draft whose creation is committed locally, on a locked sale order.

        :return: Gelato's order after the promotion, or None when the draft is gone at Gelato
            (the record is then deleted: the sale order is to be created again).
        :raise GelatoApiError: when Gelato fails (retryable) or refuses the order (final; the
            send job then deletes the draft so that a retry starts clean).
        """
        self.ensure_one()
        company = self.sale_order_id.company_id
        try:
            return company._gelato_make_request(
                "order",
                "orders/%s" % self.gelato_id,
                {"orderType": "order"},
                method="PATCH",
                timeout=self._gelato_request_timeout(),
            )
        except GelatoApiError as error:
            if error.status_code == 409:
                # Not a draft anymore: promoted by an attempt whose answer was lost.
                data = self._gelato_fetch(company, self.gelato_id)
                if data.get("orderType") == "draft":
                    raise
                return data
            if error.status_code == 404:
                self.sudo().unlink()
                return None
            raise

    def _gelato_cancel_remote(self):
        """Cancel this placed Gelato order (``POST /v4/orders/{id}:cancel``).

        :return: Gelato's order after the cancel, or None when Gelato does not know it anymore
            (it is then marked canceled here).
        :raise GelatoApiError: when Gelato fails, or refuses (409: an item is already printed;
            the order is still live at Gelato).
        """
        self.ensure_one()
        company = self.sale_order_id.company_id
        try:
            return company._gelato_make_request(
                "order",
                "orders/%s:cancel" % self.gelato_id,
                {},
                timeout=self._gelato_request_timeout(),
            )
        except GelatoApiError as error:
            if error.status_code == 404:
                self._gelato_set_status("canceled")
                return None
            if error.status_code != 409:
                raise
            data = self._gelato_fetch(company, self.gelato_id)
            if data.get("fulfillmentStatus") not in ("canceled", "failed"):
                raise
            return data

    def _gelato_refresh(self):
        """Fetch these Gelato orders (and connected parts Gelato made since) and apply them."""
        pending = [(g.sale_order_id, g.gelato_id) for g in self if g.order_type == "order"]
        seen = set()
        while pending:
            sale_order, gelato_id = pending.pop()
            if gelato_id in seen:
                continue
            seen.add(gelato_id)
            data = self._gelato_fetch(sale_order.company_id, gelato_id)
            sale_order._gelato_process_order_data(data)
            pending += [
                (sale_order, cid) for cid in data.get("connectedOrderIds") or [] if cid not in seen
            ]

    @api.model
    def _cron_gelato_sync_orders(self, batch_size=const.SYNC_BATCH_SIZE):
        """Safety net for lost webhooks: refresh sent orders not finished at Gelato.

        Oldest refresh first, a bounded batch per call (the progress API calls again while
        some remain), so the cost follows the orders in flight, not the history.
        """
        limit_date = fields.Datetime.now() - timedelta(hours=const.SYNC_MIN_AGE_HOURS)
        domain = [
            ("order_type", "=", "order"),
            ("fulfillment_status", "not in", ("delivered", "canceled", "failed", "returned")),
            ("sale_order_id.gelato_state", "=", "sent"),
            "|",
            ("last_sync", "=", False),
            ("last_sync", "<", limit_date),
        ]
        gelato_orders = self.search(domain, order="last_sync ASC NULLS FIRST, id", limit=batch_size)
        for gelato_order in gelato_orders:
            order = gelato_order.sale_order_id.with_company(gelato_order.company_id)
            try:
                with self.env.cr.savepoint():
                    order._gelato_process_order_data(
                        self._gelato_fetch(order.company_id, gelato_order.gelato_id)
                    )
            except GelatoApiError as error:
                _logger.info("Could not refresh Gelato order %s: %s", gelato_order.gelato_id, error)
                gelato_order.last_sync = fields.Datetime.now()
        remaining = self.search_count(domain) if gelato_orders else 0
        self.env["ir.cron"]._notify_progress(done=len(gelato_orders), remaining=remaining)

    # === BUSINESS METHODS: what Gelato says about this order === #

    def _gelato_process_data(self, data):
        """Record Gelato's full order (create, promote, get, cancel answer) here.

        Maps Gelato's items to the sale lines (``itemReferenceId`` = the line); moves statuses
        forward; adds the packages' tracking; takes the delivery estimate.

        :param dict data: the order as ``GET /v4/orders/{id}`` answers it (already checked by
            :meth:`sale.order._gelato_process_order_data`).
        """
        self.ensure_one()
        shipment = data.get("shipment") or {}
        values = {
            "order_type": "draft" if data.get("orderType") == "draft" else "order",
            "financial_status": data.get("financialStatus") or False,
            "last_sync": fields.Datetime.now(),
        }
        if shipment.get("shipmentMethodUid"):
            values["shipment_method_uid"] = shipment["shipmentMethodUid"]
            values["shipment_method_name"] = shipment.get("shipmentMethodName")
        if shipment.get("fulfillmentCountry"):
            values["fulfillment_country"] = shipment["fulfillmentCountry"]
        self.sudo().write(values)
        self._gelato_set_delivery_estimate(
            shipment.get("minDeliveryDate"), shipment.get("maxDeliveryDate")
        )
        lines_by_ref = {str(line.id): line for line in self.sale_order_id.order_line}
        items_by_id = {}
        for item in data.get("items") or []:
            line = lines_by_ref.get(str(item.get("itemReferenceId")))
            if line:
                items_by_id[item.get("id")] = item
                if line.gelato_item_id != item.get("id") or line.gelato_order_id != self:
                    line.write({"gelato_item_id": item.get("id"), "gelato_order_id": self.id})
        if values["order_type"] == "draft":
            return self
        webhook_items = []
        for item in items_by_id.values():
            fulfillments = [
                {
                    "trackingCode": package.get("trackingCode"),
                    "trackingUrl": package.get("trackingUrl"),
                    "shipmentMethodName": shipment.get("shipmentMethodName"),
                }
                for package in shipment.get("packages") or []
                if item.get("id") in (package.get("orderItemIds") or [])
                and package.get("trackingCode")
            ]
            webhook_items.append(
                {
                    "itemReferenceId": item.get("itemReferenceId"),
                    "fulfillmentStatus": item.get("fulfillmentStatus"),
                    "fulfillments": fulfillments,
                }
            )
        self._gelato_apply_status(
            data.get("fulfillmentStatus"),
            items=webhook_items,
            comment=data.get("refusalReason"),
        )
        return self

    def _gelato_apply_status(self, status, items=None, comment=None):
        """Entry point: this Gelato order reached ``status``.

        For the webhook's ``order_status_updated`` (and the refresh). The status never moves
        backwards; a new step of the journey is logged in the chatter; ``failed`` puts the
        sale order in `error` with an activity; all parts ``canceled`` makes it `cancelled`.

        :param str status: Gelato's ``fulfillmentStatus``.
        :param list items: ``[{"itemReferenceId", "fulfillmentStatus", "fulfillments":
            [{"trackingCode", "trackingUrl", "shipmentMethodName"}]}]`` as in the webhook.
        :param str comment: Gelato's comment (a failure's reason).
        :return: whether the order's status changed.
        """
        self.ensure_one()
        lines_by_ref = {str(line.id): line for line in self.sale_order_id.order_line}
        new_tracking = self.env["gelato.tracking"]
        for item in items or []:
            line = lines_by_ref.get(str(item.get("itemReferenceId")))
            if not line:
                continue
            if line.gelato_order_id != self:
                # The item is (now) in this Gelato order: Gelato may split an order into
                # connected orders after it was placed.
                line.gelato_order_id = self
            line._gelato_apply_item_status(item.get("fulfillmentStatus") or status)
            for fulfillment in item.get("fulfillments") or []:
                new_tracking |= line._gelato_add_tracking(
                    fulfillment.get("trackingCode"),
                    fulfillment.get("trackingUrl"),
                    fulfillment.get("shipmentMethodName"),
                    self,
                )
        if items is None:
            self.sale_line_ids._gelato_apply_item_status(status)
        changed = self._gelato_set_status(status)
        if changed:
            self._gelato_log_status(status, comment)
        elif new_tracking:
            self._gelato_log_tracking(new_tracking)
        return changed

    def _gelato_log_status(self, status, comment=None):
        """One step of the Gelato journey in the chatter; failures also need someone."""
        self.ensure_one()
        order = self.sale_order_id
        label = dict(const.FULFILLMENT_STATUSES).get(status, status)
        body = Markup("%s") % self.env._(
            "Gelato order %(id)s: %(status)s.", id=self.gelato_id, status=label
        )
        if comment:
            body += Markup("<br/>%s") % comment
        tracking = self.tracking_ids
        if status in ("shipped", "in_transit") and tracking:
            body += self._gelato_tracking_html(tracking)
        if status == "failed":
            order._gelato_set_error(
                self.env._(
                    "Gelato could not fulfil Gelato order %(id)s: %(reason)s",
                    id=self.gelato_id,
                    reason=comment or self.env._("no reason given"),
                )
            )
            return
        if status == "canceled" and all(
            g.fulfillment_status == "canceled" for g in order.gelato_order_ids
        ):
            order.gelato_state = "cancelled"
        if self._gelato_customer_mail_due():
            # The customer is mailed about this step right after (the inbox job): that mail,
            # with the tracking links, is the chatter's entry for it; no second note.
            return
        if status in const.JOURNEY_STATUSES or status in ("canceled", "on_hold", "returned"):
            order._gelato_post_note(body)

    def _gelato_customer_mail_due(self):
        """The mail template the customer is to get now for this part's status, or None.

        Only where the caller acts on Gelato's confirmed answer and mails the customer
        (context ``gelato_notify_customer``, the inbox job): once when the part ships, once
        when it is delivered.
        """
        self.ensure_one()
        if not self.env.context.get("gelato_notify_customer"):
            return None
        current = self.fulfillment_status
        if current in ("shipped", "in_transit") and not self.shipped_notified:
            xmlid = "gelato_connector.mail_template_gelato_order_shipped"
        elif current == "delivered" and not self.delivered_notified:
            xmlid = "gelato_connector.mail_template_gelato_order_delivered"
        else:
            return None
        template = self.env.ref(xmlid, raise_if_not_found=False)
        return xmlid if template and self.sale_order_id.partner_id.email else None

    def _gelato_after_status_event(self, status, changed, comment=None):
        """What a status from Gelato's webhook means beyond the status itself.

        The customer is mailed once when a Gelato order ships (with its tracking) and once
        when it is delivered; an order Gelato cancelled is cancelled here too (or, when already
        invoiced, someone is asked to credit it); a hold or a return needs someone to look.

        :param str status: the status the event announced.
        :param bool changed: whether the event moved the Gelato order's status.
        :param str comment: Gelato's comment, if any.
        """
        self.ensure_one()
        order = self.sale_order_id
        current = self.fulfillment_status
        if current in ("shipped", "in_transit") and not self.shipped_notified:
            self.sudo().shipped_notified = True
            order._gelato_mail_customer("gelato_connector.mail_template_gelato_order_shipped")
        elif current == "delivered" and not self.delivered_notified:
            self.sudo().write({"shipped_notified": True, "delivered_notified": True})
            order._gelato_mail_customer("gelato_connector.mail_template_gelato_order_delivered")
        if not changed:
            return
        reason = comment or self.env._("no reason given")
        if status == "canceled" and order.gelato_state == "cancelled" and order.state != "cancel":
            if order.invoice_ids.filtered(lambda move: move.state == "posted"):
                order._gelato_schedule_activity(
                    self.env._("Gelato: order cancelled"),
                    self.env._(
                        "Gelato cancelled the order (%(reason)s) but it is already invoiced: "
                        "issue a credit note if the customer is to be refunded.",
                        reason=reason,
                    ),
                )
            else:
                order._action_cancel()
        elif status == "on_hold":
            order._gelato_schedule_activity(
                self.env._("Gelato: order on hold"),
                self.env._(
                    "Gelato put Gelato order %(id)s on hold (%(reason)s). Check it in Gelato's "
                    "dashboard and act on Gelato's e-mail.",
                    id=self.gelato_id,
                    reason=reason,
                ),
            )
        elif status == "returned":
            order._gelato_schedule_activity(
                self.env._("Gelato: order returned"),
                self.env._(
                    "The parcel of Gelato order %(id)s came back to Gelato (%(reason)s). "
                    "Contact the customer about the delivery address.",
                    id=self.gelato_id,
                    reason=reason,
                ),
            )

    def _gelato_log_tracking(self, tracking):
        self.ensure_one()
        self.sale_order_id._gelato_post_note(
            Markup("%s") % self.env._("Gelato order %(id)s: new tracking.", id=self.gelato_id)
            + self._gelato_tracking_html(tracking)
        )

    def _gelato_tracking_html(self, tracking):
        items = Markup("")
        for entry in tracking:
            if entry.tracking_url:
                items += Markup('<li><a href="%s" target="_blank">%s</a> %s</li>') % (
                    entry.tracking_url,
                    entry.tracking_code,
                    entry.shipment_method_name or "",
                )
            else:
                items += Markup("<li>%s %s</li>") % (
                    entry.tracking_code,
                    entry.shipment_method_name or "",
                )
        return Markup("<ul>%s</ul>") % items

    def _gelato_set_delivery_estimate(self, min_date, max_date):
        """Entry point (webhook ``order_delivery_estimate_updated``): new delivery window."""
        self.ensure_one()
        values = {}
        for fname, value in (("min_delivery_date", min_date), ("max_delivery_date", max_date)):
            if value:
                try:
                    values[fname] = fields.Date.to_date(str(value)[:10])
                except ValueError:
                    _logger.info("Gelato sent a delivery date that is not a date: %r", value)
        if values:
            self.sudo().write(values)
