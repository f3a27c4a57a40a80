import json

from odoo.exceptions import ValidationError
from odoo.http import request, route
from odoo.tools import str2bool

from odoo.addons.gelato_connector.lib import const
from odoo.addons.website_sale.controllers.delivery import Delivery

# The web shop's address form names a few contact fields differently.
ADDRESS_FORM_FIELDS = {"commercial_company_name": "company_name"}


class GelatoWebsiteSale(Delivery):
    """The web shop's checkout of a Gelato cart: Gelato's address rules on the address form,
    delivery methods and rates that follow the address, payment only for a cart that can be
    confirmed, express checkout only with an address Gelato accepts.

    Carts are handled in sudo mode, as `website_sale` hands them over (``order_sudo``): the
    shopper may be the public user.
    """

    # === CART === #

    @route()
    def cart_update_json(self, *args, display=True, **kwargs):
        """Override of `website_sale`: a refusal shown in the add-to-cart notification is not
        shown again on the next visit of the cart page."""
        values = super().cart_update_json(*args, display=display, **kwargs)
        warning = (values.get("notification_info") or {}).get("warning")
        if warning and not display:
            order_sudo = request.website.sale_get_order()
            if order_sudo.shop_warning == warning:
                order_sudo.shop_warning = False
        return values

    # === ADDRESSES === #

    def _gelato_get_cart(self):
        """The current cart, read without `website.sale_get_order`'s side effects (some hooks
        run in read-only routes, e.g. the country information of the address form)."""
        order_id = request.session.get("sale_order_id")
        # sudo: the shopper's own cart, read as `website_sale` reads it (public user included).
        return request.env["sale.order"].sudo().browse(order_id).exists()

    def _gelato_is_delivery_address(
        self, order_sudo, partner_sudo, address_type, use_delivery_as_billing
    ):
        """Whether the address in the form is (or becomes) the Gelato cart's delivery address."""
        if not order_sudo or not order_sudo._gelato_is_gelato_order():
            return False
        return bool(
            address_type == "delivery"
            or use_delivery_as_billing
            # A first address of an anonymous cart becomes the delivery address too.
            or order_sudo._is_anonymous_cart()
            or (partner_sudo and partner_sudo == order_sudo.partner_shipping_id)
        )

    def _gelato_get_address_form_problems(
        self, order_sudo, partner_sudo, address_type, use_delivery_as_billing, address_values
    ):
        """Gelato's rules on the address of the form, when it ships a Gelato cart.

        :param dict address_values: the form's values (see ``_parse_form_data``); empty to check
            the partner as it is.
        :return: ``{form field name: [messages]}`` (empty when the address is fine or the rules
            do not apply).
        """
        if not self._gelato_is_delivery_address(
            order_sudo, partner_sudo, address_type, use_delivery_as_billing
        ):
            return {}
        if address_values:
            values = dict(address_values)
            if not partner_sudo and not order_sudo._is_anonymous_cart():
                # As `_complete_address_values` will link it (the company name comes from there).
                commercial_partner = order_sudo.partner_id.commercial_partner_id
                if commercial_partner.active:
                    values.setdefault("parent_id", commercial_partner.id)
            # sudo: the address is checked before it is saved, for shoppers who may not read
            # contacts (public user); the record is only in memory, nothing is written.
            candidate_sudo = (
                request.env["res.partner"].sudo().new(values, origin=partner_sudo or None)
            )
        else:
            candidate_sudo = partner_sudo
        problems = {}
        for fname, message in candidate_sudo._gelato_get_address_problems_by_field():
            problems.setdefault(ADDRESS_FORM_FIELDS.get(fname, fname), []).append(message)
        return problems

    def _get_mandatory_delivery_address_fields(self, country_sudo):
        """Override of `website_sale`: what Gelato requires of a Gelato cart's delivery address
        is required on the form too (marked as such while the shopper fills it in)."""
        field_names = super()._get_mandatory_delivery_address_fields(country_sudo)
        order_sudo = self._gelato_get_cart()
        if order_sudo and order_sudo._gelato_is_gelato_order():
            field_names |= {"email", "zip"}
            if country_sudo.code in const.STATE_REQUIRED_COUNTRIES:
                field_names.add("state_id")
        return field_names

    def _check_delivery_address(self, partner_sudo):
        """Override of `website_sale`: a Gelato cart's delivery address must also meet Gelato's
        rules (length limits, first and last name...); otherwise the checkout sends the shopper
        to the address form, which says what to change."""
        if not super()._check_delivery_address(partner_sudo):
            return False
        order_sudo = self._gelato_get_cart()
        if order_sudo and order_sudo._gelato_is_gelato_order():
            return not partner_sudo._gelato_get_address_problems()
        return True

    def _prepare_address_form_values(
        self, order_sudo, partner_sudo, address_type, use_delivery_as_billing, *args, **kwargs
    ):
        """Override of `website_sale`: an address that Gelato cannot ship to opens with the
        message of each field to change (the checkout sends shoppers here to fix it)."""
        values = super()._prepare_address_form_values(
            order_sudo, partner_sudo, address_type, use_delivery_as_billing, *args, **kwargs
        )
        if partner_sudo:
            problems = self._gelato_get_address_form_problems(
                order_sudo, partner_sudo, address_type, use_delivery_as_billing, {}
            )
            if problems:
                values["gelato_field_messages_json"] = json.dumps(problems)
        return values

    def _validate_address_values(
        self,
        address_values,
        partner_sudo,
        address_type,
        use_delivery_as_billing,
        required_fields,
        is_main_address,
        **kwargs,
    ):
        """Override of `website_sale`: the delivery address of a Gelato cart must meet Gelato's
        rules; each problem highlights its field and says what to change."""
        invalid_fields, missing_fields, error_messages = super()._validate_address_values(
            address_values,
            partner_sudo,
            address_type,
            use_delivery_as_billing,
            required_fields,
            is_main_address,
            **kwargs,
        )
        problems = self._gelato_get_address_form_problems(
            request.website.sale_get_order(),
            partner_sudo,
            address_type,
            use_delivery_as_billing,
            address_values,
        )
        for field_name, messages in problems.items():
            if field_name in address_values:  # only fields the form has can be highlighted
                invalid_fields.add(field_name)
            error_messages.extend(messages)
        return invalid_fields, missing_fields, error_messages

    @route()
    def shop_address_submit(
        self,
        partner_id=None,
        address_type="billing",
        use_delivery_as_billing=None,
        callback=None,
        required_fields=None,
        **form_data,
    ):
        """Override of `website_sale`: a refused address also gets Gelato's message of each
        field (``gelato_field_messages``), shown under the field by the address form."""
        response = super().shop_address_submit(
            partner_id=partner_id,
            address_type=address_type,
            use_delivery_as_billing=use_delivery_as_billing,
            callback=callback,
            required_fields=required_fields,
            **form_data,
        )
        if response.status_code != 200:
            return response  # a redirection
        result = json.loads(response.get_data(as_text=True))
        if "invalid_fields" not in result:
            return response
        order_sudo = request.website.sale_get_order()
        partner_sudo, address_type = self._prepare_address_update(
            order_sudo, partner_id=partner_id and int(partner_id), address_type=address_type
        )
        address_values, _extra_form_data = self._parse_form_data(form_data)
        problems = self._gelato_get_address_form_problems(
            order_sudo,
            partner_sudo,
            address_type,
            str2bool(use_delivery_as_billing or "false"),
            address_values,
        )
        if not problems:
            return response
        result["gelato_field_messages"] = {
            field_name: messages
            for field_name, messages in problems.items()
            if field_name in address_values
        }
        response.set_data(json.dumps(result))
        return response

    # === DELIVERY METHODS === #

    def _order_summary_values(self, order, **kwargs):
        """Override of `website_sale`: with a Gelato delivery method chosen, the summary says
        how long Gelato takes to deliver (shown under the method, as the other methods' rates
        do, see static/src/js/website_sale_delivery_estimate.js). The rate was just quoted for
        this cart: Gelato's answer is taken again from the quote cache, not asked again."""
        values = super()._order_summary_values(order, **kwargs)
        carrier = order.carrier_id
        if carrier.delivery_type == "gelato":
            rate = carrier.rate_shipment(order)
            values["gelato_delivery_estimate"] = rate.get("gelato_delivery_estimate") or False
        return values

    # === PAYMENT === #

    def _get_shop_payment_errors(self, order):
        """Override of `website_sale`: the payment step is closed to a Gelato cart that could
        not be confirmed, and says why."""
        errors = super()._get_shop_payment_errors(order)
        if order.state != "draft":
            return errors  # also called once paid (landing page): too late to say anything
        for problem in order._gelato_get_checkout_problems():
            errors.append((request.env._("Your order cannot be placed yet."), problem))
        return errors

    # === EXPRESS CHECKOUT === #

    def _get_express_shop_payment_values(self, order, **kwargs):
        """Override of `website_sale`: no wallet buttons for a Gelato cart whose delivery
        address is unknown or invalid for Gelato (see
        ``sale.order._gelato_allows_express_checkout``)."""
        values = super()._get_express_shop_payment_values(order, **kwargs)
        if not order._gelato_allows_express_checkout():
            values["providers_sudo"] = values["providers_sudo"].browse()
            values["payment_methods_sudo"] = values["payment_methods_sudo"].browse()
            values["tokens_sudo"] = values["tokens_sudo"].browse()
        return values

    @route()
    def express_checkout_process_delivery_address(self, partial_delivery_address):
        """Override of `website_sale`: no delivery method for a Gelato cart that may not use
        express checkout (the wallet then tells the shopper it cannot ship)."""
        order_sudo = request.website.sale_get_order()
        if order_sudo and not order_sudo._gelato_allows_express_checkout():
            return []
        return super().express_checkout_process_delivery_address(partial_delivery_address)

    @route()
    def process_express_checkout(
        self, billing_address, shipping_address=None, shipping_option=None, **kwargs
    ):
        """Override of `website_sale`: the addresses a wallet sends for a Gelato cart are checked
        like the address form's, and a different delivery address must not change the shipping
        price the shopper accepted. A refusal stops the express payment before it is made."""
        order_sudo = request.website.sale_get_order()
        if not order_sudo or not order_sudo._gelato_is_gelato_order():
            return super().process_express_checkout(
                billing_address,
                shipping_address=shipping_address,
                shipping_option=shipping_option,
                **kwargs,
            )
        if not order_sudo._gelato_allows_express_checkout():
            raise ValidationError(
                request.env._(
                    "Express checkout is not available for this cart: check out with your "
                    "delivery address instead."
                )
            )
        delivery_address_before = order_sudo.partner_shipping_id
        delivery_price_before = sum(
            order_sudo.order_line.filtered("is_delivery").mapped("price_unit")
        )
        partner_id = super().process_express_checkout(
            billing_address,
            shipping_address=shipping_address,
            shipping_option=shipping_option,
            **kwargs,
        )
        problems = order_sudo._gelato_get_checkout_problems()
        if problems:
            raise ValidationError("\n".join(problems))
        if order_sudo.partner_shipping_id != delivery_address_before and order_sudo.carrier_id:
            rate = order_sudo.carrier_id.rate_shipment(order_sudo)
            if not rate["success"] or order_sudo.currency_id.compare_amounts(
                rate["price"], delivery_price_before
            ):
                raise ValidationError(
                    request.env._(
                        "The delivery to this address costs differently: check out with your "
                        "delivery address instead."
                    )
                )
        return partner_id
