"""The webhook's event log and inbox.

The request only records an event (one ``INSERT … ON CONFLICT DO NOTHING``) and wakes the
inbox job up; the job applies received events in batches, per Gelato order, from what Gelato's
API answers about that order — never from what the event claims.
"""

import hmac
import json
import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
import psycopg2.extensions

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..exceptions import GelatoApiError
from ..lib import const, orders, text, webhooks

_logger = logging.getLogger(__name__)

# Another transaction holds or changed the same rows: the events stay received and the next
# batch applies them on a fresh snapshot.
_CONCURRENCY_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.UniqueViolation,
)

INBOX_CRON_XMLID = "gelato_connector.ir_cron_gelato_process_webhook_events"
# When this process last told the cron workers (monotonic seconds); see
# _gelato_notify_cron_workers.
_LAST_NOTIFY = [float("-inf")]


class GelatoWebhookEvent(models.Model):
    _name = "gelato.webhook.event"
    _description = "Gelato Webhook Event"
    _order = "id desc"
    _rec_name = "event_id"

    event_id = fields.Char(string="Event ID", required=True, readonly=True)
    # Every index is written by each webhook request: no index of its own for the company (the
    # unique constraint's starts with it) nor for the type (grouped by in the list only).
    event_type = fields.Char(string="Event", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    gelato_order_id = fields.Char(string="Gelato Order", readonly=True)
    order_reference = fields.Char(readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    state = fields.Selection(
        selection=[
            ("received", "Received"),
            ("done", "Applied"),
            ("ignored", "Ignored"),
            ("error", "Error"),
        ],
        readonly=True,
        required=True,
        default="received",
        help="Received: waiting for the inbox job. Applied: Gelato's order was fetched and "
        "applied. Ignored: nothing to apply (unknown order, Gelato does not confirm it, not an "
        "order event). Error: applying failed, see the message and the order's activity.",
    )
    message = fields.Char(readonly=True, help="Why the event was ignored, failed or waits.")
    payload = fields.Text(readonly=True)
    payload_display = fields.Text(
        string="Payload (formatted)",
        compute="_compute_payload_display",
        help="The event as Gelato sent it, indented for reading.",
    )
    attempt_count = fields.Integer(
        readonly=True, help="Times Gelato could not be asked about the event's order."
    )
    next_attempt = fields.Datetime(readonly=True, help="Gelato is asked again from then on.")
    processed_date = fields.Datetime(string="Processed On", readonly=True)

    _sql_constraints = [
        (
            "event_id_company_uniq",
            "UNIQUE(company_id, event_id)",
            "A Gelato event is recorded once per company.",
        ),
    ]

    def init(self):
        # The inbox reads only received events: a partial index keeps that cost flat however
        # many applied events the log holds; the purge deletes by age.
        tools.create_index(
            self.env.cr,
            "gelato_webhook_event_received_idx",
            self._table,
            ["id"],
            where="state = 'received'",
        )
        tools.create_index(
            self.env.cr, "gelato_webhook_event_create_date_idx", self._table, ["create_date"]
        )

    # === COMPUTE METHODS === #

    @api.depends("payload")
    def _compute_payload_display(self):
        for event in self:
            try:
                event.payload_display = json.dumps(
                    json.loads(event.payload or "null"), indent=2, ensure_ascii=False
                )
            except ValueError:
                event.payload_display = event.payload

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

    # === BUSINESS METHODS: RECEPTION (the request) === #

    @api.model
    def _gelato_receive(self, company_id, payload, own_transaction=False):
        """Record an authenticated event once and wake the inbox job up. Never raises for bad
        input; reads no record (one INSERT, and the cron trigger for a new event).

        :param int company_id: the company authenticated by the webhook secret.
        :param payload: the decoded JSON body (any JSON value).
        :param bool own_transaction: the caller (the webhook's request) has nothing of its own
            in the transaction: the event may be committed by its statement alone.
        :return: the new event record, or an empty recordset when nothing new was recorded.
        """
        try:
            # Strings PostgreSQL cannot store (NUL, lone surrogates from "\ud800" escapes) are
            # cleaned; a payload nested too deeply to walk is no event.
            payload = text.clean_json_strings(payload)
            payload_text = json.dumps(payload)
        except RecursionError:
            _logger.debug("Gelato webhook nested too deeply; ignored")
            return self.browse()
        event_id, event_type = webhooks.event_identity(payload)
        if not event_id:
            _logger.debug("Gelato webhook without a usable event id or type; ignored")
            return self.browse()
        if webhooks.is_test_event(payload):
            _logger.debug("Gelato webhook test event %s acknowledged", event_id)
            return self.browse()
        problem = webhooks.event_problem(event_type, payload)
        # The xml id lookup is cached per registry: no query for it on the request path.
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            INBOX_CRON_XMLID, raise_if_not_found=False
        )
        # One statement records the event and, when it is new and for the inbox, the cron
        # trigger (the row ``ir.cron._trigger()`` would create, without its reads).
        query = SQL(
            """
            WITH event AS (
            INSERT INTO gelato_webhook_event
                   (event_id, event_type, company_id, gelato_order_id, order_reference, state,
                    message, payload, attempt_count, create_uid, write_uid, create_date,
                    write_date, processed_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, now() at time zone 'UTC',
                    now() at time zone 'UTC', %s)
            ON CONFLICT (company_id, event_id) DO NOTHING
            RETURNING id
            ), wake_up AS (
            INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, write_uid, create_date,
                                         write_date)
            SELECT %s, now() at time zone 'UTC', %s, %s, now() at time zone 'UTC',
                   now() at time zone 'UTC'
              FROM event
             WHERE %s
            )
            SELECT id FROM event
            """,
            *[
                event_id,
                event_type,
                company_id,
                webhooks.text(payload.get("orderId")),
                webhooks.text(payload.get("orderReferenceId")),
                "ignored" if problem else "received",
                problem,
                payload_text,
                self.env.uid or 1,
                self.env.uid or 1,
                fields.Datetime.now() if problem else None,
                cron_id,
                self.env.uid or 1,
                self.env.uid or 1,
                bool(cron_id and not problem),
            ],
        )
        row = self._gelato_insert_event(query, own_transaction)
        if not row:
            _logger.debug("Gelato event %s already received; duplicate ignored", event_id)
            return self.browse()
        if problem:
            _logger.debug("Gelato event %s ignored: %s", event_id, problem)
        elif cron_id:
            self._gelato_notify_cron_workers(cron_id)
        return self.browse(row[0])

    @api.model
    def _gelato_insert_event(self, query, own_transaction):
        """Run the recording statement; return its row (None for a duplicate).

        In the webhook's request (``own_transaction``, and no transaction open yet) the
        statement is its own transaction: one round trip to PostgreSQL, committed (durably)
        before the webhook answers, and a duplicate delivered at the same moment is simply
        skipped. Otherwise (a test, a caller's own work, a request whose transaction has begun)
        it runs in a savepoint of the transaction instead: the same event delivered twice at
        once (Gelato retrying a slow answer) has the other delivery's row, committed while
        this one waited, outside the transaction's snapshot, and PostgreSQL refuses to skip
        it; that is a duplicate too.
        """
        cr = self.env.cr
        connection = cr.connection
        if (
            own_transaction
            and connection.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        ):
            connection.autocommit = True
            try:
                cr.execute(query, log_exceptions=False)
                return cr.fetchone()
            finally:
                connection.autocommit = False
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, log_exceptions=False)
                return cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            return None

    @api.model
    def _gelato_notify_cron_workers(self, cron_id):
        """After the commit, tell the cron workers a job is due (what ``ir.cron._trigger()``
        does), at most every ``WEBHOOK_NOTIFY_INTERVAL`` seconds per process: under a burst
        one wake-up serves many events, since the job takes every due event and the runner
        keeps calling it while triggers newer than its start remain."""
        now = time.monotonic()
        if now - _LAST_NOTIFY[0] < const.WEBHOOK_NOTIFY_INTERVAL:
            return
        _LAST_NOTIFY[0] = now
        self.env.cr.postcommit.add(self.env["ir.cron"].browse(cron_id)._notifydb)

    @api.model
    def _gelato_trigger_inbox(self, at=None):
        """Wake the inbox job up (now, or at ``at``) once this transaction commits."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            INBOX_CRON_XMLID, raise_if_not_found=False
        )
        if cron_id:
            self.env["ir.cron"].sudo().browse(cron_id)._trigger(at)

    # === BUSINESS METHODS: THE INBOX (the job) === #

    @api.model
    def _cron_gelato_process_webhook_events(self, batch_size=None, max_orders=None):
        """Apply one batch of received events (scheduled action, woken up by the webhook).

        The events are taken in the order they arrived and grouped per sale order; each sale
        order is locked ``FOR UPDATE SKIP LOCKED`` (another worker running the job at the same
        time takes other orders, the send job's locks are respected), each of its Gelato orders
        is fetched once from Gelato and applied, and its events are marked in the same
        transaction — committed by the cron runner, so an event is applied exactly once, also
        when a worker dies mid-batch (the whole batch is then rolled back and taken again).

        :return: the events handled by this batch.
        """
        icp = self.env["ir.config_parameter"].sudo()
        batch_size = batch_size or int(
            icp.get_param("gelato_connector.inbox_batch_events", const.INBOX_BATCH_EVENTS)
        )
        max_orders = max_orders or int(
            icp.get_param("gelato_connector.inbox_batch_orders", const.INBOX_BATCH_ORDERS)
        )
        handled = self.browse()
        skipped = False
        for sale_order_id, event_ids in self._gelato_inbox_candidates(batch_size, max_orders):
            group = self._gelato_process_group(sale_order_id, event_ids)
            skipped |= not group
            handled |= group
        if skipped:
            # Orders another transaction held (the send job, another worker): taken again in a
            # few seconds, not only at the next event or the safety-net interval (the runner
            # drops the triggers that woke this run up).
            self._gelato_trigger_inbox(
                fields.Datetime.now() + timedelta(seconds=const.INBOX_SKIPPED_RETRY_SECONDS)
            )
        remaining = self._gelato_count_due() if handled else 0
        self.env["ir.cron"]._notify_progress(done=len(handled), remaining=remaining)
        return handled

    def _gelato_due_condition(self):
        return SQL(
            "state = 'received' AND (next_attempt IS NULL OR next_attempt <= %s)",
            fields.Datetime.now(),
        )

    @api.model
    def _gelato_count_due(self):
        self.flush_model(["state", "next_attempt"])
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM gelato_webhook_event WHERE %s", self._gelato_due_condition())
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _gelato_inbox_candidates(self, batch_size, max_orders):
        """Due received events, oldest first, grouped per sale order (None: no sale order of
        the company has that Gelato order or reference).

        :return: ``[(sale order id or None, [event ids in arrival order])]``, at most
            ``max_orders`` sale orders.
        """
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id,
                       COALESCE(
                           (SELECT g.sale_order_id FROM gelato_order g
                             WHERE g.gelato_id = e.gelato_order_id
                               AND g.company_id = e.company_id
                             LIMIT 1),
                           (SELECT s.id FROM sale_order s
                             WHERE s.name = e.order_reference
                               AND s.company_id = e.company_id
                               AND s.gelato_state IS NOT NULL
                             ORDER BY s.id LIMIT 1))
                  FROM gelato_webhook_event e
                 WHERE %s  -- the event's own columns: subqueries are in the select list
                 ORDER BY e.id
                 LIMIT %s
                """,
                self._gelato_due_condition(),
                batch_size,
            )
        )
        groups = defaultdict(list)
        for event_id, sale_order_id in self.env.cr.fetchall():
            if sale_order_id not in groups and len(groups) >= max_orders:
                continue
            groups[sale_order_id].append(event_id)
        return list(groups.items())

    @api.model
    def _gelato_lock_events(self, event_ids):
        """Lock those of ``event_ids`` still received that no other transaction holds."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    """
                    SELECT id FROM gelato_webhook_event
                     WHERE id = ANY(%s) AND state = 'received'
                     ORDER BY id
                       FOR UPDATE SKIP LOCKED
                    """,
                    [list(event_ids)],
                )
                ids = [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # Another worker handled them after this transaction's snapshot was taken.
            return self.browse()
        events = self.browse(ids)
        events.invalidate_recordset()
        return events

    @api.model
    def _gelato_lock_sale_order(self, sale_order_id):
        """Lock the sale order, or return an empty recordset when another transaction holds it
        (an inbox worker, the send job) or changed it after this transaction's snapshot."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    "SELECT id FROM sale_order WHERE id = %s FOR UPDATE SKIP LOCKED",
                    [sale_order_id],
                )
                if not cr.fetchone():
                    return self.env["sale.order"]
                # A row version of our own: a worker whose snapshot is older than this
                # transaction's commit cannot lock the order afterwards (it fails as above)
                # and so never applies Gelato's answer over what this batch did.
                cr.execute(
                    "UPDATE sale_order SET write_date = write_date WHERE id = %s",
                    [sale_order_id],
                )
        except psycopg2.errors.SerializationFailure:
            return self.env["sale.order"]
        order = self.env["sale.order"].browse(sale_order_id)
        order.invalidate_recordset()
        return order

    @api.model
    def _gelato_process_group(self, sale_order_id, event_ids):
        """Apply the events of one sale order (or ignore those of no known order).

        :return: the events handled (applied, ignored, failed or postponed).
        """
        if sale_order_id is None:
            events = self._gelato_lock_events(event_ids)
            events._gelato_mark("ignored", "unknown order")
            return events
        sale_order = self._gelato_lock_sale_order(sale_order_id)
        if not sale_order:
            return self.browse()
        events = self._gelato_lock_events(event_ids)
        if not events:
            return events
        sale_order = sale_order.with_company(sale_order.company_id)
        try:
            with self.env.cr.savepoint():
                events._gelato_apply_to_order(sale_order)
        except _CONCURRENCY_ERRORS:
            _logger.info("Gelato events of %s met a concurrent change; retried", sale_order.name)
            self.env.invalidate_all()
            return self.browse()
        except Exception as error:  # one order's failure must not stop the batch
            _logger.exception("Gelato events of %s could not be applied", sale_order.name)
            self.env.invalidate_all()
            events._gelato_mark("error", str(error)[:500], sale_order)
            sale_order._gelato_schedule_activity(
                self.env._("Gelato: update failed"),
                self.env._(
                    "Gelato's update of this order could not be applied: %(error)s. See "
                    "Sales > Configuration > Gelato Webhook Events; use Refresh to take "
                    "Gelato's state again.",
                    error=str(error)[:500],
                ),
            )
        return events

    def _gelato_apply_to_order(self, sale_order):
        """Fetch each Gelato order these events (of one locked sale order) name, once, and
        apply Gelato's answer; mark the events."""
        by_gelato_id = defaultdict(lambda: self.browse())
        for event in self.sorted("id"):
            by_gelato_id[event.gelato_order_id] |= event
        for gelato_id, events in by_gelato_id.items():
            events._gelato_apply_gelato_order(sale_order, gelato_id)

    def _gelato_apply_gelato_order(self, sale_order, gelato_id):
        """What is true at Gelato about Gelato order ``gelato_id``, applied to ``sale_order``
        (the events that named it say only that something changed)."""
        local = sale_order.gelato_order_ids.filtered(lambda g: g.gelato_id == gelato_id)
        if local.order_type == "draft":
            # Its promotion is not committed yet: the send job records Gelato's answer first.
            self._gelato_postpone(const.INBOX_DRAFT_WAIT_SECONDS)
            return
        company = sale_order.company_id
        try:
            data = self.env["gelato.order"]._gelato_fetch(company, gelato_id)
        except GelatoApiError as error:
            if error.status_code == 404:
                self._gelato_mark("ignored", "Gelato does not know this order", sale_order)
                return
            # Gelato down, slow, refusing the key for now or answering garbage: the events
            # wait and Gelato is asked again later; nothing is lost.
            attempts = max(self.mapped("attempt_count")) + 1
            self.write({"attempt_count": attempts, "message": str(error.args[0])[:500]})
            self._gelato_postpone(orders.backoff_delay(attempts, error.retry_after))
            if attempts == const.INBOX_OUTAGE_ACTIVITY_ATTEMPTS:
                sale_order._gelato_schedule_activity(
                    self.env._("Gelato: updates waiting"),
                    self.env._(
                        "Gelato has not answered about %(order)s for about an hour "
                        "(%(error)s). Its updates (status, tracking) wait and are applied as "
                        "soon as Gelato answers; nothing is lost. If it lasts, check Gelato's "
                        "status page and the API key in Settings > Sales > Gelato.",
                        order=sale_order.name,
                        error=error.args[0],
                    ),
                )
            return
        if data.get("id") != gelato_id or data.get("orderReferenceId") != (
            sale_order._gelato_reference()
        ):
            self._gelato_mark("ignored", "order reference does not match", sale_order)
            return
        before = local.fulfillment_status
        gelato_order = sale_order.with_context(
            gelato_notify_customer=True
        )._gelato_process_order_data(data)
        estimate = self._gelato_latest_estimate()
        if estimate:
            # Not in the order's answer: taken from the event, now that Gelato confirmed the
            # order is this sale order's, for this company.
            gelato_order._gelato_set_delivery_estimate(*estimate)
        if max(self.mapped("attempt_count")) >= const.INBOX_OUTAGE_ACTIVITY_ATTEMPTS:
            waiting = sale_order.activity_ids.filtered(
                lambda a: a.summary == self.env._("Gelato: updates waiting")
            )
            waiting.action_feedback(feedback=self.env._("Gelato answered again."))
        status = gelato_order.fulfillment_status
        gelato_order._gelato_after_status_event(
            status, status != before, data.get("refusalReason") or self._gelato_comment(status)
        )
        self._gelato_mark("done", False, sale_order)

    def _gelato_latest_estimate(self):
        """(min, max) dates of the last delivery estimate event among these, or None."""
        for event in self.sorted("id", reverse=True):
            if event.event_type == "order_delivery_estimate_updated":
                payload = event._gelato_payload()
                dates = (
                    webhooks.iso_date(payload.get("minDeliveryDate")),
                    webhooks.iso_date(payload.get("maxDeliveryDate")),
                )
                if any(dates):
                    return dates
        return None

    def _gelato_comment(self, status):
        """Gelato's comment on the last of these events that announced ``status`` (shown with
        an activity Gelato's own answer confirmed)."""
        for event in self.sorted("id", reverse=True):
            payload = event._gelato_payload()
            if payload.get("fulfillmentStatus") == status or payload.get("status") == status:
                comment = webhooks.text(payload.get("comment"), 1000)
                if comment:
                    return comment
        return None

    def _gelato_payload(self):
        self.ensure_one()
        try:
            payload = json.loads(self.payload or "{}")
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    def _gelato_mark(self, state, message, sale_order=None):
        if not self:
            return
        values = {
            "state": state,
            "message": message or False,
            "next_attempt": False,
            "processed_date": fields.Datetime.now(),
        }
        if sale_order:
            values["sale_order_id"] = sale_order.id
        self.write(values)
        if state != "done":
            _logger.debug("Gelato events %s %s: %s", self.mapped("event_id"), state, message)

    def _gelato_postpone(self, seconds):
        """Leave these events received, due again in ``seconds``; the job is woken up then."""
        next_attempt = fields.Datetime.now() + timedelta(seconds=seconds)
        self.write({"next_attempt": next_attempt})
        self._gelato_trigger_inbox(next_attempt)

    # === CRONS === #

    @api.model
    def _cron_purge_old_events(self):
        """Delete handled events older than the retention period (duplicates come within
        minutes); an index on the date keeps the purge's cost to what it deletes."""
        limit_date = fields.Datetime.now() - timedelta(days=const.WEBHOOK_EVENT_RETENTION_DAYS)
        self.env.cr.execute(
            "DELETE FROM gelato_webhook_event WHERE create_date < %s AND state != 'received'",
            [limit_date],
        )
