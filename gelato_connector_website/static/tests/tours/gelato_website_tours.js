/** @odoo-module **/

import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

// The web shop with Gelato products (tests: test_gelato_website_tour.py). The shopper is the
// website's public user: every step must work without any access right.

function chooseValue(attribute, value) {
    // Colours may show as swatches (the radio button hidden under its label): click the radio
    // button whichever way the attribute is displayed.
    const selector = `li.variant_attribute[data-attribute_name="${attribute}"]`;
    return {
        content: `Choose ${attribute}: ${value}`,
        trigger: selector,
        run() {
            document
                .querySelector(`${selector} input.js_variant_change[data-value_name="${value}"]`)
                .click();
        },
    };
}

function chooseVariantAndAdd(color, size) {
    return [
        chooseValue("Color", color),
        chooseValue("Size", size),
        {
            content: "Add it to the cart",
            trigger: "#add_to_cart:not(.disabled)",
            run: "click",
        },
        {
            content: "The cart holds it",
            trigger: "sup.my_cart_quantity:contains(/^1$/)",
        },
    ];
}

function fillAddress(address) {
    return {
        content: "Fill in the delivery address",
        trigger: "form.checkout_autoformat select[name='country_id']",
        run() {
            const form = document.querySelector("form.checkout_autoformat");
            const country = [...form.querySelectorAll("select[name='country_id'] option")].find(
                (option) => option.textContent.trim() === address.country
            );
            form.elements.namedItem("country_id").value = country.value;
            form.elements.namedItem("country_id").dispatchEvent(new Event("change"));
            for (const [name, value] of Object.entries(address)) {
                if (name !== "country") {
                    form.elements.namedItem(name).value = value;
                }
            }
        },
    };
}

const SHOPPER = {
    name: "Ada Lovelace",
    email: "ada.lovelace@example.com",
    phone: "+46 8 123 456",
    street: "Drottninggatan 12",
    city: "Stockholm",
    zip: "111 51",
    country: "Sweden",
};

// (1) Buy a Gelato t-shirt variant with Express delivery, paid with the demo provider.
registry.category("web_tour.tours").add("gelato_shop_buy_tshirt_express", {
    steps: () => [
        ...chooseVariantAndAdd("Black", "M"),
        tourUtils.goToCart({ quantity: 1 }),
        {
            content: "The cart holds the chosen variant",
            trigger: "#cart_products:contains('Classic Tee'):contains('Black'):contains('M')",
        },
        tourUtils.goToCheckout(),
        fillAddress(SHOPPER),
        {
            content: "Continue checkout",
            trigger: "#save_address",
            run: "click",
        },
        {
            content: "Gelato's delivery methods are offered",
            trigger:
                "#o_delivery_methods:contains('Standard Shipping'):contains('Express Shipping')",
        },
        {
            content: "Not the other carriers",
            trigger: "#o_delivery_methods:not(:contains('Local Courier'))",
        },
        {
            content: "Choose Express Shipping",
            trigger:
                "#o_delivery_methods [name='o_delivery_method']:contains('Express Shipping') input[name='o_delivery_radio']:not(:disabled)",
            run: "click",
        },
        {
            content: "Express Shipping is chosen and quoted by Gelato",
            trigger:
                "#o_delivery_methods [name='o_delivery_method']:contains('Express Shipping'):has(input:checked) [name='price']:not(:contains('Select to compute'))",
        },
        {
            content: "Gelato's delivery time for the address is shown under the method",
            trigger:
                "#o_delivery_methods [name='o_delivery_method']:contains('Express Shipping') .o_gelato_delivery_estimate:contains(/Delivered in \\d+(-\\d+)? days/)",
        },
        {
            content: "The summary shows the delivery cost",
            trigger: "tr#order_delivery .monetary_field:not(:contains(/^0\\.00$/))",
        },
        tourUtils.confirmOrder(),
        ...tourUtils.payWithDemo(),
    ],
});

// (2) A Gelato cart refuses other goods and says why.
registry.category("web_tour.tours").add("gelato_shop_mixing_refused", {
    steps: () => [
        ...chooseVariantAndAdd("White", "L"),
        ...tourUtils.searchProduct("Ceramic Vase"),
        {
            content: "Open the vase",
            trigger: ".oe_product_cart a:contains('Ceramic Vase')",
            run: "click",
        },
        {
            content: "Try to add it to the cart",
            trigger: "#product_detail #add_to_cart",
            run: "click",
        },
        {
            content: "The shopper is told why it is refused",
            trigger:
                ".alert-warning:contains('Ceramic Vase cannot be added to your cart'):contains('printed-on-demand')",
        },
        tourUtils.goToCart({ quantity: 1 }),
        {
            content: "The cart still holds the t-shirt only",
            trigger: "#cart_products:contains('Classic Tee'):not(:contains('Ceramic Vase'))",
        },
        {
            content: "The refusal is not repeated on the cart page",
            trigger: ".oe_cart:not(:has(.alert-warning:contains('Ceramic Vase')))",
        },
    ],
});

// (3) The checkout address form refuses a street longer than Gelato accepts, on the field.
registry.category("web_tour.tours").add("gelato_shop_address_too_long", {
    steps: () => [
        ...chooseVariantAndAdd("Black", "S"),
        tourUtils.goToCart({ quantity: 1 }),
        tourUtils.goToCheckout(),
        fillAddress({ ...SHOPPER, street: "Kungliga Djurgårdens Förvaltning 1234" }),
        {
            content: "Continue checkout",
            trigger: "#save_address",
            run: "click",
        },
        {
            content: "The street is highlighted with Gelato's limit under it",
            trigger:
                "input[name='street'].is-invalid + .o_gelato_field_message:contains('at most 35 characters (it has 37)')",
        },
        {
            content: "The message is also in the form's list of errors",
            trigger: "#errors:contains('Street: Gelato accepts at most 35 characters')",
        },
        {
            content: "Shorten the street",
            trigger: "input[name='street']",
            run: "edit Djurgårdsvägen 6",
        },
        {
            content: "Continue checkout",
            trigger: "#save_address",
            run: "click",
        },
        {
            content: "The address is accepted: the delivery methods are next",
            trigger: "#o_delivery_methods:contains('Express Shipping')",
        },
    ],
});
