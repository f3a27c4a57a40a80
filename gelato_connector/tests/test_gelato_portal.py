from odoo.tests import new_test_user, tagged
from odoo.tools.misc import format_date

from odoo.addons.gelato_connector.tests.common import (
    GelatoHttpCase,
    GelatoSendMixin,
    gelato_address,
)


@tagged("post_install", "-at_install")
class TestGelatoPortal(GelatoSendMixin, GelatoHttpCase):
    """The customer's portal shows where the Gelato order is: status, tracking, estimate.

    The portal is the core's (Sales' customer portal, no web shop needed): ``make test`` runs
    this with the core alone and again with the web shop installed.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        cls.portal_user = new_test_user(
            cls.env, login="gelato_portal_customer", groups="base.group_portal"
        )
        cls.portal_user.partner_id.write(gelato_address(country_id=cls.sweden.id))

    def _shipped_order(self):
        order = self._gelato_quotation(
            self.poster, partner=self.portal_user.partner_id, carrier=self.express
        )
        order.action_confirm()
        self.assertEqual(order.gelato_merchant_status, "Queued")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        # One status for the merchant: Odoo's step until sent, then Gelato's.
        self.assertEqual(order.gelato_merchant_status, "Created")
        return order

    def test_the_portal_shows_status_tracking_and_estimate(self):
        order = self._shipped_order()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="gelato_fulfillment"', page.text)
        self.assertIn("Created", page.text.split('id="gelato_portal_status"')[1][:300])

        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        order.action_gelato_refresh()
        tracking = order.order_line.gelato_tracking_ids
        self.assertTrue(tracking.tracking_url)
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertEqual(page.status_code, 200)
        status = page.text.split('id="gelato_portal_status"')[1][:300]
        self.assertIn("Shipped", status)
        self.assertEqual(order.gelato_merchant_status, "Shipped")
        self.assertIn('href="%s"' % tracking.tracking_url.replace("&", "&amp;"), page.text)
        self.assertIn(tracking.tracking_code, page.text)
        estimate = page.text.split('id="gelato_portal_estimate"')[1][:500]
        self.assertIn(format_date(self.env, order.gelato_min_delivery_date), estimate)
        self.assertIn(format_date(self.env, order.gelato_max_delivery_date), estimate)
        # The shipped mail gives the same window as the portal and the order.
        template = self.env.ref("gelato_connector.mail_template_gelato_order_shipped")
        body = template._render_field("body_html", order.ids)[order.id]
        window = "Estimated delivery: %s - %s." % (
            format_date(self.env, order.gelato_min_delivery_date),
            format_date(self.env, order.gelato_max_delivery_date),
        )
        self.assertIn(window, " ".join(str(body).split()))
        # Once delivered, no estimate is shown any more.
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "delivered"})
        order.action_gelato_refresh()
        self.assertEqual(order.gelato_fulfillment_status, "delivered")
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertIn("Delivered", page.text.split('id="gelato_portal_status"')[1][:300])
        self.assertNotIn('id="gelato_portal_estimate"', page.text)
        self.assertNotIn("expected by", page.text)
        # The list of orders opens too.
        self.assertEqual(self.url_open("/my/orders").status_code, 200)

    def test_the_customer_link_works_without_signing_in(self):
        order = self._shipped_order()
        self.authenticate(None, None)
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="gelato_fulfillment"', page.text)

    def test_another_customer_sees_nothing(self):
        order = self._shipped_order()
        new_test_user(self.env, login="other_shopper", groups="base.group_portal")
        self.authenticate("other_shopper", "other_shopper")
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertNotIn('id="gelato_fulfillment"', page.text)
