"""Completion twice at once in real, concurrent transactions (a double click, two tabs): one
render, one state change. The second transaction waits on the personalisation's row lock, then
fails to serialise (REPEATABLE READ) and is retried, as Odoo retries a request, and sees the
first one's result."""

import threading

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import create_gelato_product, gelato_address

from .common import CARD_TEMPLATE, CARD_UID


@tagged("post_install", "-at_install")
class TestPersonalizationConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            cls.saved_mode = company.gelato_approval_mode
            cls.saved_shipping = company.gelato_shipping_policy
            company.gelato_approval_mode = "automatic"
            company.gelato_shipping_policy = "warn"  # the card is ordered without shipping
            card = create_gelato_product(env, "Concurrent Card", CARD_TEMPLATE, CARD_UID)
            card.product_tmpl_id.gelato_personalizable = True
            partner = env["res.partner"].create(gelato_address(country_id=env.ref("base.se").id))
            order = env["sale.order"].create(
                {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": card.id})]}
            )
            order.action_confirm()
            personalization = order.gelato_personalization_ids
            cls.token = personalization.access_token
            cls.ids = {
                "order": order.id,
                "template": card.product_tmpl_id.id,
                "partner": partner.id,
                "personalization": personalization.id,
                "line": personalization.sale_line_id.id,
                "box": card.product_tmpl_id.gelato_personalization_box_ids.filtered(
                    lambda b: b.name == "Greeting"
                ).id,
            }
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            files = env["gelato.line.print.file"].search([("sale_line_id", "=", cls.ids["line"])])
            env["ir.attachment"].search(
                [
                    "|",
                    "&",
                    ("res_model", "=", "gelato.line.print.file"),
                    ("res_id", "in", files.ids),
                    "&",
                    ("res_model", "=", "gelato.personalization"),
                    ("res_id", "=", cls.ids["personalization"]),
                ]
            ).unlink()
            cr.execute("DELETE FROM sale_order WHERE id = %s", [cls.ids["order"]])
            env["product.template"].browse(cls.ids["template"]).unlink()
            env["res.partner"].browse(cls.ids["partner"]).unlink()
            env.company.gelato_approval_mode = cls.saved_mode
            env.company.gelato_shipping_policy = cls.saved_shipping

    def test_two_completions_at_once_render_once(self):
        barrier = threading.Barrier(2, timeout=30)
        results = []
        texts = {str(self.ids["box"]): "Hi Ada"}

        def complete():
            for attempt in range(3):
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        Personalization = env["gelato.personalization"]
                        personalization, status = Personalization._gelato_find_by_token(self.token)
                        if attempt == 0:
                            barrier.wait()  # both read it pending before either locks it
                        if status != "open":
                            results.append(status)
                            return
                        results.append(personalization._gelato_complete(texts))
                    return
                except psycopg2.errors.SerializationFailure:
                    results.append("retried")

        threads = [threading.Thread(target=complete) for _index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertIn({"done": True}, results)
        self.assertEqual(results.count({"done": True}), 1, results)
        self.assertIn("retried", results, "the second one waited for the first")
        self.assertIn("done", results, "and then saw it done")

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            personalization = env["gelato.personalization"].browse(self.ids["personalization"])
            self.assertEqual(personalization.state, "done")
            files = env["gelato.line.print.file"].search([("sale_line_id", "=", self.ids["line"])])
            self.assertEqual(len(files), 2, "one file per print area: one render")
            order = env["sale.order"].browse(self.ids["order"])
            notes = order.message_ids.filtered(lambda m: "personalised by the customer" in m.body)
            self.assertEqual(len(notes), 1, "one state change")
            self.assertEqual(order.gelato_state, "queued")
