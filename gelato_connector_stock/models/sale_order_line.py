from odoo import models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _action_launch_stock_rule(self, *args, **kwargs):
        """Override of `sale_stock`: Gelato makes and ships Gelato lines, so they never ask
        the merchant's warehouse for a picking."""
        gelato_lines = self.filtered(lambda line: line._gelato_is_gelato_line())
        return super(SaleOrderLine, self - gelato_lines)._action_launch_stock_rule(*args, **kwargs)
