"""Two scans at once, with real cursors: a batch never takes an order another transaction
holds. The data is committed (a TransactionCase's own cursor never commits), then removed."""

import contextlib

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestStorageConcurrency(TransactionCase):
    @contextlib.contextmanager
    def committed_env(self):
        """An environment on a new real cursor, committed on exit."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def test_a_batch_skips_the_orders_another_scan_holds(self):
        with self.committed_env() as env:
            partner = env["res.partner"].create({"name": "Concurrent scan customer"})
            product = env["product.product"].create({"name": "Concurrent scan item"})
            order = env["sale.order"].create(
                {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id})]}
            )
            storage = env["gelato.storage"].create(
                {"name": "Concurrent", "kind": "http", "base_url": "http://127.0.0.1:9/art/"}
            )
            env["gelato.storage.file"].create(
                {
                    "storage_id": storage.id,
                    "key": "%s_1.png" % order.name,
                    "sale_line_id": order.order_line.id,
                    "print_area": "default",
                }
            )
            ids = {
                "order": order.id,
                "storage": storage.id,
                "partner": partner.id,
                "template": product.product_tmpl_id.id,
            }
        self.addCleanup(self._remove, ids)
        with self.registry.cursor() as holder, self.registry.cursor() as worker:
            # Another scan's batch holds the order (its row lock, until its commit).
            holder.execute("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", [ids["order"]])
            env = api.Environment(worker, SUPERUSER_ID, {})
            Files = env["gelato.storage.file"]
            mine = env["gelato.storage"].browse(ids["storage"])
            self.assertFalse(Files._gelato_process_batch(storage=mine), "the held order waits")
            self.assertEqual(Files._gelato_count_pending(mine), 1)
            holder.rollback()
            # Released: the next batch takes it (the order does not wait: the file is ignored).
            (done,) = Files._gelato_process_batch(storage=mine)
            self.assertEqual(done.state, "ignored")
            worker.rollback()

    def _remove(self, ids):
        with self.committed_env() as env:
            env["gelato.storage"].browse(ids["storage"]).unlink()
            env["sale.order"].browse(ids["order"]).unlink()
            env["product.template"].browse(ids["template"]).unlink()
            env["res.partner"].browse(ids["partner"]).unlink()
