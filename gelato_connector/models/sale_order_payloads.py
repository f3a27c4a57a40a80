"""What is sent to Gelato for a sale order: references, the quote and the order payloads."""

from odoo import models

from ..lib import const


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # === BUSINESS METHODS: payloads === #

    def _gelato_reference(self):
        """Gelato's ``orderReferenceId``: the sale order's number, as the merchant knows it."""
        self.ensure_one()
        return self.name

    def _gelato_customer_reference(self):
        self.ensure_one()
        return "odoo-partner-%s" % self.partner_id.commercial_partner_id.id

    def _gelato_prepare_quote_payload(self, lines):
        """The body of ``POST /v4/orders:quote`` for ``lines`` (Gelato lines of this order)."""
        self.ensure_one()
        return {
            "orderReferenceId": self.name or "quote",
            "customerReferenceId": self._gelato_customer_reference(),
            "currency": self.currency_id.name,
            "allowMultipleQuotes": True,
            "recipient": self.partner_shipping_id._gelato_prepare_address_payload(),
            "products": [
                {
                    "itemReferenceId": str(line.id),
                    "productUid": line.product_id.gelato_product_uid,
                    "quantity": max(1, round(line._gelato_quantity(strict=False))),
                }
                for line in lines
            ],
        }

    def _gelato_prepare_order_payload(self):
        """The body of ``POST /v4/orders``: a draft, promoted once the local commit is done."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        items = []
        for line in lines:
            product = line.product_id
            items.append(
                {
                    "itemReferenceId": str(line.id),
                    "productUid": product.gelato_product_uid,
                    # Links made for the line: they stop working once Gelato printed it.
                    "files": line._gelato_prepare_files_payload(),
                    "quantity": line._gelato_quantity(),
                }
            )
        payload = {
            "orderType": "draft",
            "orderReferenceId": self._gelato_reference(),
            "customerReferenceId": self._gelato_customer_reference(),
            "currency": self.currency_id.name,
            "items": items,
            "shippingAddress": self.partner_shipping_id._gelato_prepare_address_payload(),
            "metadata": [{"key": "odooSaleOrderId", "value": str(self.id)}],
        }
        if self.carrier_id.delivery_type == "gelato":
            method = const.SERVICE_LEVEL_SHIPMENT_METHOD.get(self.carrier_id.gelato_service_level)
            if method:
                payload["shipmentMethodUid"] = method
        return payload
