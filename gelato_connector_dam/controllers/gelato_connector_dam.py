import logging
from urllib.parse import quote

from odoo import http
from odoo.http import request

from ..lib import const

_logger = logging.getLogger(__name__)


class GelatoDamController(http.Controller):
    @http.route(
        "%s/<int:asset_id>/<string:signature>" % const.CHECKOUT_ROUTE,
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        readonly=False,
    )
    def gelato_dam_checkout(self, asset_id, signature, **kwargs):
        """The checkout link written into the DAM (the seed's step 3b).

        A signed-in user of the file's company is shown the product with an *Order this
        product* button; the button (a POST, with the session's CSRF token) puts it in the
        portal user's cart (with the web shop) or a quotation, or in a new quotation for an
        internal user, and lands there. Opening the link orders nothing, so a link loaded by
        an image, a preview or a prefetch creates no quotation. Anonymous visitors sign in
        first and come back; users of other companies get 403. The signature covers the file
        and its product, so the link cannot be edited into another's.
        """
        # sudo: the signature is checked before anything of the file is used.
        asset_sudo = request.env["gelato.dam.asset"].sudo().browse(asset_id).exists()
        if (
            not asset_sudo
            or not asset_sudo.product_id
            or not asset_sudo._gelato_dam_check_checkout(signature)
        ):
            return self._gelato_dam_page(
                404, request.env._("This checkout link is not valid (any more).")
            )
        user = request.env.user
        if user._is_public():
            return request.redirect(
                "/web/login?redirect=%s" % quote(request.httprequest.full_path.rstrip("?")),
                local=True,
            )
        if asset_sudo.company_id not in user.company_ids:
            _logger.info("DAM checkout of file %s refused to user %s (company)", asset_id, user.id)
            return self._gelato_dam_page(
                403,
                request.env._(
                    "This product belongs to another company: sign in as one of its users."
                ),
            )
        problems = asset_sudo.product_id._gelato_orderability_problems()
        if asset_sudo.state != "ready" or problems:
            return self._gelato_dam_page(
                409, "\n".join(problems) or asset_sudo.not_orderable_reason
            )
        if request.httprequest.method != "POST":
            # The CSRF token of a POST is checked by Odoo before this method runs.
            return request.render(
                "gelato_connector_dam.dam_checkout_page",
                {
                    "asset": asset_sudo,
                    "product": asset_sudo.product_id,
                    "internal": user._is_internal(),
                    "action": request.httprequest.path,
                },
                headers={"Cache-Control": "no-store"},
            )
        return self._gelato_dam_checkout_for(user, asset_sudo)

    def _gelato_dam_checkout_for(self, user, asset_sudo):
        product = asset_sudo.product_id
        company = asset_sudo.company_id
        website = getattr(request, "website", None)
        if user._is_internal():
            order = (
                request.env["sale.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": user.partner_id.id,
                        "company_id": company.id,
                        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                    }
                )
            )
            return request.redirect(
                "/odoo/action-sale.action_quotations_with_onboarding/%d" % order.id
            )
        if website and hasattr(website, "sale_get_order"):
            # The product need not be published in the shop: the signed link is the
            # permission (the cart's own Gelato rules still apply at checkout).
            cart_sudo = website.sale_get_order(force_create=True).sudo()
            line = cart_sudo.order_line.filtered(lambda line: line.product_id == product)[:1]
            if line:
                line.product_uom_qty += 1
            else:
                cart_sudo.write(
                    {"order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]}
                )
            return request.redirect("/shop/cart")
        # A portal user without the web shop: a quotation of their own, on the portal.
        order = (
            request.env["sale.order"]
            .sudo()  # sudo: portal users create no sale order themselves
            .with_company(company)
            .create(
                {
                    "partner_id": user.partner_id.id,
                    "company_id": company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
            )
        )
        return request.redirect(order.get_portal_url())

    @staticmethod
    def _gelato_dam_page(status, message):
        return request.make_response(
            message,
            headers=[("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
            status=status,
        )
