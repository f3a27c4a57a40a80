"""What the webhook request does with PostgreSQL, on real connections (not the tests' cursor).

A request starts with no transaction open: the event is recorded by one statement that is its
own transaction (committed before the webhook answers 200), and a delivery of the same event at
the same moment is skipped, never an error. In a test's cursor (a transaction is open) the
same method takes a savepoint instead: test_gelato_webhook_events covers that path.
"""

import threading
import time
from itertools import count

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.models.gelato_webhook_event import INBOX_CRON_XMLID

_ids = count(int(time.time() * 1000))


@tagged("post_install", "-at_install")
class TestGelatoWebhookRequestStatement(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_id = cls.env.company.id
        cls.prefix = "req_test_%s_" % next(_ids)
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM gelato_webhook_event WHERE event_id LIKE %s", [cls.prefix + "%"]
            )

    def _payload(self, event_id=None):
        return {
            "id": event_id or "%s%s" % (self.prefix, next(_ids)),
            "event": "order_status_updated",
            "orderId": "gelato-req-1",
            "orderReferenceId": "S-REQ-1",
            "fulfillmentStatus": "printed",
            "items": [],
        }

    def _rows(self, event_id):
        with self.registry.cursor() as cr:
            cr.execute("SELECT state FROM gelato_webhook_event WHERE event_id = %s", [event_id])
            return [state for (state,) in cr.fetchall()]

    @staticmethod
    def _warm_up(env):
        """The caches the request relies on (the secrets, the cron's xml id), warmed the way
        a worker's earlier requests warm them; then a new transaction."""
        env["gelato.webhook.event"]._gelato_webhook_credentials()
        env["ir.model.data"]._xmlid_to_res_id(INBOX_CRON_XMLID)
        env.cr.rollback()

    def _receive_in_fresh_cursor(self, payload, warm=True):
        """Do what the request does on a fresh cursor; return (event id or None, statements
        sent, whether the cursor's connection is back in transactions, its isolation)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Event = env["gelato.webhook.event"]
            if warm:
                self._warm_up(env)
            before = cr.sql_log_count
            event = Event._gelato_receive(self.company_id, payload, own_transaction=True)
            statements = cr.sql_log_count - before
            event_id = event.id or None
            # Nothing committed by the cursor: the event must be there already.
            cr.rollback()
            autocommit = cr.connection.autocommit
            cr.execute("SHOW transaction_isolation")
            isolation = cr.fetchone()[0]
        return event_id, statements, autocommit, isolation

    def test_a_request_records_the_event_in_one_committed_statement(self):
        payload = self._payload()
        event_id, statements, autocommit, isolation = self._receive_in_fresh_cursor(payload)
        self.assertTrue(event_id, "a new event is recorded")
        self.assertEqual(statements, 1, "one statement: the event and the inbox job's trigger")
        self.assertEqual(
            self._rows(payload["id"]), ["received"], "committed by the statement itself"
        )
        self.assertFalse(autocommit, "the connection goes back to transactions")
        self.assertEqual(isolation, "repeatable read", "with Odoo's isolation level")
        cron = self.env.ref(INBOX_CRON_XMLID)
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            self.assertTrue(cr.fetchone()[0], "the inbox job is triggered")

    def test_a_cold_worker_records_the_event_too(self):
        """The first request of a worker reads the secrets (a transaction is then open):
        the event is recorded in a savepoint and committed with the request."""
        self.env.registry.clear_cache()
        payload = self._payload()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Event = env["gelato.webhook.event"]
            self.assertIsNone(Event._gelato_authenticate({}))
            self.assertTrue(Event._gelato_receive(self.company_id, payload, own_transaction=True))
        self.assertEqual(self._rows(payload["id"]), ["received"])

    def test_another_caller_s_event_stays_in_its_transaction(self):
        """Only the webhook's request lets the statement commit by itself: any other caller's
        event is committed or rolled back with the rest of its work."""
        payload = self._payload()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self._warm_up(env)
            self.assertTrue(env["gelato.webhook.event"]._gelato_receive(self.company_id, payload))
            cr.rollback()
        self.assertEqual(self._rows(payload["id"]), [], "rolled back with the caller's work")

    def test_a_duplicate_is_one_statement_that_does_nothing(self):
        payload = self._payload()
        self.assertTrue(self._receive_in_fresh_cursor(payload)[0])
        event_id, statements, __, __ = self._receive_in_fresh_cursor(payload)
        self.assertIsNone(event_id)
        self.assertEqual(statements, 1)
        self.assertEqual(self._rows(payload["id"]), ["received"])

    def test_the_same_event_delivered_twice_at_once_is_recorded_once(self):
        """Gelato retrying a slow answer: the second delivery waits on the first one's row
        (not committed yet), then skips it; no error, one row."""
        payload = self._payload()
        results = {}
        with self.registry.cursor() as holder:
            # The first delivery, in a transaction that has not committed yet.
            holder.execute("SELECT 1")
            env = api.Environment(holder, SUPERUSER_ID, {})
            self.assertTrue(env["gelato.webhook.event"]._gelato_receive(self.company_id, payload))

            def second():
                try:
                    results["second"] = self._receive_in_fresh_cursor(payload)[0]
                except Exception as error:
                    results["error"] = error

            thread = threading.Thread(target=second)
            thread.start()
            thread.join(1.0)
            self.assertTrue(thread.is_alive(), "the second delivery waits for the first")
            holder.commit()
        thread.join(30)
        self.assertNotIn("error", results)
        self.assertIsNone(results["second"], "the second delivery is a duplicate")
        self.assertEqual(self._rows(payload["id"]), ["received"])
