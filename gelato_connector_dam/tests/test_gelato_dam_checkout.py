import re
from urllib.parse import unquote, urlsplit

from odoo.tests import new_test_user, tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase

from .test_gelato_dam_configure import DamConfigureMixin


@tagged("post_install", "-at_install")
class TestDamCheckoutLink(DamConfigureMixin, GelatoHttpCase):
    """The backlink (the seed's 3b): only a signed-in user of the source's company checks out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Print Shop"})
        cls.salesman = new_test_user(
            cls.env,
            login="dam_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.stranger = new_test_user(
            cls.env,
            login="dam_stranger",
            groups="sales_team.group_sale_salesman",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )
        cls.portal = new_test_user(
            cls.env, login="dam_portal", groups="base.group_portal", company_id=cls.company.id
        )

    def setUp(self):
        super().setUp()
        self.dam_file = self.imported()
        self.configure(self.dam_file).action_confirm()
        parts = urlsplit(self.dam_file.checkout_url)
        self.path = parts.path

    def open(self, path=None):
        return self.url_open(path or self.path, allow_redirects=False)

    def order(self):
        """Open the link, then press the page's button (its form, with its CSRF token)."""
        page = self.open()
        self.assertEqual(page.status_code, 200, page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        self.assertEqual(action, self.path)
        return self.url_open(action, data={"csrf_token": token}, allow_redirects=False)

    def orders_of(self, user):
        return self.env["sale.order"].search(
            ["|", ("user_id", "=", user.id), ("partner_id", "=", user.partner_id.id)]
        )

    def test_opening_the_link_orders_nothing(self):
        """A link loaded by an image, a preview or a prefetch creates no quotation: the page
        shows the product and a button."""
        for login, user in (("dam_salesman", self.salesman), ("dam_portal", self.portal)):
            with self.subTest(login=login):
                self.authenticate(login, login)
                response = self.open()
                self.assertEqual(response.status_code, 200)
                self.assertIn(self.dam_file.product_id.display_name, response.text)
                self.assertIn("Order this product", response.text)
                self.assertFalse(self.orders_of(user), "nothing is created by opening it")

    def test_a_post_without_the_session_token_orders_nothing(self):
        """Another site's form posting to the link (the visitor signed in here) is refused."""
        self.authenticate("dam_salesman", "dam_salesman")
        response = self.url_open(self.path, data={"csrf_token": "forged"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.orders_of(self.salesman))

    def test_anonymous_visitor_signs_in_first_and_comes_back(self):
        response = self.open()
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/web/login")
        self.assertEqual(unquote(location.query), "redirect=%s" % self.path)

    def test_user_of_another_company_gets_403(self):
        self.authenticate("dam_stranger", "dam_stranger")
        response = self.open()
        self.assertEqual(response.status_code, 403)
        self.assertIn("another company", response.text)
        self.assertFalse(
            self.env["sale.order"].search([("user_id", "=", self.stranger.id)]),
            "nothing is created",
        )

    def test_internal_user_gets_a_new_quotation(self):
        self.authenticate("dam_salesman", "dam_salesman")
        response = self.order()
        self.assertEqual(response.status_code, 303)
        order = self.env["sale.order"].search(
            [("order_line.product_id", "=", self.dam_file.product_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.company_id, self.company)
        self.assertTrue(response.headers["Location"].endswith("/%d" % order.id))

    def test_portal_user_gets_the_product_in_their_cart(self):
        self.authenticate("dam_portal", "dam_portal")
        response = self.order()
        self.assertEqual(response.status_code, 303, response.text)
        order = self.env["sale.order"].search(
            [("partner_id", "=", self.portal.partner_id.id)], limit=1
        )
        self.assertEqual(order.order_line.product_id, self.dam_file.product_id)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/shop/cart")

    def test_an_edited_link_opens_nothing(self):
        self.authenticate("dam_salesman", "dam_salesman")
        other = self.imported(external_id="P2")
        self.configure(other, name="Other poster").action_confirm()
        signature = self.path.rsplit("/", 1)[1]
        tampered = "/gelato/dam/checkout/%d/%s" % (other.id, signature)
        self.assertEqual(self.open(tampered).status_code, 404)
        edited = self.path[:-1] + ("1" if self.path.endswith("0") else "0")
        self.assertEqual(self.open(edited).status_code, 404)
