/** @odoo-module **/
// The customer's personalisation editor (/gelato/personalize/<token>): texts with their limits
// shown as they type, image uploads, a live preview rendered by the server (the same code as
// the print file), and completion with a thank-you popup.

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";

const PREVIEW_DELAY_MS = 400;

publicWidget.registry.GelatoPersonalize = publicWidget.Widget.extend({
    selector: ".o_gelato_personalize",
    events: {
        "input .o_gelato_text_input": "_onTextInput",
        "change .o_gelato_image_input": "_onImageChange",
        "click .o_gelato_complete": "_onComplete",
        "click .o_gelato_thanks_close": "_onCloseThanks",
    },

    start() {
        this.token = this.el.dataset.token;
        this.baseUrl = `/gelato/personalize/${encodeURIComponent(this.token)}`;
        for (const input of this.el.querySelectorAll(".o_gelato_text_input")) {
            this._updateCounter(input);
        }
        this._schedulePreview(0);
        return this._super(...arguments);
    },

    _texts() {
        const texts = {};
        for (const input of this.el.querySelectorAll(".o_gelato_text_input")) {
            texts[input.dataset.box] = input.value;
        }
        return texts;
    },

    _updateCounter(input) {
        const max = parseInt(input.dataset.max, 10);
        const counter = this.el.querySelector(`.o_gelato_counter[data-box="${input.dataset.box}"]`);
        const length = input.value.length;
        counter.textContent = _t("%(count)s / %(max)s characters", { count: length, max });
        counter.classList.toggle("text-danger", length > max);
    },

    _showErrors(errors) {
        for (const node of this.el.querySelectorAll(".o_gelato_error")) {
            node.textContent = (errors && errors[node.dataset.box]) || "";
        }
    },

    _showGeneralError(message) {
        const node = this.el.querySelector(".o_gelato_general_error");
        node.textContent = message || "";
        node.classList.toggle("d-none", !message);
    },

    _schedulePreview(delay = PREVIEW_DELAY_MS) {
        clearTimeout(this._previewTimer);
        this._previewTimer = setTimeout(() => this._preview(), delay);
    },

    async _preview() {
        const status = this.el.querySelector(".o_gelato_preview_status");
        status.textContent = _t("Updating the preview…");
        const sequence = (this._previewSequence = (this._previewSequence || 0) + 1);
        const result = await rpc(`${this.baseUrl}/preview`, { texts: this._texts() });
        if (sequence !== this._previewSequence) {
            return; // an older answer than the last request
        }
        if (result.error) {
            status.textContent = "";
            this._showGeneralError(result.error);
            return;
        }
        this._showGeneralError("");
        const images = this.el.querySelectorAll(".o_gelato_preview_image");
        result.areas.forEach((area, index) => {
            if (images[index]) {
                images[index].src = area.image;
            }
        });
        this._showErrors(result.errors);
        this.el.classList.add("o_gelato_preview_ready");
        status.textContent = Object.keys(result.errors || {}).length
            ? _t("Please correct what is marked in red.")
            : _t("This is what will be printed.");
    },

    _onTextInput(ev) {
        this._updateCounter(ev.currentTarget);
        this._schedulePreview();
    },

    async _onImageChange(ev) {
        const input = ev.currentTarget;
        const errorNode = this.el.querySelector(`.o_gelato_error[data-box="${input.dataset.box}"]`);
        if (!input.files.length) {
            return;
        }
        errorNode.textContent = _t("Uploading…");
        const body = new FormData();
        body.append("box_id", input.dataset.box);
        body.append("image", input.files[0]);
        let result;
        try {
            const response = await fetch(`${this.baseUrl}/upload`, { method: "POST", body });
            result = await response.json();
        } catch {
            result = { error: _t("The upload did not go through: check your connection and try again.") };
        }
        errorNode.textContent = result.error || "";
        if (!result.error) {
            input.classList.add("o_gelato_uploaded");
            this._schedulePreview(0);
        } else {
            input.value = "";
        }
    },

    async _onComplete(ev) {
        const button = ev.currentTarget;
        button.disabled = true; // one click, one completion
        try {
            const result = await rpc(`${this.baseUrl}/complete`, { texts: this._texts() });
            if (result.done) {
                this.el.querySelector(".o_gelato_thanks").classList.remove("d-none");
                this.el.querySelector("form").classList.add("d-none");
                return;
            }
            this._showErrors(result.errors);
            this._showGeneralError(
                result.error || (result.errors ? _t("Please correct what is marked in red.") : "")
            );
        } finally {
            button.disabled = false;
        }
    },

    _onCloseThanks() {
        this.el.querySelector(".o_gelato_thanks").classList.add("d-none");
        this.el.querySelector(".o_gelato_done_note")?.classList.remove("d-none");
    },
});

export default publicWidget.registry.GelatoPersonalize;
