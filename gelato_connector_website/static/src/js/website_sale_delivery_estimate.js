/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

import "@website_sale/js/checkout";

/**
 * The checkout's delivery methods: under a Gelato method, the delivery time Gelato quoted for
 * the shopper's address (`gelato_delivery_estimate` in the rate), as the back office shows it.
 */
publicWidget.registry.WebsiteSaleCheckout.include({
    _updateAmountBadge(radio, rateData) {
        this._super(...arguments);
        const label = radio.closest("[name='o_delivery_method']")?.querySelector(
            ".o_delivery_carrier_label"
        );
        if (!label || !("gelato_delivery_estimate" in rateData)) {
            return; // not a rate of a Gelato method
        }
        const container = label.closest(".col") || label.parentElement;
        let estimate = container.querySelector(".o_gelato_delivery_estimate");
        if (!rateData.success || !rateData.gelato_delivery_estimate) {
            estimate?.remove();
            return;
        }
        if (!estimate) {
            estimate = document.createElement("small");
            estimate.className = "o_gelato_delivery_estimate d-block text-muted ms-4";
            container.appendChild(estimate);
        }
        estimate.textContent = rateData.gelato_delivery_estimate;
    },
});
