import hmac
import json
import logging
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models, tools

from ..lib import const, text

_logger = logging.getLogger(__name__)

# Concurrency errors are left to Odoo's request retrying (the whole request is replayed).
_CONCURRENCY_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.LockNotAvailable,
)


class GelatoWebhookEvent(models.Model):
    _name = "gelato.webhook.event"
    _description = "Gelato Webhook Event"
    _order = "id desc"
    _rec_name = "event_id"

    event_id = fields.Char(string="Event ID", required=True, readonly=True)
    event_type = fields.Char(string="Event", readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    gelato_order_id = fields.Char(string="Gelato Order", readonly=True)
    order_reference = fields.Char(readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    state = fields.Selection(
        selection=[("done", "Applied"), ("ignored", "Ignored"), ("error", "Error")],
        readonly=True,
        required=True,
        default="done",
    )
    message = fields.Char(readonly=True, help="Why the event was ignored or failed.")
    payload = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "event_id_company_uniq",
            "UNIQUE(company_id, event_id)",
            "A Gelato event is recorded once per company.",
        ),
    ]

    # === BUSINESS METHODS: AUTHENTICATION === #

    @api.model
    @tools.ormcache()
    def _gelato_webhook_credentials(self):
        """(company id, header name, secret) of every company that has a webhook secret.

        Cached per registry and cleared when a company's webhook settings change, so that a
        webhook costs no query before it is authenticated.
        """
        self.env.cr.execute(
            """
            SELECT id, COALESCE(NULLIF(gelato_webhook_header, ''), %s), gelato_webhook_secret
              FROM res_company
             WHERE gelato_webhook_secret IS NOT NULL AND gelato_webhook_secret != ''
             ORDER BY id
            """,
            [const.WEBHOOK_DEFAULT_HEADER],
        )
        return tuple(self.env.cr.fetchall())

    @api.model
    def _gelato_authenticate(self, headers):
        """Return the id of the company whose webhook secret the request carries, or None.

        Every configured secret is compared in constant time (no early exit on a match), so the
        answer time says nothing about which secret or how much of it matched.

        :param headers: the request's headers (case-insensitive mapping).
        """
        matched = None
        for company_id, header, secret in self._gelato_webhook_credentials():
            provided = headers.get(header) or ""
            if hmac.compare_digest(provided.encode(), secret.encode()) and matched is None:
                matched = company_id
        return matched

    # === BUSINESS METHODS: RECEPTION === #

    @api.model
    def _gelato_receive(self, company_id, payload):
        """Record an authenticated event once and apply it. Never raises for bad input.

        :param int company_id: the company authenticated by the webhook secret.
        :param payload: the decoded JSON body (any JSON value).
        :return: the event record, or an empty recordset when nothing was recorded.
        """
        try:
            # Strings PostgreSQL cannot store (NUL, lone surrogates from "\ud800" escapes) are
            # cleaned; a payload nested too deeply to walk is no event.
            payload = text.clean_json_strings(payload)
            payload_text = json.dumps(payload)
        except RecursionError:
            _logger.debug("Gelato webhook nested too deeply; ignored")
            return self.browse()
        event_id, event_type = self._gelato_event_identity(payload)
        if not event_id:
            _logger.debug("Gelato webhook without a usable event id or type; ignored")
            return self.browse()
        if any("{{" in str(payload.get(key) or "") for key in const.WEBHOOK_ID_KEYS):
            # Gelato's "send test" button fills ids with placeholders such as {{MyOrderId}}.
            _logger.debug("Gelato webhook test event %s acknowledged", event_id)
            return self.browse()
        self.env.cr.execute(
            """
            INSERT INTO gelato_webhook_event
                   (event_id, event_type, company_id, gelato_order_id, order_reference, state,
                    payload, create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, %s, %s, %s, 'done', %s, %s, %s, now() at time zone 'UTC',
                    now() at time zone 'UTC')
            ON CONFLICT (company_id, event_id) DO NOTHING
            RETURNING id
            """,
            [
                event_id,
                event_type,
                company_id,
                self._gelato_str(payload.get("orderId")),
                self._gelato_str(payload.get("orderReferenceId")),
                payload_text,
                self.env.uid or 1,
                self.env.uid or 1,
            ],
        )
        row = self.env.cr.fetchone()
        if not row:
            _logger.debug("Gelato event %s already received; duplicate ignored", event_id)
            return self.browse()
        event = self.browse(row[0])
        try:
            with self.env.cr.savepoint():
                event._gelato_apply(event_type, payload)
        except _CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # no input may turn into a 500
            _logger.exception("Gelato event %s could not be applied", event_id)
            self.env.invalidate_all()
            event.write({"state": "error", "message": str(error)[:500]})
        return event

    @api.model
    def _gelato_event_identity(self, payload):
        """(event id, event type) of a payload, or (None, None) when it is not an event."""
        if not isinstance(payload, dict):
            return None, None
        event_id, event_type = payload.get("id"), payload.get("event")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            return None, None
        event_id, event_type = event_id.strip()[:255], event_type.strip()[:64]
        return (event_id, event_type) if event_id and event_type else (None, None)

    @staticmethod
    def _gelato_is_status(value):
        """Whether ``value`` is a fulfilment status Gelato documents (any JSON value accepted)."""
        return isinstance(value, str) and value in const.FULFILLMENT_STATUS_LABELS

    @staticmethod
    def _gelato_str(value):
        return value[:255] if isinstance(value, str) and value else None

    def _gelato_apply(self, event_type, payload):
        """Apply one recorded event: dispatch on its type to ``_gelato_process_<type>``."""
        self.ensure_one()
        if event_type not in const.WEBHOOK_EVENTS:
            self._gelato_ignore("event type not handled")
            return
        getattr(self, "_gelato_process_%s" % event_type)(payload)

    def _gelato_ignore(self, reason):
        _logger.debug("Gelato event %s ignored: %s", self.event_id, reason)
        self.write({"state": "ignored", "message": reason})

    # === BUSINESS METHODS: EVENTS === #

    def _gelato_find_sale_order(self, payload):
        """The sale order an event is about, within the authenticated company only.

        Indexed lookups only: Gelato's order id first, then the order reference (a part of a
        split order not seen yet).
        """
        self.ensure_one()
        gelato_order_id = self._gelato_str(payload.get("orderId"))
        reference = self._gelato_str(payload.get("orderReferenceId"))
        order = self.env["sale.order"]
        if gelato_order_id:
            order = (
                self.env["gelato.order"]
                .search(
                    [("gelato_id", "=", gelato_order_id), ("company_id", "=", self.company_id.id)],
                    limit=1,
                )
                .sale_order_id
            )
        if not order and reference:
            order = order.search(
                [
                    ("name", "=", reference),
                    ("company_id", "=", self.company_id.id),
                    ("gelato_state", "!=", False),
                ],
                limit=1,
            )
        if order:
            # One order's events are applied one after the other: this row update waits for a
            # concurrent event of the same order (two deliveries at once, or Gelato retrying a
            # slow one) and then fails with a serialisation error, so that Odoo replays this
            # request on a fresh snapshot that sees what the other one did (its tracking codes,
            # its status) instead of adding them a second time.
            self.env.cr.execute(
                "UPDATE sale_order SET write_date = write_date WHERE id = %s", [order.id]
            )
            self.sale_order_id = order
        return order

    def _gelato_prepare_context(self, payload, status_key):
        """(sale order, Gelato order id, status) of an order event, or Nones when unusable."""
        self.ensure_one()
        gelato_order_id = self._gelato_str(payload.get("orderId"))
        status = payload.get(status_key)
        if status_key and not self._gelato_is_status(status):
            self._gelato_ignore("unknown status %r" % (status,))
            return None, None, None
        order = self._gelato_find_sale_order(payload) if gelato_order_id else None
        if not order:
            self._gelato_ignore("unknown order")
            return None, None, None
        return order, gelato_order_id, status

    def _gelato_process_order_status_updated(self, payload):
        order, gelato_order_id, status = self._gelato_prepare_context(payload, "fulfillmentStatus")
        if not order:
            return
        items = (
            [
                {
                    "itemReferenceId": self._gelato_str(str(item.get("itemReferenceId") or "")),
                    "fulfillmentStatus": item.get("fulfillmentStatus")
                    if self._gelato_is_status(item.get("fulfillmentStatus"))
                    else status,
                    "fulfillments": self._gelato_clean_fulfillments(item.get("fulfillments")),
                }
                for item in payload.get("items") or []
                if isinstance(item, dict)
            ]
            if isinstance(payload.get("items"), list)
            else None
        )
        comment = payload.get("comment") if isinstance(payload.get("comment"), str) else None
        gelato_order = order._gelato_get_gelato_order(gelato_order_id)
        changed = gelato_order._gelato_apply_status(status, items=items, comment=comment)
        gelato_order._gelato_after_status_event(status, changed, comment)

    def _gelato_process_order_item_status_updated(self, payload):
        order, gelato_order_id, status = self._gelato_prepare_context(payload, "status")
        if not order:
            return
        lines = self._gelato_event_lines(order, payload)
        if not lines:
            self._gelato_ignore("unknown item")
            return
        gelato_order = order._gelato_get_gelato_order(gelato_order_id)
        lines.filtered(lambda line: not line.gelato_order_id).gelato_order_id = gelato_order
        lines._gelato_apply_item_status(status)

    def _gelato_process_order_item_tracking_code_updated(self, payload):
        order, gelato_order_id, _status = self._gelato_prepare_context(payload, None)
        if not order:
            return
        lines = self._gelato_event_lines(order, payload)
        code = self._gelato_str(payload.get("trackingCode"))
        if not lines or not code:
            self._gelato_ignore("unknown item or no tracking code")
            return
        gelato_order = order._gelato_get_gelato_order(gelato_order_id)
        tracking = lines._gelato_add_tracking(
            code,
            self._gelato_str(payload.get("trackingUrl")),
            self._gelato_str(payload.get("shipmentMethodName")),
            gelato_order,
        )
        if tracking:
            gelato_order._gelato_log_tracking(tracking)

    def _gelato_process_order_delivery_estimate_updated(self, payload):
        order, gelato_order_id, _status = self._gelato_prepare_context(payload, None)
        if not order:
            return
        min_date = self._gelato_date(payload.get("minDeliveryDate"))
        max_date = self._gelato_date(payload.get("maxDeliveryDate"))
        if not (min_date or max_date):
            self._gelato_ignore("no delivery date")
            return
        order._gelato_get_gelato_order(gelato_order_id)._gelato_set_delivery_estimate(
            min_date, max_date
        )

    def _gelato_event_lines(self, order, payload):
        reference = payload.get("itemReferenceId")
        if not isinstance(reference, str | int) or isinstance(reference, bool):
            return order.order_line.browse()
        return order.order_line.filtered(lambda line: str(line.id) == str(reference))

    @classmethod
    def _gelato_clean_fulfillments(cls, fulfillments):
        """Tracking entries of a webhook item, keeping only well-formed strings."""
        if not isinstance(fulfillments, list):
            return []
        return [
            {
                "trackingCode": cls._gelato_str(entry.get("trackingCode")),
                "trackingUrl": cls._gelato_str(entry.get("trackingUrl")),
                "shipmentMethodName": cls._gelato_str(entry.get("shipmentMethodName")),
            }
            for entry in fulfillments
            if isinstance(entry, dict) and cls._gelato_str(entry.get("trackingCode"))
        ]

    @staticmethod
    def _gelato_date(value):
        """A date from Gelato's ISO date or datetime text, or None."""
        if not isinstance(value, str):
            return None
        try:
            return fields.Date.to_date(value[:10])
        except ValueError:
            return None

    # === CRONS === #

    @api.model
    def _cron_purge_old_events(self):
        """Delete events older than the retention period (duplicates come within minutes)."""
        limit_date = fields.Datetime.now() - timedelta(days=const.WEBHOOK_EVENT_RETENTION_DAYS)
        self.env.cr.execute("DELETE FROM gelato_webhook_event WHERE create_date < %s", [limit_date])
