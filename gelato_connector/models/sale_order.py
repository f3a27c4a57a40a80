import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .. import const, utils
from ..utils import GelatoApiError

_logger = logging.getLogger(__name__)

# The steps an order takes after confirmation until it is sent, in order. A step that does not
# apply to an order is skipped (see _gelato_advance_state).
GELATO_PIPELINE = ("pending_personalization", "pending_artwork", "pending_approval", "queued")
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
    gelato_fulfillment_status = fields.Selection(
        string="Gelato Status",
        selection=const.FULFILLMENT_STATUSES,
        compute="_compute_gelato_fulfillment",
        store=True,
        help="Gelato's fulfilment status; for a split order, the least advanced part (or the "
        "part that needs attention).",
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
            order.gelato_fulfillment_status = utils.aggregate_fulfillment_status(
                placed.mapped("fulfillment_status")
            )
            min_dates = [d for d in placed.mapped("min_delivery_date") if d]
            max_dates = [d for d in placed.mapped("max_delivery_date") if d]
            order.gelato_min_delivery_date = min(min_dates) if min_dates else False
            order.gelato_max_delivery_date = max(max_dates) if max_dates else False

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
            {"gelato_order_id": False, "gelato_item_id": False, "gelato_status": False}
        )
        failed.unlink()
        orders._gelato_close_error_activities(
            self.env._("Retried by %(user)s", user=self.env.user.name)
        )
        orders._gelato_post_note(self.env._("Retry requested: the order is queued for Gelato."))
        orders._gelato_queue()
        return True

    def action_gelato_refresh(self):
        """Fetch the current status, tracking and delivery estimate from Gelato."""
        for order in self.filtered(lambda o: o.gelato_order_ids):
            try:
                order._gelato_refresh()
            except GelatoApiError as error:
                raise UserError(
                    self.env._(
                        "Could not refresh %(order)s from Gelato: %(error)s",
                        order=order.name,
                        error=error.args[0],
                    )
                ) from error
        return True

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
                    "gelato_qty_delivered": 0.0,
                }
            )
            cancelled.gelato_order_ids.unlink()
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
                        order=order.name or self.env._("this order"),
                    )
                )

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
        gelato_orders._gelato_advance_state()
        return res

    def _action_cancel(self):
        """Override of `sale`: cancel at Gelato first; a refusal (409) blocks the cancel."""
        for order in self.filtered(
            lambda o: o.gelato_state and o.gelato_state != "cancelled"
        ).sorted("id"):
            order._gelato_cancel()
        return super()._action_cancel()

    # === BUSINESS METHODS: web shop === #

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        """Override of `website_sale`: a product that cannot join the cart is not added, and the
        shopper is told why (in the add-to-cart notification and on the cart page).

        Only new lines are checked: the quantity of a line already in the cart may change.
        """
        new_qty, warning = super()._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )
        if order_line or new_qty <= 0:
            return new_qty, warning
        refusal = self._gelato_get_cart_refusal(self.env["product.product"].browse(product_id))
        if refusal:
            self.shop_warning = refusal
            return 0, refusal
        return new_qty, warning

    def _gelato_get_cart_refusal(self, product):
        """Why ``product`` cannot be added to this cart, for the shopper (None: it can).

        Gelato variants that cannot be ordered yet are refused, and so is anything that would
        make the cart break the "Gelato goods only" rule (:meth:`_gelato_check_mixed_goods`,
        checked again when the line is created): such a cart could never be confirmed.

        :param product.product product: the product the shopper adds.
        :return: the message, or None.
        """
        self.ensure_one()
        if product._gelato_orderability_problems():
            return self.env._(
                "%(product)s cannot be ordered at the moment. Please try again later.",
                product=product.display_name,
            )
        if self._gelato_allows_mixed_goods():
            return None
        # The rule's own tests on a line of the product that is not created (no order, no
        # price): is it Gelato goods, other goods, or neither (services)?
        probe = self.env["sale.order.line"].new({"product_id": product.id})
        if probe._gelato_is_gelato_line():
            if any(line._gelato_is_other_goods() for line in self.order_line):
                return self.env._(
                    "%(product)s is printed on demand and shipped on its own: it cannot share "
                    "an order with the other products in your cart. Check out your cart first "
                    "(or remove those products), then order %(product)s.",
                    product=product.display_name,
                )
        elif probe._gelato_is_other_goods() and any(
            line._gelato_is_gelato_line() for line in self.order_line
        ):
            return self.env._(
                "%(product)s cannot be added to your cart: your cart holds printed-on-demand "
                "products, which are shipped on their own and ordered separately. Check out "
                "your cart first, then order %(product)s.",
                product=product.display_name,
            )
        return None

    def _gelato_get_checkout_problems(self):
        """What keeps this web cart from being confirmed as a Gelato order, for the shopper.

        The same rules as :meth:`_gelato_check_before_confirm` (which stays the last word before
        payment, see :meth:`_check_cart_is_ready_to_be_paid`), worded for a customer.

        :return: a list of messages; empty when the cart can be paid and confirmed (always
            empty for a cart without Gelato products).
        """
        self.ensure_one()
        if not self._gelato_is_gelato_order():
            return []
        problems = []
        if self.company_id._gelato_get_company_info_issues():
            _logger.warning(
                "Web shop order %s cannot be paid: the company's Gelato information is "
                "incomplete (Settings > Sales > Gelato)",
                self.name,
            )
            problems.append(
                self.env._(
                    "Printed-on-demand products cannot be ordered online at the moment. Please "
                    "contact us."
                )
            )
        try:
            self._gelato_check_mixed_goods()
        except ValidationError:
            problems.append(
                self.env._(
                    "Your cart mixes printed-on-demand products with other products, which are "
                    "shipped separately: remove %(products)s from your cart and order them "
                    "separately.",
                    products=", ".join(
                        self.order_line.filtered(
                            lambda line: line._gelato_is_other_goods()
                        ).product_id.mapped("display_name")
                    ),
                )
            )
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        # One call for the whole cart; product by product only when some cannot be ordered.
        if lines.product_id._gelato_orderability_problems():
            for product in lines.product_id:
                if product._gelato_orderability_problems():
                    problems.append(
                        self.env._(
                            "%(product)s cannot be ordered at the moment: remove it from your "
                            "cart.",
                            product=product.display_name,
                        )
                    )
        for line in lines:
            if line._gelato_quantity() is None:
                problems.append(
                    self.env._(
                        "Order a whole number of %(product)s.", product=line.product_id.display_name
                    )
                )
        address_problems = self.partner_shipping_id._gelato_get_address_problems()
        if address_problems:
            problems.append(
                self.env._(
                    "Your delivery address needs a change: %(problems)s",
                    problems=" ".join(address_problems),
                )
            )
        if self.carrier_id and self.carrier_id.delivery_type != "gelato":
            problems.append(self.env._("Choose one of the delivery methods offered."))
        return problems

    def _check_cart_is_ready_to_be_paid(self):
        """Override of `website_sale`: never take a payment for a Gelato cart that could not
        be confirmed afterwards (confirmation runs after the payment, when nothing can be
        asked anymore). Called before every transaction, express checkout included."""
        res = super()._check_cart_is_ready_to_be_paid()
        problems = self._gelato_get_checkout_problems()
        if problems:
            raise ValidationError("\n".join(problems))
        if self._gelato_is_gelato_order():
            try:
                self._gelato_check_before_confirm()
            except UserError as error:
                raise ValidationError(error.args[0]) from error
        return res

    def _update_address(self, partner_id, fnames=None):
        """Override of `website_sale`: the Gelato rate follows the delivery address.

        `website_sale` quotes the shipping again only when the delivery address is replaced;
        when the shopper edits the contact that is the delivery address through its other role
        (the main or billing address), the address changed too: quote again.
        """
        if (
            fnames
            and "partner_shipping_id" not in fnames
            and self.partner_shipping_id.id == partner_id
            and self.carrier_id.delivery_type == "gelato"
        ):
            fnames = {*fnames, "partner_shipping_id"}
        return super()._update_address(partner_id, fnames=fnames)

    def _gelato_allows_express_checkout(self):
        """Whether express checkout (wallet buttons) may pay this cart.

        Express checkout skips the address form, where Gelato's address rules are checked: a
        Gelato cart is offered it only when the delivery address it would use is known (the
        shopper is signed in) and valid for Gelato. The address the wallet sends is checked
        again when it arrives.
        """
        self.ensure_one()
        if not self._gelato_is_gelato_order():
            return True
        return not self._is_anonymous_cart() and not (
            self.partner_shipping_id._gelato_get_address_problems()
        )

    # === BUSINESS METHODS: states === #

    def _gelato_needs_personalization(self):
        """Whether the order waits for the customer to personalize a product.

        Hook for Gelato's personalization feature (future work): return True while a
        personalizable line has no personalized print file. When personalization completes,
        call :meth:`_gelato_advance_state` to move the order on.
        """
        self.ensure_one()
        return False

    def _gelato_needs_artwork(self):
        """Whether the order waits for artwork from remote storage.

        Hook for Gelato's remote-storage auto-fulfilment (future work): return True while a
        line expects its print file from the merchant's storage. When the scan has attached
        every file, call :meth:`_gelato_advance_state` to move the order on.
        """
        self.ensure_one()
        return False

    def _gelato_step_applies(self, step):
        """Whether a pre-sending step of :data:`GELATO_PIPELINE` applies to this order."""
        self.ensure_one()
        if step == "pending_personalization":
            return self._gelato_needs_personalization()
        if step == "pending_artwork":
            return self._gelato_needs_artwork()
        if step == "pending_approval":
            return self.company_id.gelato_approval_mode == "manual"
        return step == "queued"

    def _gelato_advance_state(self):
        """Move confirmed Gelato orders to the next step that applies after their current one.

        pending personalization → pending artwork → pending approval → queued; a step that
        does not apply is skipped. Queued orders wake the send job up. Entry point for the
        personalization and remote-storage features once they complete their step.
        """
        messages = {
            "pending_personalization": self.env._(
                "Waiting for the customer to personalize the order before it goes to Gelato."
            ),
            "pending_artwork": self.env._(
                "Waiting for the artwork from the remote storage before the order goes to Gelato."
            ),
            "pending_approval": self.env._(
                "Waiting for approval before the order goes to Gelato (click Approve)."
            ),
            "queued": self.env._("Queued for Gelato: it is sent in the background."),
        }
        to_queue = self.browse()
        for order in self:
            current = order.gelato_state
            if current and current not in GELATO_PIPELINE:
                continue
            start = GELATO_PIPELINE.index(current) + 1 if current else 0
            step = next(s for s in GELATO_PIPELINE[start:] if order._gelato_step_applies(s))
            if step == "queued":
                to_queue |= order
            else:
                order.gelato_state = step
            order._gelato_post_note(messages[step])
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

    # === BUSINESS METHODS: payloads === #

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

    def _gelato_reference(self):
        """Gelato's ``orderReferenceId``: the sale order's number, as the merchant knows it."""
        self.ensure_one()
        return self.name

    def _gelato_customer_reference(self):
        self.ensure_one()
        return "odoo-partner-%s" % self.partner_id.commercial_partner_id.id

    def _gelato_prepare_quote_payload(self, lines):
        """The body of ``POST /v4/orders:quote`` for ``lines`` (Gelato lines of this order)."""
        self.ensure_one()
        return {
            "orderReferenceId": self.name or "quote",
            "customerReferenceId": self._gelato_customer_reference(),
            "currency": self.currency_id.name,
            "allowMultipleQuotes": True,
            "recipient": self.partner_shipping_id._gelato_prepare_address_payload(),
            "products": [
                {
                    "itemReferenceId": str(line.id),
                    "productUid": line.product_id.gelato_product_uid,
                    "quantity": max(1, round(line._gelato_quantity(strict=False))),
                }
                for line in lines
            ],
        }

    def _gelato_prepare_order_payload(self):
        """The body of ``POST /v4/orders``: a draft, promoted once the local commit is done."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        files_by_product = {}
        items = []
        for line in lines:
            product = line.product_id
            if product not in files_by_product:
                files_by_product[product] = product._gelato_prepare_files_payload()
            items.append(
                {
                    "itemReferenceId": str(line.id),
                    "productUid": product.gelato_product_uid,
                    "files": files_by_product[product],
                    "quantity": line._gelato_quantity(),
                }
            )
        payload = {
            "orderType": "draft",
            "orderReferenceId": self._gelato_reference(),
            "customerReferenceId": self._gelato_customer_reference(),
            "currency": self.currency_id.name,
            "items": items,
            "shippingAddress": self.partner_shipping_id._gelato_prepare_address_payload(),
            "metadata": [{"key": "odooSaleOrderId", "value": str(self.id)}],
        }
        if self.carrier_id.delivery_type == "gelato":
            method = const.SERVICE_LEVEL_SHIPMENT_METHOD.get(self.carrier_id.gelato_service_level)
            if method:
                payload["shipmentMethodUid"] = method
        return payload

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
        timeout = self._gelato_request_timeout()
        # Never a second Gelato order for one sale order: an earlier attempt may have created
        # one and lost the answer (timeout, dropped connection, crash before the commit).
        placed, drafts = self._gelato_search_remote()
        for draft in drafts:
            # A draft no committed transaction recorded: its local transaction failed. It must
            # be gone before a new one is made, or it would stay at Gelato for good.
            self._gelato_delete_remote_draft(company, draft["id"], strict=True)
        if placed:
            for summary in placed:
                self._gelato_process_order_data(self._gelato_get_remote_order(summary["id"]))
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
            if not utils.order_data_problem(data):
                self._gelato_delete_remote_draft(company, data["id"])
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
            timeout=self._gelato_request_timeout(),
        )
        orders = utils.search_answer_orders(answer)
        if orders is None:
            raise self.company_id._gelato_unexpected_answer("the search did not list orders")
        found = [
            order
            for order in orders
            if order.get("orderReferenceId") == self._gelato_reference()
            and order.get("fulfillmentStatus") not in ("canceled", "failed")
        ]
        placed = [order for order in found if order.get("orderType") != "draft"]
        drafts = [order for order in found if order.get("orderType") == "draft"]
        return placed, drafts

    def _gelato_promote_drafts(self):
        """Promote the order's recorded drafts (``PATCH {"orderType": "order"}``).

        Only for drafts whose creation is committed locally, on a locked order.

        :raise GelatoApiError: when Gelato fails (retryable) or refuses the order (final; the
            draft is then deleted so that a retry starts clean).
        """
        self.ensure_one()
        company = self.company_id
        timeout = self._gelato_request_timeout()
        for gelato_order in self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
            path = "orders/%s" % gelato_order.gelato_id
            try:
                data = company._gelato_make_request(
                    "order", path, {"orderType": "order"}, method="PATCH", timeout=timeout
                )
            except GelatoApiError as error:
                if error.status_code == 409:
                    # Not a draft anymore: promoted by an attempt whose answer was lost.
                    data = self._gelato_get_remote_order(gelato_order.gelato_id)
                    if data.get("orderType") == "draft":
                        raise
                elif error.status_code == 404:
                    # The draft is gone: create the order again (after a search).
                    gelato_order.unlink()
                    self.gelato_next_attempt = False
                    self._gelato_trigger_send()
                    return
                else:
                    # Retryable: promote later. Final (e.g. a print file Gelato cannot
                    # download): the failure handler deletes the draft.
                    raise
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
            seconds=utils.backoff_delay(attempts, error.retry_after)
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
            if self._gelato_delete_remote_draft(self.company_id, draft.gelato_id):
                draft.unlink()

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
                    env["sale.order"]._gelato_delete_remote_draft(company, gelato_id)
        except Exception:
            # A draft left behind is found and deleted by the next attempt's search.
            _logger.exception("Deleting Gelato drafts after rollback failed")

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
        timeout = self._gelato_request_timeout()
        remote_ids = set(self.gelato_order_ids.mapped("gelato_id"))
        try:
            if self.gelato_state in ("queued", "error") and (
                self.gelato_attempt_count or self.gelato_last_error
            ):
                # An earlier attempt may have reached Gelato without hearing back.
                placed, drafts = self._gelato_search_remote()
                for draft in drafts:
                    self._gelato_delete_remote_draft(company, draft["id"], strict=True)
                for summary in placed:
                    if summary["id"] not in remote_ids:
                        self._gelato_process_order_data(
                            self._gelato_get_remote_order(summary["id"])
                        )
            for draft in self.gelato_order_ids.filtered(lambda g: g.order_type == "draft"):
                self._gelato_delete_remote_draft(company, draft.gelato_id, strict=True)
                draft.unlink()
            canceled = []
            for gelato_order in self.gelato_order_ids.filtered(
                lambda g: g.fulfillment_status not in ("canceled", "failed")
            ):
                path = "orders/%s" % gelato_order.gelato_id
                try:
                    data = company._gelato_make_request(
                        "order", path + ":cancel", {}, timeout=timeout
                    )
                except GelatoApiError as error:
                    if error.status_code == 404:
                        gelato_order._gelato_set_status("canceled")
                        continue
                    if error.status_code != 409:
                        raise
                    data = self._gelato_get_remote_order(gelato_order.gelato_id)
                    if data.get("fulfillmentStatus") not in ("canceled", "failed"):
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

    # === BUSINESS METHODS: what Gelato tells (entry points for the webhook) === #

    @api.model
    def _gelato_find_order(self, gelato_order_id=None, order_reference_id=None):
        """The sale order a Gelato order or reference belongs to (indexed lookups only).

        :param str gelato_order_id: Gelato's order ``id`` (webhook ``orderId``).
        :param str order_reference_id: Gelato's ``orderReferenceId`` (the sale order number);
            used for a part of a split order that is not known yet.
        :return: the sale order, or an empty recordset.
        """
        if gelato_order_id:
            gelato_order = self.env["gelato.order"].search(
                [("gelato_id", "=", gelato_order_id)], limit=1
            )
            if gelato_order:
                return gelato_order.sale_order_id
        if order_reference_id:
            return self.search(
                [("name", "=", order_reference_id), ("gelato_state", "!=", False)], limit=1
            )
        return self.browse()

    def _gelato_get_gelato_order(self, gelato_order_id):
        """This sale order's ``gelato.order`` for a Gelato id; created for an unknown part of a
        split order (Gelato's connected orders share the sale order's reference)."""
        self.ensure_one()
        gelato_order = self.gelato_order_ids.filtered(lambda g: g.gelato_id == gelato_order_id)
        if not gelato_order:
            gelato_order = self.env["gelato.order"].create(
                {"sale_order_id": self.id, "gelato_id": gelato_order_id, "order_type": "order"}
            )
        return gelato_order

    def _gelato_apply_fulfillment_status(self, gelato_order_id, status, items=None, comment=None):
        """Entry point: Gelato order ``gelato_order_id`` of this sale order reached ``status``.

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
        gelato_order = self._gelato_get_gelato_order(gelato_order_id)
        lines_by_ref = {str(line.id): line for line in self.order_line}
        new_tracking = self.env["gelato.tracking"]
        for item in items or []:
            line = lines_by_ref.get(str(item.get("itemReferenceId")))
            if not line:
                continue
            if line.gelato_order_id != gelato_order:
                # The item is (now) in this Gelato order: Gelato may split an order into
                # connected orders after it was placed.
                line.gelato_order_id = gelato_order
            line._gelato_apply_item_status(item.get("fulfillmentStatus") or status)
            for fulfillment in item.get("fulfillments") or []:
                new_tracking |= line._gelato_add_tracking(
                    fulfillment.get("trackingCode"),
                    fulfillment.get("trackingUrl"),
                    fulfillment.get("shipmentMethodName"),
                    gelato_order,
                )
        if items is None:
            gelato_order.sale_line_ids._gelato_apply_item_status(status)
        changed = gelato_order._gelato_set_status(status)
        if changed:
            self._gelato_log_status(gelato_order, status, comment)
        elif new_tracking:
            self._gelato_log_tracking(gelato_order, new_tracking)
        return changed

    def _gelato_log_status(self, gelato_order, status, comment=None):
        """One step of the Gelato journey in the chatter; failures also need someone."""
        self.ensure_one()
        label = dict(const.FULFILLMENT_STATUSES).get(status, status)
        body = Markup("%s") % self.env._(
            "Gelato order %(id)s: %(status)s.", id=gelato_order.gelato_id, status=label
        )
        if comment:
            body += Markup("<br/>%s") % comment
        tracking = gelato_order.tracking_ids
        if status in ("shipped", "in_transit") and tracking:
            body += self._gelato_tracking_html(tracking)
        if status == "failed":
            self._gelato_set_error(
                self.env._(
                    "Gelato could not fulfil Gelato order %(id)s: %(reason)s",
                    id=gelato_order.gelato_id,
                    reason=comment or self.env._("no reason given"),
                )
            )
            return
        if status == "canceled" and all(
            g.fulfillment_status == "canceled" for g in self.gelato_order_ids
        ):
            self.gelato_state = "cancelled"
        if status in const.JOURNEY_STATUSES or status in ("canceled", "on_hold", "returned"):
            self._gelato_post_note(body)

    def _gelato_after_status_event(self, gelato_order_id, status, changed, comment=None):
        """What a status from Gelato's webhook means beyond the status itself.

        The customer is mailed once when a Gelato order ships (with its tracking) and once
        when it is delivered; an order Gelato cancelled is cancelled here too (or, when already
        invoiced, someone is asked to credit it); a hold or a return needs someone to look.

        :param str gelato_order_id: the Gelato order of the event.
        :param str status: the status the event announced.
        :param bool changed: whether the event moved the Gelato order's status.
        :param str comment: Gelato's comment, if any.
        """
        self.ensure_one()
        gelato_order = self._gelato_get_gelato_order(gelato_order_id)
        current = gelato_order.fulfillment_status
        if current in ("shipped", "in_transit") and not gelato_order.shipped_notified:
            gelato_order.shipped_notified = True
            self._gelato_mail_customer("gelato_connector.mail_template_gelato_order_shipped")
        elif current == "delivered" and not gelato_order.delivered_notified:
            gelato_order.write({"shipped_notified": True, "delivered_notified": True})
            self._gelato_mail_customer("gelato_connector.mail_template_gelato_order_delivered")
        if not changed:
            return
        reason = comment or self.env._("no reason given")
        if status == "canceled" and self.gelato_state == "cancelled" and self.state != "cancel":
            if self.invoice_ids.filtered(lambda move: move.state == "posted"):
                self._gelato_schedule_activity(
                    self.env._("Gelato: order cancelled"),
                    self.env._(
                        "Gelato cancelled the order (%(reason)s) but it is already invoiced: "
                        "issue a credit note if the customer is to be refunded.",
                        reason=reason,
                    ),
                )
            else:
                self._action_cancel()
        elif status == "on_hold":
            self._gelato_schedule_activity(
                self.env._("Gelato: order on hold"),
                self.env._(
                    "Gelato put Gelato order %(id)s on hold (%(reason)s). Check it in Gelato's "
                    "dashboard and act on Gelato's e-mail.",
                    id=gelato_order_id,
                    reason=reason,
                ),
            )
        elif status == "returned":
            self._gelato_schedule_activity(
                self.env._("Gelato: order returned"),
                self.env._(
                    "The parcel of Gelato order %(id)s came back to Gelato (%(reason)s). "
                    "Contact the customer about the delivery address.",
                    id=gelato_order_id,
                    reason=reason,
                ),
            )

    def _gelato_mail_customer(self, template_xmlid):
        """Mail the customer from a template, as a message in the chatter."""
        self.ensure_one()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self.partner_id.email:
            return
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
        user = self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        self.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=summary,
            note=note,
            user_id=(user or self.env.user).id,
        )

    def _gelato_log_tracking(self, gelato_order, tracking):
        self._gelato_post_note(
            Markup("%s")
            % self.env._("Gelato order %(id)s: new tracking.", id=gelato_order.gelato_id)
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

    def _gelato_set_delivery_estimate(self, gelato_order_id, min_date, max_date):
        """Entry point (webhook ``order_delivery_estimate_updated``): new delivery window."""
        self.ensure_one()
        gelato_order = self._gelato_get_gelato_order(gelato_order_id)
        values = {}
        for fname, value in (("min_delivery_date", min_date), ("max_delivery_date", max_date)):
            if value:
                try:
                    values[fname] = fields.Date.to_date(str(value)[:10])
                except ValueError:
                    _logger.info("Gelato sent a delivery date that is not a date: %r", value)
        if values:
            gelato_order.write(values)

    def _gelato_process_order_data(self, data):
        """Record a full Gelato order (create, promote, get, cancel answer) on the sale order.

        Creates or updates its ``gelato.order``; maps Gelato's items to the sale lines
        (``itemReferenceId`` = the line); moves statuses forward; adds the packages' tracking;
        takes the delivery estimate.

        :param dict data: the order as ``GET /v4/orders/{id}`` answers it.
        :return: the ``gelato.order``.
        :raise GelatoApiError: (retryable) when ``data`` is not an order.
        """
        self.ensure_one()
        problem = utils.order_data_problem(data)
        if problem:
            raise self.company_id._gelato_unexpected_answer(problem)
        gelato_order = self._gelato_get_gelato_order(data["id"])
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
        gelato_order.write(values)
        self._gelato_set_delivery_estimate(
            data["id"], shipment.get("minDeliveryDate"), shipment.get("maxDeliveryDate")
        )
        lines_by_ref = {str(line.id): line for line in self.order_line}
        items_by_id = {}
        for item in data.get("items") or []:
            line = lines_by_ref.get(str(item.get("itemReferenceId")))
            if line:
                items_by_id[item.get("id")] = item
                if line.gelato_item_id != item.get("id") or line.gelato_order_id != gelato_order:
                    line.write(
                        {"gelato_item_id": item.get("id"), "gelato_order_id": gelato_order.id}
                    )
        if values["order_type"] == "draft":
            return gelato_order
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
        self._gelato_apply_fulfillment_status(
            data["id"],
            data.get("fulfillmentStatus"),
            items=webhook_items,
            comment=data.get("refusalReason"),
        )
        return gelato_order

    def _gelato_get_remote_order(self, gelato_id):
        """``GET /v4/orders/{id}``: the Gelato order, checked to be one.

        :raise GelatoApiError: when Gelato fails, or answers something that is not an order.
        """
        self.ensure_one()
        data = self.company_id._gelato_make_request(
            "order", "orders/%s" % gelato_id, method="GET", timeout=self._gelato_request_timeout()
        )
        problem = utils.order_data_problem(data)
        if problem:
            raise self.company_id._gelato_unexpected_answer(problem)
        return data

    def _gelato_refresh(self):
        """Fetch every Gelato order of this sale order (and unknown connected parts)."""
        self.ensure_one()
        pending = list(
            self.gelato_order_ids.filtered(lambda g: g.order_type == "order").mapped("gelato_id")
        )
        seen = set()
        while pending:
            gelato_id = pending.pop()
            if gelato_id in seen:
                continue
            seen.add(gelato_id)
            data = self._gelato_get_remote_order(gelato_id)
            self._gelato_process_order_data(data)
            pending += [cid for cid in data.get("connectedOrderIds") or [] if cid not in seen]

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
        gelato_orders = self.env["gelato.order"].search(
            domain, order="last_sync ASC NULLS FIRST, id", limit=batch_size
        )
        for gelato_order in gelato_orders:
            order = gelato_order.sale_order_id.with_company(gelato_order.company_id)
            try:
                with self.env.cr.savepoint():
                    order._gelato_process_order_data(
                        order._gelato_get_remote_order(gelato_order.gelato_id)
                    )
            except GelatoApiError as error:
                _logger.info("Could not refresh Gelato order %s: %s", gelato_order.gelato_id, error)
                gelato_order.last_sync = fields.Datetime.now()
        remaining = self.env["gelato.order"].search_count(domain) if gelato_orders else 0
        self.env["ir.cron"]._notify_progress(done=len(gelato_orders), remaining=remaining)
