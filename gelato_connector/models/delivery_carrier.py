import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..exceptions import GelatoApiError
from ..lib import const, orders

_logger = logging.getLogger(__name__)


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    delivery_type = fields.Selection(
        selection_add=[("gelato", "Gelato")],
        ondelete={"gelato": lambda carriers: carriers.write({"delivery_type": "fixed"})},
    )
    gelato_service_level = fields.Selection(
        selection=[("standard", "Standard"), ("express", "Express")],
        default="standard",
        help="Standard: Gelato's cheapest normal or standard shipping. Express: its cheapest "
        "express shipping. The rate is quoted live by Gelato for the order's products and "
        "delivery address.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("delivery_type", "gelato_service_level")
    def _check_gelato_service_level(self):
        for carrier in self:
            if carrier.delivery_type == "gelato" and not carrier.gelato_service_level:
                raise ValidationError(
                    self.env._(
                        "The Gelato shipping method %(name)s needs a service level.",
                        name=carrier.name,
                    )
                )

    # === BUSINESS METHODS === #

    def _is_available_for_order(self, order):
        """Override of `delivery`: Gelato methods for Gelato orders only, and the other way round.

        The web shop checks each method with this.
        """
        if self._gelato_matches_order(order) is False:
            return False
        return super()._is_available_for_order(order)

    def available_carriers(self, partner, order):
        """Override of `delivery`: the same rule for the back-office shipping wizard."""
        carriers = super().available_carriers(partner, order)
        if order and order._name == "sale.order":
            carriers = carriers.filtered(lambda carrier: carrier._gelato_matches_order(order))
        return carriers

    def _gelato_matches_order(self, order):
        """Whether this method may ship ``order``: Gelato methods ship Gelato orders only."""
        self.ensure_one()
        return (self.delivery_type == "gelato") == order._gelato_is_gelato_order()

    def gelato_rate_shipment(self, order):
        """Quote the order's shipping through Gelato (``POST /v4/orders:quote``).

        Called by `delivery`'s ``rate_shipment``. The recipient is the order's delivery
        address; the price is, in the order's currency, the sum over Gelato's quotes (one per
        fulfilment facility) of the cheapest method of this carrier's service level.

        :param sale.order order: the order to ship.
        :return: ``{'success', 'price', 'error_message', 'warning_message',
            'gelato_delivery_estimate'}`` (the last: the delivery time as shoppers read it at
            checkout, or False); never raises.
        """
        self.ensure_one()
        try:
            price, min_days, max_days = self._gelato_quote_rate(order)
        except UserError as error:
            return {
                "success": False,
                "price": 0.0,
                "error_message": error.args[0],
                "warning_message": False,
                "gelato_delivery_estimate": False,
            }
        warning = estimate = False
        if max_days:
            warning = self.env._(
                "Gelato estimates delivery in %(min)s to %(max)s days.",
                min=min_days or max_days,
                max=max_days,
            )
            estimate = (
                self.env._("Delivered in %(min)s-%(max)s days", min=min_days, max=max_days)
                if min_days and min_days != max_days
                else self.env._("Delivered in %(max)s days", max=max_days)
            )
        return {
            "success": True,
            "price": price,
            "error_message": False,
            "warning_message": warning,
            "gelato_delivery_estimate": estimate,
        }

    def _gelato_quote_rate(self, order):
        """The rate of this carrier for ``order``, quoted by Gelato.

        :return: ``(price, min_days, max_days)``: the price in the order's currency and
            Gelato's delivery time in days (None when Gelato gave none).
        :raise UserError: with a readable reason (address to fix, level not available, Gelato
            down or refusing).
        """
        lines = order.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        if not lines:
            raise UserError(
                self.env._(
                    "%(method)s ships Gelato products only and this order has none.",
                    method=self.name,
                )
            )
        address_error = order.partner_shipping_id._gelato_get_address_error()
        if address_error:
            raise UserError(address_error)
        payload = order._gelato_prepare_quote_payload(lines)
        try:
            quotes = self._gelato_get_quotes(order, payload)
            price, min_days, max_days, currencies, missing = orders.rate_from_quotes(
                quotes,
                const.SERVICE_LEVEL_METHOD_TYPES[self.gelato_service_level],
            )
        except GelatoApiError as error:
            raise UserError(self._gelato_readable_quote_error(error)) from error
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            _logger.warning("Gelato answered a quote with an unexpected body", exc_info=True)
            raise UserError(
                self.env._("Gelato answered the quote with something unexpected. Try again later.")
            ) from error
        if price is None:
            raise UserError(self._gelato_unavailable_message(order, lines, missing))
        currency_code = order.currency_id.name
        if currencies - {currency_code, None}:
            raise UserError(
                self.env._(
                    "Gelato quoted in %(currencies)s instead of %(currency)s.",
                    currencies=", ".join(sorted(c for c in currencies if c)),
                    currency=currency_code,
                )
            )
        return order.currency_id.round(price), min_days, max_days

    def _gelato_get_quotes(self, order, payload):
        """Gelato's quotes for ``payload``: a recent answer to the same request when there is
        one (any worker's, any cart's, any service level's), otherwise asked live.

        Shoppers (see :meth:`_gelato_quote_is_limited`) may cause only so many live calls per
        cart in a rolling window: the quote calls share the API key with order sending, and
        every rate request of the shop would otherwise reach Gelato. Only successful answers
        are kept; a failed call counts towards the limit but is never served again.

        :return: the ``quotes`` (reduced to what the rates read, see
            :func:`orders.quotes_for_cache`).
        :raise UserError: when the cart has made too many live calls.
        :raise GelatoApiError: when Gelato fails or refuses.
        :raise ValueError, TypeError, AttributeError, KeyError: when Gelato's answer is not
            shaped as documented.
        """
        company = order.company_id
        item_refs = [product["itemReferenceId"] for product in payload["products"]]
        # sudo: a technical table no user reads; shoppers (the public user) quote their cart.
        cache_sudo = self.env["gelato.quote.cache"].sudo()
        key = cache_sudo._gelato_key(company, payload)
        cached = cache_sudo._gelato_lookup(company, key)
        if cached is not None:
            return orders.quotes_from_cache(cached, item_refs)
        if self._gelato_quote_is_limited() and cache_sudo._gelato_limit_reached(order):
            # Debug only: a script looping on the shop must not flood the log either.
            _logger.debug("Gelato quote refused: %s made too many live quote calls", order.name)
            raise UserError(
                self.env._("Too many shipping quotes for this cart: try again in a minute.")
            )
        call_sudo = cache_sudo._gelato_record_call(company, key, order)
        # A failure stays with this rate: nothing of the send job (its back-off, the orders'
        # errors) is touched, although both use the company's API key.
        answer = company._gelato_make_request(
            "order",
            "orders:quote",
            payload,
            timeout=self.env["gelato.order"]._gelato_request_timeout(),
        )
        if not isinstance(answer.get("quotes"), list):
            # An empty or shapeless answer is not "no shipping there".
            raise ValueError("the answer has no list of quotes")
        reduced = orders.quotes_for_cache(answer["quotes"], item_refs)
        call_sudo._gelato_store(reduced)
        return orders.quotes_from_cache(reduced, item_refs)

    def _gelato_quote_is_limited(self):
        """Whether live quotes are limited per cart: for shoppers (public and portal users,
        the user of the web request when there is one), not for internal users (back office,
        scheduled actions), who are trusted and still share the cached answers."""
        user = request.env.user if request and getattr(request, "env", None) else self.env.user
        return not (user and user._is_internal())

    def _gelato_unavailable_message(self, order, lines, missing_quotes):
        references = {ref for quote in missing_quotes for ref in quote.get("itemReferenceIds", [])}
        products = lines.filtered(lambda line: str(line.id) in references).product_id
        return self.env._(
            "%(method)s is not available to %(country)s for %(products)s: Gelato offers no "
            "such shipping there. Choose another shipping method.",
            method=self.name,
            country=order.partner_shipping_id.country_id.name or "",
            products=", ".join(products.mapped("display_name")) or self.env._("these products"),
        )

    def _gelato_readable_quote_error(self, error):
        """Gelato's refusal of a quote, with its address field names turned into Odoo's."""
        message = error.gelato_message or error.args[0]
        if error.status_code == 400 and message.startswith("recipient."):
            key, _sep, rest = message[len("recipient.") :].partition(":")
            fname = const.ADDRESS_ODOO_FIELDS.get(key.strip())
            if fname:
                label = self.env["res.partner"]._fields[fname].get_description(self.env)["string"]
                return self.env._(
                    "Gelato refused the delivery address: %(field)s:%(problem)s",
                    field=label,
                    problem=rest,
                )
        return error.args[0]
