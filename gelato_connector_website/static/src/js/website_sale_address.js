/** @odoo-module **/

import websiteSaleAddress from "@website_sale/js/address";

/**
 * The checkout address form of a Gelato cart: the server checks the delivery address against
 * Gelato's rules (length limits, first and last name, state...) and answers each problem with
 * the field it is about (`gelato_field_messages`). Show each message under its field, next to
 * the highlighting and the list of messages that website_sale shows.
 */
websiteSaleAddress.include({
    init() {
        this._super(...arguments);
        // website_sale's save handler keeps the server's answer to itself: read it on the way.
        const http = this.http;
        this.http = Object.assign(Object.create(http), {
            post: async (...args) => {
                const result = await http.post(...args);
                this._gelatoShowFieldMessages(result?.gelato_field_messages || {});
                return result;
            },
        });
    },

    start() {
        const def = this._super(...arguments);
        const initial = this.addressForm.dataset.gelatoFieldMessages;
        if (initial) {
            this._gelatoShowFieldMessages(JSON.parse(initial), true);
        }
        return def;
    },

    /**
     * @private
     * @param {Object} messages - {field name: [messages]}
     * @param {boolean} highlight - also mark the fields invalid (website_sale does it after a
     *                              refused save).
     */
    _gelatoShowFieldMessages(messages, highlight = false) {
        this.addressForm.querySelectorAll(".o_gelato_field_message").forEach((el) => el.remove());
        for (const [fieldName, fieldMessages] of Object.entries(messages)) {
            const input = this.addressForm.elements.namedItem(fieldName);
            if (!input || !input.after) {
                continue;
            }
            const feedback = document.createElement("div");
            feedback.className = "invalid-feedback o_gelato_field_message";
            feedback.textContent = fieldMessages.join(" ");
            input.after(feedback);
            if (highlight) {
                input.classList.add("is-invalid");
            }
        }
    },
});
