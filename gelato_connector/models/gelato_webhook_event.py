import hmac
import json
import logging
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models, tools

from odoo.addons.gelato_connector import const

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
    order_reference = fields.Char(string="Order Reference", readonly=True)
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
                json.dumps(payload),
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
                event._gelato_apply(payload)
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
    def _gelato_str(value):
        return value[:255] if isinstance(value, str) and value else None

    def _gelato_apply(self, payload):
        """Apply one recorded event: dispatch on its type to ``_gelato_process_<type>``."""
        self.ensure_one()
        if self.event_type not in const.WEBHOOK_EVENTS:
            self._gelato_ignore("event type not handled")
            return
        getattr(self, "_gelato_process_%s" % self.event_type)(payload)

    def _gelato_ignore(self, reason):
        _logger.debug("Gelato event %s ignored: %s", self.event_id, reason)
        self.write({"state": "ignored", "message": reason})

    # === CRONS === #

    @api.model
    def _cron_purge_old_events(self):
        """Delete events older than the retention period (duplicates come within minutes)."""
        limit_date = fields.Datetime.now() - timedelta(days=const.WEBHOOK_EVENT_RETENTION_DAYS)
        self.env.cr.execute("DELETE FROM gelato_webhook_event WHERE create_date < %s", [limit_date])
