"""The send job as Odoo runs it: real cursors, real commits, the real cron runner, threads.

These tests commit their data (a TransactionCase's own cursor never commits, and the job's
guarantees are about what happens around commits and between transactions), then remove it.
"""

import contextlib
import threading
from datetime import timedelta
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import (
    SANDBOX_API_KEY,
    GelatoOrderMixin,
    GelatoSandbox,
    create_gelato_product,
    gelato_address,
)


@tagged("post_install", "-at_install")
class TestGelatoSendJob(GelatoOrderMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = odoo.service.server.server
        if server is None or not getattr(server, "httpd", None):
            raise RuntimeError("These tests need Odoo's HTTP server (pytest --odoo-http)")
        cls.sandbox = GelatoSandbox()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.base_url = "http://127.0.0.1:%s" % server.httpd.server_port
        cls.company_id = cls.env.company.id
        cls.cron_id = cls.env.ref("gelato_connector.ir_cron_gelato_send_orders").id
        cls.order_ids = []
        with cls.committed_env() as env:
            company = env["res.company"].browse(cls.company_id)
            icp = env["ir.config_parameter"]
            cron = env["ir.cron"].browse(cls.cron_id)
            cls.saved = {
                "company": company.read(
                    ["gelato_api_key", "gelato_api_url", "gelato_approval_mode"]
                )[0],
                "params": {
                    key: icp.get_param(key)
                    for key in (
                        "web.base.url",
                        "gelato_connector.order_request_timeout",
                        "gelato_connector.send_batch_size",
                    )
                },
                "nextcall": cron.nextcall,
            }
            company.write(
                {
                    "gelato_api_key": SANDBOX_API_KEY,
                    "gelato_api_url": cls.sandbox.url,
                    "gelato_approval_mode": "automatic",
                }
            )
            icp.set_param("web.base.url", cls.base_url)
            icp.set_param("gelato_connector.order_request_timeout", "3")
            # Only a trigger can make the job run during these tests.
            cron.nextcall = fields.Datetime.now() + timedelta(days=1)
            sweden = env.ref("base.se")
            cls.poster_id = create_gelato_product(
                env,
                "Committed Poster",
                "poster-30x40-matte",
                "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver",
            ).id
            cls.customer_id = env["res.partner"].create(gelato_address(country_id=sweden.id)).id
            cls.carrier_id = env.ref("gelato_connector.delivery_carrier_gelato_standard").id
        cls.addClassCleanup(cls._restore)

    @classmethod
    def _restore(cls):
        with cls.committed_env() as env:
            env["res.company"].browse(cls.company_id).write(
                {k: v for k, v in cls.saved["company"].items() if k != "id"}
            )
            for key, value in cls.saved["params"].items():
                env["ir.config_parameter"].set_param(key, value or False)
            env["ir.cron"].browse(cls.cron_id).nextcall = cls.saved["nextcall"]
            env["ir.cron.trigger"].search([("cron_id", "=", cls.cron_id)]).unlink()
            env["product.product"].browse(cls.poster_id).unlink()
            env["res.partner"].browse(cls.customer_id).unlink()

    @classmethod
    @contextlib.contextmanager
    def committed_env(cls):
        """An environment on a new real cursor, committed on exit (hooks run)."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        self.sandbox.admin("config", {"latency_ms": 0})
        # Only the tests' own triggers may make the job ready.
        with self.committed_env() as env:
            env["ir.cron.trigger"].search([("cron_id", "=", self.cron_id)]).unlink()
        self.addCleanup(self._delete_orders)

    def _delete_orders(self):
        if not self.order_ids:
            return
        with self.committed_env() as env:
            env.cr.execute("DELETE FROM sale_order WHERE id IN %s", [tuple(self.order_ids)])
            env["ir.cron.trigger"].search([("cron_id", "=", self.cron_id)]).unlink()
        self.order_ids.clear()

    def _queue(self, count=1):
        """Confirm ``count`` quotations and commit: they are queued, the job is triggered."""
        with self.committed_env() as env:
            orders = env["sale.order"]
            carrier = env["delivery.carrier"].browse(self.carrier_id)
            for _index in range(count):
                order = env["sale.order"].create(
                    {
                        "partner_id": self.customer_id,
                        "order_line": [(0, 0, {"product_id": self.poster_id})],
                    }
                )
                order.set_delivery_line(carrier, 5.0)
                orders |= order
            self.order_ids.extend(orders.ids)
            orders.action_confirm()
            self.assertEqual(set(orders.mapped("gelato_state")), {"queued"})
            names = orders.mapped("name")
        return orders.ids, names

    def _orders(self, env, ids):
        return env["sale.order"].browse(ids)

    def _state(self, ids):
        with self.committed_env() as env:
            return self._orders(env, ids).mapped("gelato_state")

    def _run_cron(self):
        """Run the send job as Odoo's cron worker does: acquire the job (it must be ready, i.e.
        triggered), run its batches (each committed, then the drafts promoted), reschedule.

        :return: whether the job was ready.
        """
        cron_class = type(self.env["ir.cron"])
        db = odoo.sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as cron_cr:
            job = cron_class._acquire_one_job(cron_cr, self.cron_id)
            if not job:
                return False
            self.registry["ir.cron"]._process_job(db, cron_cr, job)
        return True

    def _make_due(self, ids):
        with self.committed_env() as env:
            self._orders(env, ids).write(
                {"gelato_next_attempt": fields.Datetime.now() - timedelta(seconds=1)}
            )
            env["ir.cron"].browse(self.cron_id)._trigger()

    def _counters(self, name):
        return self.sandbox.admin("counters")["ordersByReference"].get(name, {})

    def _assert_exactly_one(self, names):
        for name in names:
            counters = self._counters(name)
            self.assertEqual(counters.get("orders"), 1, (name, counters))
            self.assertEqual(counters.get("drafts"), 0, (name, counters))

    # === Tests === #

    def test_confirm_triggers_the_job_and_the_draft_is_promoted_after_the_commit(self):
        ids, names = self._queue()
        with self.committed_env() as env:
            triggers = env["ir.cron.trigger"].search([("cron_id", "=", self.cron_id)])
            self.assertTrue(triggers, "confirming queued the job right after the commit")
        self.assertFalse(self.sandbox.admin("orders")["orders"], "confirm did not call Gelato")
        self.assertTrue(self._run_cron(), "the trigger made the job ready")
        self.assertEqual(self._state(ids), ["sent"])
        self._assert_exactly_one(names)
        calls = self.sandbox.admin("counters")["calls"]
        self.assertEqual(calls["POST /v4/orders"], 1)
        self.assertEqual(calls["PATCH /v4/orders/{id}"], 1, "promoted by the post-commit hook")
        self.assertFalse(self._run_cron(), "done: no trigger left, next call tomorrow")

    def test_an_order_queued_while_the_job_runs_does_not_wait_for_the_next_call(self):
        """An order queued while a run is going, after the run read the queue, is sent by the
        next run at once: the runner, when it ends, deletes only the triggers it could see
        (those older than its start), even when the new one's time, cut to the second, is
        older than the run."""
        first_ids, _names = self._queue()
        order_class = type(self.env["sale.order"])
        original = order_class._gelato_lock_orders_to_send
        late = []
        # Cut to the second, before the run starts: the time the wake-up gets in the race.
        run_second = fields.Datetime.now()

        def lock_then_the_shop_confirms(model, *args, **kwargs):
            orders = original(model, *args, **kwargs)
            if not late:
                with patch.object(fields.Datetime, "now", lambda *args: run_second):
                    late.append(self._queue()[0])
            return orders

        with patch.object(order_class, "_gelato_lock_orders_to_send", lock_then_the_shop_confirms):
            self.assertTrue(self._run_cron())
        self.assertEqual(self._state(first_ids), ["sent"])
        self.assertEqual(self._state(late[0]), ["queued"], "queued after the run read the queue")
        self.assertTrue(self._run_cron(), "its wake-up outlived the run")
        self.assertEqual(self._state(late[0]), ["sent"])

    def test_a_failed_local_transaction_deletes_its_drafts(self):
        ids, names = self._queue(2)
        order_class = type(self.env["sale.order"])
        original = order_class._gelato_count_orders_to_send

        def crash(self_model):
            raise RuntimeError("the database went away after the drafts were created")

        with patch.object(order_class, "_gelato_count_orders_to_send", crash):
            self.assertTrue(self._run_cron())
        order_class._gelato_count_orders_to_send = original
        for name in names:
            counters = self._counters(name)
            self.assertEqual(
                (counters["creates"], counters["deletedDrafts"], counters["drafts"]),
                (1, 1, 0),
                counters,
            )
        self.assertEqual(self._state(ids), ["queued", "queued"])
        with self.committed_env() as env:
            self.assertFalse(self._orders(env, ids).gelato_order_ids, "rolled back")
        self._make_due(ids)
        self.assertTrue(self._run_cron())
        self.assertEqual(self._state(ids), ["sent", "sent"])
        self._assert_exactly_one(names)

    def test_worker_dies_after_the_commit_before_promoting(self):
        ids, names = self._queue()
        with self.committed_env() as env:
            env["sale.order"]._cron_gelato_send_orders()
            # The process dies here: the post-commit promotion never runs.
            env.cr.postcommit.clear()
        self.assertEqual(self._counters(names[0])["drafts"], 1)
        with self.committed_env() as env:
            order = self._orders(env, ids)
            self.assertEqual(order.gelato_state, "queued")
            self.assertEqual(order.gelato_order_ids.order_type, "draft")
            self.assertGreater(order.gelato_next_attempt, fields.Datetime.now())
        # Other runs leave it alone until the promotion lease ends, then promote it.
        with self.committed_env() as env:
            self.assertFalse(env["sale.order"]._cron_gelato_send_orders())
        self._make_due(ids)
        self.assertTrue(self._run_cron())
        self.assertEqual(self._state(ids), ["sent"])
        self._assert_exactly_one(names)
        self.assertEqual(self._counters(names[0])["creates"], 1)

    def test_worker_dies_before_the_commit_without_any_hook(self):
        ids, names = self._queue()
        with self.committed_env() as env:
            env["sale.order"]._cron_gelato_send_orders()
            # Killed before the commit: no rollback hook runs, the draft stays at Gelato.
            env.cr.postcommit.clear()
            env.cr.postrollback.clear()
            env.cr.rollback()
        self.assertEqual(self._counters(names[0])["drafts"], 1)
        self.assertTrue(self._run_cron())
        self.assertEqual(self._state(ids), ["sent"])
        counters = self._counters(names[0])
        self.assertEqual(counters["deletedDrafts"], 1, "the leftover draft was found and deleted")
        self._assert_exactly_one(names)

    def test_crash_between_create_and_promote_with_after_faults(self):
        for endpoint, kind in (("POST /v4/orders", "drop"), ("PATCH /v4/orders/*", "500")):
            with self.subTest(endpoint=endpoint):
                self.sandbox.reset()
                ids, names = self._queue()
                # Gelato does it, then the answer never arrives.
                self.sandbox.fault(kind, endpoint=endpoint, when="after")
                self.assertTrue(self._run_cron())
                self.assertEqual(self._state(ids), ["queued"])
                self._make_due(ids)
                self.assertTrue(self._run_cron())
                self.assertEqual(self._state(ids), ["sent"])
                self._assert_exactly_one(names)

    def test_two_workers_at_once_never_send_the_same_order(self):
        ids, names = self._queue(8)
        self.sandbox.admin("config", {"latency_ms": 100})
        with self.committed_env() as env:
            env["ir.config_parameter"].set_param("gelato_connector.send_batch_size", "2")
        barrier = threading.Barrier(2)
        handled = {0: [], 1: []}
        errors = []

        def worker(index):
            try:
                barrier.wait(timeout=30)
                for _round in range(20):
                    with self.committed_env() as env:
                        batch = env["sale.order"]._cron_gelato_send_orders()
                        handled[index].extend(batch.ids)
                    if not batch:
                        break
            except Exception as error:  # the test reports it
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertFalse(set(handled[0]) & set(handled[1]), "an order was taken by both")
        self.assertEqual(sorted(handled[0] + handled[1]), sorted(ids))
        self.assertTrue(handled[0] and handled[1], "both workers worked: %s" % handled)
        self.assertEqual(set(self._state(ids)), {"sent"})
        self._assert_exactly_one(names)
        self.assertEqual(self.sandbox.admin("counters")["calls"]["POST /v4/orders"], 8)
        with self.committed_env() as env:
            env["ir.config_parameter"].set_param("gelato_connector.send_batch_size", False)
