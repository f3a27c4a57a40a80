"""Web shop test fixtures: Gelato products published, a portal customer, shop helpers."""

from odoo.addons.gelato_connector.tests.common import (
    TSHIRT_UID,
    GelatoSendMixin,
    create_gelato_product,
)


class GelatoShopMixin(GelatoSendMixin):
    """Gelato products published in the web shop, an ordinary product and carrier, a portal
    customer, and helpers to shop through the real routes (the shopper's session)."""

    @classmethod
    def _gelato_setup_shop(cls, env):
        from odoo.tests import new_test_user

        if not env["ir.module.module"].search_count(
            [("name", "=", "payment_demo"), ("state", "=", "installed")]
        ):
            raise RuntimeError(
                "The web shop tests pay with Odoo's demo payment provider: install payment_demo "
                "in the test database (tools/test.sh does)."
            )
        cls._gelato_setup_orders(env)
        cls.website = env.ref("website.default_website")
        # Odoo's demo pricelists give European shoppers euros, inactive in a demo database.
        env.ref("base.EUR").active = True
        # The whole T-shirt template: White (front and back) and Black (front) in S to XL.
        cls.shop_tshirt = create_gelato_product(
            env, "Classic Tee", "tshirt-classic-white-black", None, dpi=150
        ).product_tmpl_id
        cls.shop_tshirt.is_published = True
        cls.black_m = cls.shop_tshirt.product_variant_ids.filtered(
            lambda p: p.gelato_product_uid == TSHIRT_UID
        )
        (cls.poster | cls.mug | cls.tshirt).product_tmpl_id.is_published = True
        cls.ordinary_product = env["product.product"].create(
            {
                "name": "Ceramic Vase",
                "type": "consu",
                "list_price": 30.0,
                "is_published": True,
            }
        )
        cls.service_product = env["product.product"].create(
            {"name": "Gift Message", "type": "service", "list_price": 2.0, "is_published": True}
        )
        cls.courier = env["delivery.carrier"].create(
            {
                "name": "Local Courier",
                "delivery_type": "fixed",
                "fixed_price": 5.0,
                "is_published": True,
                "product_id": env["product.product"]
                .create({"name": "Local Courier fee", "type": "service"})
                .id,
            }
        )
        cls.portal_user = new_test_user(
            env,
            login="gelato_shopper",
            groups="base.group_portal",
            name="Grace Hopper",
            email="grace@example.com",
        )
        cls.portal_user.partner_id.write(
            {
                "street": "Sveavägen 44",
                "city": "Stockholm",
                "zip": "111 34",
                "country_id": cls.sweden.id,
                "phone": "+46 8 555 000",
            }
        )

    def shop_add(self, product, quantity=1):
        """Add to the session's cart as the product page does (stay on the page)."""
        return self.make_jsonrpc_request(
            "/shop/cart/update_json",
            {"product_id": product.id, "add_qty": quantity, "display": False, "force_create": True},
        )

    def shop_ship_to_us(self, parent):
        """A US delivery address of ``parent``, chosen for the cart as the shop's form does."""
        us_address = self.env["res.partner"].create(
            {
                "name": "Grace Hopper",
                "type": "delivery",
                "parent_id": parent.id,
                "street": "1 Main Street",
                "city": "Arlington",
                "zip": "22201",
                "state_id": self.env.ref("base.state_us_45").id,
                "country_id": self.env.ref("base.us").id,
                "email": "grace@example.com",
            }
        )
        self.make_jsonrpc_request(
            "/shop/update_address", {"partner_id": us_address.id, "address_type": "delivery"}
        )
        return us_address

    def shop_cart(self):
        """The cart of the test's browser session (HttpCase's ``self.session``)."""
        import odoo.http

        session = odoo.http.root.session_store.get(self.session.sid)
        self.env.invalidate_all()  # the requests changed it through their own environment
        return self.env["sale.order"].browse(session.get("sale_order_id")).exists()

    def shop_submit_address(self, values, **params):
        """Post the checkout address form; the JSON answer (successUrl or errors)."""
        import json as _json

        from odoo import http

        data = {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+46 8 123 456",
            "street": "Drottninggatan 12",
            "street2": "",
            "city": "Stockholm",
            "zip": "111 51",
            "country_id": str(self.sweden.id),
            "state_id": "",
            "address_type": "billing",
            "use_delivery_as_billing": "false",
            "required_fields": "name,country_id",
            "csrf_token": http.Request.csrf_token(self),
            **params,
            **values,
        }
        response = self.url_open("/shop/address/submit", data=data)
        response.raise_for_status()
        return _json.loads(response.text)

    def jsonrpc_error(self, route, params=None):
        """Call a JSON route that must fail; return the error's ``data`` (name, message)."""
        import json as _json

        response = self.url_open(
            route,
            _json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}}),
            headers={"Content-Type": "application/json"},
        )
        body = response.json()
        if "error" not in body:
            raise AssertionError("%s did not fail: %s" % (route, body))
        return body["error"]["data"]
