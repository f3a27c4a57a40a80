import logging

from odoo import models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


def _public_name(product):
    """The product as shoppers know it: its name and variant, without the internal reference."""
    return product.with_context(display_default_code=False).display_name


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # === BUSINESS METHODS: web shop === #

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        """Override of `website_sale`: a product that cannot join the cart is not added, and the
        shopper is told why (in the add-to-cart notification and on the cart page).

        Only new lines are checked: the quantity of a line already in the cart may change.
        """
        new_qty, warning = super()._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )
        if order_line or new_qty <= 0:
            return new_qty, warning
        refusal = self._gelato_get_cart_refusal(self.env["product.product"].browse(product_id))
        if refusal:
            self.shop_warning = refusal
            return 0, refusal
        return new_qty, warning

    def _gelato_get_cart_refusal(self, product):
        """Why ``product`` cannot be added to this cart, for the shopper (None: it can).

        Gelato variants that cannot be ordered yet are refused, and so is anything that would
        make the cart break the "Gelato goods only" rule (:meth:`_gelato_check_mixed_goods`,
        checked again when the line is created): such a cart could never be confirmed.

        :param product.product product: the product the shopper adds.
        :return: the message, or None.
        """
        self.ensure_one()
        if product._gelato_orderability_problems():
            return self.env._(
                "%(product)s cannot be ordered at the moment. Please try again later.",
                product=_public_name(product),
            )
        if self._gelato_allows_mixed_goods():
            return None
        # The rule's own tests on a line of the product that is not created (no order, no
        # price): is it Gelato goods, other goods, or neither (services)?
        probe = self.env["sale.order.line"].new({"product_id": product.id})
        if probe._gelato_is_gelato_line():
            if any(line._gelato_is_other_goods() for line in self.order_line):
                return self.env._(
                    "%(product)s is printed on demand and shipped on its own: it cannot share "
                    "an order with the other products in your cart. Check out your cart first "
                    "(or remove those products), then order %(product)s.",
                    product=_public_name(product),
                )
        elif probe._gelato_is_other_goods() and any(
            line._gelato_is_gelato_line() for line in self.order_line
        ):
            return self.env._(
                "%(product)s cannot be added to your cart: your cart holds printed-on-demand "
                "products, which are shipped on their own and ordered separately. Check out "
                "your cart first, then order %(product)s.",
                product=_public_name(product),
            )
        return None

    def _gelato_get_checkout_problems(self):
        """What keeps this web cart from being confirmed as a Gelato order, for the shopper.

        The same rules as :meth:`_gelato_check_before_confirm` (which stays the last word before
        payment, see :meth:`_check_cart_is_ready_to_be_paid`), worded for a customer.

        :return: a list of messages; empty when the cart can be paid and confirmed (always
            empty for a cart without Gelato products).
        """
        self.ensure_one()
        if not self._gelato_is_gelato_order():
            return []
        problems = []
        if self.company_id._gelato_get_company_info_issues():
            _logger.warning(
                "Web shop order %s cannot be paid: the company's Gelato information is "
                "incomplete (Settings > Sales > Gelato)",
                self.name,
            )
            problems.append(
                self.env._(
                    "Printed-on-demand products cannot be ordered online at the moment. Please "
                    "contact us."
                )
            )
        try:
            self._gelato_check_mixed_goods()
        except ValidationError:
            problems.append(
                self.env._(
                    "Your cart mixes printed-on-demand products with other products, which are "
                    "shipped separately: remove %(products)s from your cart and order them "
                    "separately.",
                    products=", ".join(
                        self.order_line.filtered(lambda line: line._gelato_is_other_goods())
                        .product_id.with_context(display_default_code=False)
                        .mapped("display_name")
                    ),
                )
            )
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        # One call for the whole cart; product by product only when some cannot be ordered.
        if lines.product_id._gelato_orderability_problems():
            for product in lines.product_id:
                if product._gelato_orderability_problems():
                    problems.append(
                        self.env._(
                            "%(product)s cannot be ordered at the moment: remove it from your "
                            "cart.",
                            product=_public_name(product),
                        )
                    )
        for line in lines:
            if line._gelato_quantity() is None:
                problems.append(
                    self.env._(
                        "Order a whole number of %(product)s.",
                        product=_public_name(line.product_id),
                    )
                )
        address_problems = self.partner_shipping_id._gelato_get_address_problems()
        if address_problems:
            problems.append(
                self.env._(
                    "Your delivery address needs a change: %(problems)s",
                    problems=" ".join(address_problems),
                )
            )
        if self.carrier_id and self.carrier_id.delivery_type != "gelato":
            problems.append(self.env._("Choose one of the delivery methods offered."))
        return problems

    def _check_cart_is_ready_to_be_paid(self):
        """Override of `website_sale`: never take a payment for a Gelato cart that could not
        be confirmed afterwards (confirmation runs after the payment, when nothing can be
        asked anymore). Called before every transaction, express checkout included."""
        res = super()._check_cart_is_ready_to_be_paid()
        problems = self._gelato_get_checkout_problems()
        if problems:
            raise ValidationError("\n".join(problems))
        if self._gelato_is_gelato_order():
            try:
                self._gelato_check_before_confirm()
            except UserError as error:
                raise ValidationError(error.args[0]) from error
        return res

    def _update_address(self, partner_id, fnames=None):
        """Override of `website_sale`: the Gelato rate follows the delivery address.

        `website_sale` quotes the shipping again only when the delivery address is replaced;
        when the shopper edits the contact that is the delivery address through its other role
        (the main or billing address), the address changed too: quote again.
        """
        if (
            fnames
            and "partner_shipping_id" not in fnames
            and self.partner_shipping_id.id == partner_id
            and self.carrier_id.delivery_type == "gelato"
        ):
            fnames = {*fnames, "partner_shipping_id"}
        return super()._update_address(partner_id, fnames=fnames)

    def _gelato_allows_express_checkout(self):
        """Whether express checkout (wallet buttons) may pay this cart.

        Express checkout skips the address form, where Gelato's address rules are checked: a
        Gelato cart is offered it only when the delivery address it would use is known (the
        shopper is signed in) and valid for Gelato. The address the wallet sends is checked
        again when it arrives.
        """
        self.ensure_one()
        if not self._gelato_is_gelato_order():
            return True
        return not self._is_anonymous_cart() and not (
            self.partner_shipping_id._gelato_get_address_problems()
        )
