"""Gelato orders with Inventory installed (gelato_connector_stock, the Inventory bridge)."""

from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin


@tagged("post_install", "-at_install")
class TestGelatoInventory(GelatoSendMixin, GelatoHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "stock.picking" not in cls.env or not cls.env["ir.module.module"].search(
            [("name", "=", "sale_stock"), ("state", "=", "installed")]
        ):
            raise RuntimeError(
                "These tests need Inventory (sale_stock) and gelato_connector_stock installed: "
                "`make test` installs them for the suite of every module."
            )
        cls._gelato_setup_orders(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        cls.storable = cls.env["product.product"].create(
            {"name": "Warehouse mug", "type": "consu", "is_storable": True, "list_price": 10.0}
        )

    def test_gelato_override_wraps_sale_stock(self):
        """The bridge loads after sale_stock, so its override runs first and filters."""
        mro = type(self.env["sale.order.line"]).__mro__
        owners = [klass.__module__ for klass in mro if "_action_launch_stock_rule" in vars(klass)]
        gelato = owners.index("odoo.addons.gelato_connector_stock.models.sale_order_line")
        sale_stock = owners.index("odoo.addons.sale_stock.models.sale_order_line")
        self.assertLess(gelato, sale_stock)

    def test_gelato_lines_ask_the_warehouse_for_nothing(self):
        order = self._gelato_quotation(self.poster | self.mug, carrier=self.standard, quantity=2)
        order.action_confirm()
        self.assertEqual(order.gelato_state, "queued")
        self.assertFalse(order.picking_ids)
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        self.assertEqual(lines.mapped("qty_delivered_method"), ["gelato", "gelato"])
        self.assertFalse(lines.move_ids)
        # Changing a quantity later does not create a picking either.
        lines[0].product_uom_qty = 3
        self.assertFalse(order.picking_ids)

    def test_ordinary_orders_still_get_their_picking(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [(0, 0, {"product_id": self.storable.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        self.assertEqual(len(order.picking_ids), 1)
        self.assertEqual(order.order_line.qty_delivered_method, "stock_move")
        self.assertFalse(order.gelato_state)

    def test_delivered_quantities_and_invoicing_with_inventory(self):
        order = self._gelato_quotation(self.poster, carrier=self.standard, quantity=2)
        order.action_confirm()
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        self.assertOneGelatoOrder(order)
        line = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        self.assertEqual(line.qty_delivered, 0.0)
        gelato_id = order.gelato_order_ids.gelato_id
        self.sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        order.action_gelato_refresh()
        self.assertEqual(line.qty_delivered, 2.0)
        self.assertEqual(line.qty_to_invoice, 2.0)
        self.assertFalse(order.picking_ids)
        invoice = order._create_invoices()
        self.assertEqual(
            invoice.invoice_line_ids.filtered(
                lambda inv_line: inv_line.product_id == self.poster
            ).quantity,
            2.0,
        )
