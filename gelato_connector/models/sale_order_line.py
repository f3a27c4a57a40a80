import base64
import logging

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from ..lib import const, statuses
from ..lib.text import is_web_url

_logger = logging.getLogger(__name__)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    qty_delivered_method = fields.Selection(
        selection_add=[("gelato", "Gelato")],
        ondelete={"gelato": lambda lines: lines.write({"qty_delivered_method": "manual"})},
    )
    gelato_order_id = fields.Many2one(
        string="Gelato Order",
        comodel_name="gelato.order",
        copy=False,
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    gelato_item_id = fields.Char(string="Gelato Item", copy=False, readonly=True)
    gelato_status = fields.Selection(
        string="Gelato Item Status",
        selection=const.FULFILLMENT_STATUSES,
        copy=False,
        readonly=True,
    )
    gelato_qty_delivered = fields.Float(
        string="Delivered by Gelato",
        digits="Product Unit of Measure",
        copy=False,
        readonly=True,
        help="The quantity Gelato has shipped: it becomes the line's delivered quantity.",
    )
    gelato_printed_date = fields.Datetime(
        string="Printed by Gelato",
        copy=False,
        readonly=True,
        help="When Gelato reported the line printed: its print files stay downloadable for a "
        "grace period after it, then their links stop working.",
    )
    gelato_tracking_ids = fields.One2many(
        string="Gelato Tracking",
        comodel_name="gelato.tracking",
        inverse_name="sale_line_id",
        copy=False,
        readonly=True,
    )
    gelato_line_file_ids = fields.One2many(
        string="Gelato Line Print Files",
        comodel_name="gelato.line.print.file",
        inverse_name="sale_line_id",
        copy=False,
        readonly=True,
        help="Print files made for this line (personalisation, remote storage): on their print "
        "area they replace the product's file.",
    )
    gelato_tracking_summary = fields.Html(
        string="Tracking",
        compute="_compute_gelato_tracking_summary",
        sanitize=False,  # built here from escaped values, links only to http(s) addresses
        help="The parcels' tracking codes, each a link to the carrier's tracking page.",
    )
    gelato_min_delivery_date = fields.Date(
        string="Gelato Delivery From", related="gelato_order_id.min_delivery_date"
    )
    gelato_max_delivery_date = fields.Date(
        string="Gelato Delivery Until", related="gelato_order_id.max_delivery_date"
    )

    # === COMPUTE METHODS === #

    @api.depends("gelato_tracking_ids.tracking_code", "gelato_tracking_ids.tracking_url")
    def _compute_gelato_tracking_summary(self):
        for line in self:
            parts = [
                Markup('<a href="%s" target="_blank" rel="noopener noreferrer">%s</a>')
                % (tracking.tracking_url, tracking.tracking_code)
                if is_web_url(tracking.tracking_url or "")
                else escape(tracking.tracking_code)
                for tracking in line.gelato_tracking_ids
            ]
            line.gelato_tracking_summary = Markup(", ").join(parts) if parts else False

    @api.depends("product_id.gelato_is_product")
    def _compute_qty_delivered_method(self):
        """Override of `sale` (and `sale_stock` when installed): Gelato lines are delivered by
        Gelato, not by a picking nor by hand."""
        res = super()._compute_qty_delivered_method()
        for line in self:
            if line._gelato_is_gelato_line() and not line.is_expense:
                line.qty_delivered_method = "gelato"
        return res

    @api.depends("gelato_qty_delivered")
    def _compute_qty_delivered(self):
        """Override of `sale`: a Gelato line's delivered quantity is what Gelato shipped."""
        res = super()._compute_qty_delivered()
        for line in self:
            if line.qty_delivered_method == "gelato":
                line.qty_delivered = line.gelato_qty_delivered
        return res

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._gelato_check_mixed_goods()
        lines.filtered(lambda line: line._gelato_is_gelato_line())._gelato_check_editable()
        return lines

    def write(self, vals):
        if {"product_id", "product_uom_qty", "product_uom"} & set(vals):
            self.filtered(lambda line: line._gelato_is_gelato_line())._gelato_check_editable()
        res = super().write(vals)
        if "product_id" in vals or "display_type" in vals:
            self.order_id._gelato_check_mixed_goods()
        return res

    # === ONCHANGE METHODS === #

    @api.onchange("product_id")
    def _onchange_product_id_gelato_mixed_goods(self):
        """Warn as soon as a line would mix Gelato products with other goods (the save is
        refused, see :meth:`SaleOrder._gelato_check_mixed_goods`)."""
        order = self.order_id
        if not self.product_id or order._gelato_allows_mixed_goods():
            return None
        others = order.order_line - self
        if self._gelato_is_other_goods() and any(line._gelato_is_gelato_line() for line in others):
            message = self.env._(
                "%(product)s cannot be added to this quotation: it holds Gelato products, and "
                "Gelato makes and ships the whole order. Sell %(product)s in a separate order.",
                product=self.product_id.display_name,
            )
        elif self._gelato_is_gelato_line() and any(
            line._gelato_is_other_goods() for line in others
        ):
            message = self.env._(
                "%(product)s is made and shipped by Gelato: it cannot join the other goods of "
                "this quotation. Sell it in a separate order.",
                product=self.product_id.display_name,
            )
        else:
            return None
        return {"warning": {"title": self.env._("Gelato products only"), "message": message}}

    # === BUSINESS METHODS === #

    def _gelato_is_gelato_line(self):
        """Whether this line is a Gelato product (made and shipped by Gelato)."""
        self.ensure_one()
        return bool(
            not self.display_type and not self.is_delivery and self.product_id.gelato_is_product
        )

    def _gelato_check_editable(self):
        """Refuse to change what Gelato makes once the order is at Gelato.

        Gelato is not told about later changes: the order would be produced as it was sent.
        """
        for order in self.order_id:
            if order.gelato_state == "sent" or order.gelato_order_ids.filtered(
                lambda g: g.fulfillment_status not in ("canceled", "failed")
            ):
                raise UserError(
                    self.env._(
                        "%(order)s is already at Gelato: its Gelato products and quantities can "
                        "no longer change. Cancel it and make a new order instead.",
                        order=order.name,
                    )
                )

    def _gelato_is_other_goods(self):
        """Whether this line holds goods that Gelato does not make (services, notes, sections,
        combos and the shipping line are not goods)."""
        self.ensure_one()
        return bool(
            not self.display_type
            and not self.is_delivery
            and not self.is_downpayment
            and self.product_id
            and self.product_id.type == "consu"
            and not self.product_id.gelato_is_product
        )

    def _gelato_attach_print_file(self, print_area, raw, filename, source, source_ref=False):
        """Give the line its own print file on ``print_area`` (replacing the one it had).

        :param bytes raw: the file.
        :param str source: ``gelato.line.print.file``'s ``source`` (storage, personalization...).
        :return: the ``gelato.line.print.file``.
        :raise ValidationError: when the file cannot be printed there (the check's reasons).
        """
        self.ensure_one()
        values = {
            "datas": base64.b64encode(raw),
            "filename": filename,
            "source": source,
            "source_ref": source_ref,
        }
        Files = self.env["gelato.line.print.file"].sudo()  # sudo: features run as OdooBot
        existing = Files.search(
            [("sale_line_id", "=", self.id), ("print_area", "=", print_area)], limit=1
        )
        if existing:
            existing.write(values)
            return existing
        return Files.create(dict(values, sale_line_id=self.id, print_area=print_area))

    def _gelato_prepare_files_payload(self):
        """Gelato's ``items[].files`` for this line: its own files, the product's elsewhere."""
        self.ensure_one()
        return self.product_id._gelato_prepare_files_payload(line=self)

    def _gelato_quantity(self, strict=True):
        """The line's quantity in the product's unit, as Gelato's whole ``quantity``.

        :param bool strict: return None for a fractional quantity instead of the float.
        """
        self.ensure_one()
        quantity = self.product_uom._compute_quantity(
            self.product_uom_qty, self.product_id.uom_id, round=False
        )
        whole = round(quantity)
        if float_is_zero(quantity - whole, precision_digits=6) and whole >= 1:
            return int(whole)
        return None if strict else quantity

    def _gelato_apply_item_status(self, status):
        """Entry point (webhook ``order_item_status_updated``): Gelato item status of the lines.

        Never moves backwards. From ``shipped`` on, the line counts as delivered (its whole
        quantity), so invoicing on delivered quantities works with or without Inventory.

        :return: the lines whose status changed.
        """
        changed = self.browse()
        for line in self:
            if not statuses.gelato_status_moves_forward(line.gelato_status, status):
                continue
            values = {"gelato_status": status}
            if (
                not line.gelato_printed_date
                and const.FULFILLMENT_STATUS_RANK.get(status, 0)
                >= const.FULFILLMENT_STATUS_RANK["printed"]
            ):
                values["gelato_printed_date"] = fields.Datetime.now()
            if (
                status in const.DELIVERED_FULFILLMENT_STATUSES
                and line.gelato_qty_delivered < line.product_uom_qty
            ):
                values["gelato_qty_delivered"] = line.product_uom_qty
            line.write(values)
            changed |= line
        return changed

    def _gelato_add_tracking(self, code, url=None, method_name=None, gelato_order=None):
        """Entry point (webhook ``order_item_tracking_code_updated``): a parcel's tracking.

        Tracking accumulates (several parcels, several events); a code already known for the
        line is not added twice.

        :return: the new ``gelato.tracking`` records.
        """
        created = self.env["gelato.tracking"]
        if not code:
            return created
        if url and not is_web_url(url):
            # Customers get this link in a mail and on the portal: http(s) only.
            _logger.info("Gelato tracking %s came with a link that is not http(s); dropped", code)
            url = False
        for line in self:
            if code in line.gelato_tracking_ids.mapped("tracking_code"):
                continue
            # Users only read tracking (its values come from Gelato): created in sudo.
            created |= (
                self.env["gelato.tracking"]
                .sudo()
                .create(
                    {
                        "sale_line_id": line.id,
                        "gelato_order_id": (gelato_order or line.gelato_order_id).id,
                        "tracking_code": code,
                        "tracking_url": url or False,
                        "shipment_method_name": method_name or False,
                    }
                )
            )
        return created.with_env(self.env)
