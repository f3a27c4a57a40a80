from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin


@tagged("post_install", "-at_install")
class TestGelatoAccess(GelatoSendMixin, GelatoHttpCase):
    """Who may see and change Gelato orders, their tracking and their approval.

    Gelato orders and tracking hold what Gelato answered: users read them, the module writes
    them. Every button a salesperson sees works for a salesperson.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        cls.salesman = new_test_user(
            cls.env,
            login="gelato_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.colleague = new_test_user(
            cls.env,
            login="gelato_colleague",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _sent_order(self, user):
        """An order of ``user``'s, confirmed by them and sent to the sandbox by the job."""
        env = self.env(user=user)
        order = self._gelato_quotation(carrier=self.standard.with_env(env), env=env)
        self.assertEqual(order.user_id, user)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        return order

    def test_gelato_orders_and_tracking_are_read_only_to_salespeople(self):
        colleague_order = self._sent_order(self.colleague)
        own_order = self._sent_order(self.salesman)
        env = self.env(user=self.salesman)
        line = own_order.order_line.filtered("gelato_order_id")[:1].with_env(env)
        with self.assertRaises(AccessError):
            env["gelato.tracking"].create(
                {
                    "sale_line_id": line.id,
                    "tracking_code": "EVIL1",
                    "tracking_url": "https://evil.example/t",
                }
            )
        with self.assertRaises(AccessError):
            own_order.with_env(env).gelato_order_ids.write({"gelato_id": "someone-else"})
        with self.assertRaises(AccessError):
            env["gelato.order"].create({"sale_order_id": own_order.id, "gelato_id": "x"})
        # The personal-documents rule: a colleague's Gelato order is not even visible.
        visible = env["gelato.order"].search([("sale_order_id", "in", colleague_order.ids)])
        self.assertFalse(visible)
        self.assertEqual(
            env["gelato.order"].search([("sale_order_id", "=", own_order.id)]),
            own_order.gelato_order_ids,
        )
        manager = new_test_user(
            self.env, login="gelato_all_docs", groups="sales_team.group_sale_salesman_all_leads"
        )
        self.assertEqual(
            self.env(user=manager)["gelato.order"].search(
                [("sale_order_id", "=", colleague_order.id)]
            ),
            colleague_order.gelato_order_ids,
            "all documents: the colleague's Gelato order is visible",
        )

    def test_every_gelato_button_works_for_a_salesperson(self):
        env = self.env(user=self.salesman)
        order = self._sent_order(self.salesman).with_env(env)
        # Refresh from Gelato: writes the Gelato order and its tracking.
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        action = order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "shipped")
        # Feedback: what Gelato says now, then the form reloads.
        self.assertEqual(action["params"]["message"], "%s: Shipped" % order.name)
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        self.assertTrue(order.order_line.gelato_tracking_ids)

        # Retry an order Gelato failed: deletes the failed Gelato order.
        failed = self._sent_order(self.salesman).with_env(env)
        failed.gelato_order_ids.sudo()._gelato_apply_status("failed", comment="Blurry.")
        self.assertEqual(failed.gelato_state, "error")
        failed.action_gelato_retry()
        self.assertEqual(failed.gelato_state, "queued")
        self.assertFalse(failed.gelato_order_ids)

        # Cancel (cancelled at Gelato), then reset to quotation (forgets the Gelato order).
        to_cancel = self._sent_order(self.salesman).with_env(env)
        to_cancel.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(to_cancel.gelato_state, "cancelled")
        (remote,) = self._sandbox_orders(to_cancel.name)
        self.assertEqual(remote["fulfillmentStatus"], "canceled")
        to_cancel.action_draft()
        self.assertEqual(to_cancel.state, "draft")
        self.assertFalse(to_cancel.gelato_order_ids)
        self.assertFalse(to_cancel.gelato_state)

        # Approve: allowed to the approvers' group; empty group, any salesperson.
        self.company.gelato_approval_mode = "manual"
        pending = self._gelato_quotation(carrier=self.standard.with_env(env), env=env)
        pending.action_confirm()
        self.assertEqual(pending.gelato_state, "pending_approval")
        self.assertEqual(
            self.company.gelato_approver_group_id, self.env.ref("sales_team.group_sale_manager")
        )
        with self.assertRaises(AccessError) as capture:
            pending.action_gelato_approve()
        self.assertIn("may approve", capture.exception.args[0])
        self.assertEqual(pending.gelato_state, "pending_approval")
        self.company.gelato_approver_group_id = False
        pending.action_gelato_approve()
        self.assertEqual(pending.gelato_state, "queued")
        self.assertIn(
            "Approved for Gelato by %s." % self.salesman.name,
            "\n".join(pending.message_ids.mapped("body")),
        )

    def test_only_web_links_are_kept_as_tracking(self):
        order = self._sent_order(self.salesman)
        line = order.order_line.filtered("gelato_order_id")[:1]
        created = line._gelato_add_tracking("TRK1", "javascript:alert(document.cookie)", "DHL")
        self.assertEqual(created.tracking_code, "TRK1", "the code is kept")
        self.assertFalse(created.tracking_url, "the link is not")
        created = line._gelato_add_tracking("TRK2", "https://track.example/TRK2", "DHL")
        self.assertEqual(created.tracking_url, "https://track.example/TRK2")
        with self.assertRaises(ValidationError):
            created.sudo().tracking_url = "data:text/html,<script>alert(1)</script>"
        # On the order line: the web link is a link, the code without one plain (escaped) text.
        line._gelato_add_tracking("<b>TRK4</b>")
        line.invalidate_recordset(["gelato_tracking_summary"])
        summary = str(line.gelato_tracking_summary)
        self.assertIn('TRK1, <a href="https://track.example/TRK2" target="_blank"', summary)
        self.assertIn("&lt;b&gt;TRK4&lt;/b&gt;", summary)
        self.assertNotIn("javascript:", summary)

    def test_a_child_company_does_not_see_its_parents_gelato_orders(self):
        order = self._sent_order(self.salesman)
        order.order_line.filtered("gelato_order_id")._gelato_add_tracking("TRK3")
        child = self.env["res.company"].create(
            {"name": "Gelato Child", "parent_id": self.company.id}
        )
        user = new_test_user(
            self.env,
            login="gelato_child_user",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=child.id,
            company_ids=[Command.set(child.ids)],
        )
        env = self.env(user=user)
        self.assertFalse(env["gelato.order"].search([("sale_order_id", "=", order.id)]))
        self.assertFalse(env["gelato.tracking"].search([("order_id", "=", order.id)]))
        user.company_ids |= self.company
        env = self.env(user=user, context={"allowed_company_ids": [child.id, self.company.id]})
        self.assertTrue(env["gelato.order"].search([("sale_order_id", "=", order.id)]))
        self.assertTrue(env["gelato.tracking"].search([("order_id", "=", order.id)]))

    def test_synchronising_a_product_needs_the_right_to_edit_it(self):
        template = self.poster.product_tmpl_id
        calls = self.sandbox.admin("counters")["calls"]
        with self.assertRaises(AccessError):
            template.with_user(self.salesman).action_gelato_sync_template()
        self.assertEqual(self.sandbox.admin("counters")["calls"], calls, "Gelato is not called")
