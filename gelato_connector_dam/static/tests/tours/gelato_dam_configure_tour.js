import { registry } from "@web/core/registry";

function chooseValue(attribute, search, label) {
    return [
        {
            content: `Choose the ${attribute}`,
            trigger: `.modal .o_data_row:contains('${attribute}') td[name='option_id']`,
            run: "click",
        },
        {
            content: `Search ${search}`,
            trigger: `.modal .o_data_row:contains('${attribute}') td[name='option_id'] input`,
            run: `edit ${search}`,
        },
        {
            content: `Pick ${label}`,
            trigger: `.o-autocomplete--dropdown-menu li a:contains('${label}')`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("gelato_dam_configure_tour", {
    steps: () => [
        {
            content: "The imported file is in DAM import, with its DAM's icon",
            trigger: ".o_kanban_record:contains('Summer poster') img[src*='gelato_connector_dam/static/src/img/bynder.svg']",
        },
        {
            content: "Configure it",
            trigger: ".o_kanban_record:contains('Summer poster') button[name='action_configure']",
            run: "click",
        },
        {
            content: "Choose Gelato's catalog",
            trigger: ".modal div[name='catalog_option_id'] input",
            run: "edit Posters",
        },
        {
            content: "Posters",
            trigger: ".o-autocomplete--dropdown-menu li a:contains('Posters')",
            run: "click",
        },
        {
            content: "Next: the catalog's attributes",
            trigger: ".modal button[name='action_load_attributes']",
            run: "click",
        },
        ...chooseValue("Paper Format", "30x40", "30x40 cm"),
        ...chooseValue("Paper Type", "170 gsm", "170 gsm uncoated"),
        ...chooseValue("Orientation", "Portrait", "Portrait"),
        {
            content: "Search Gelato's catalog",
            trigger: ".modal button[name='action_search']",
            run: "click",
        },
        {
            content: "One product is left",
            trigger: ".modal div[name='product_uid']:contains('flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver')",
        },
        {
            content: "Set the sale price",
            trigger: ".modal div[name='price'] input",
            run: "edit 39",
        },
        {
            content: "Create the product",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The file is ready",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Ready')",
        },
        {
            content: "Quote it",
            trigger: "button[name='action_new_quotation']",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".modal div[name='partner_id'] input",
            run: "edit Ada Lovelace",
        },
        {
            content: "Ada",
            trigger: ".o-autocomplete--dropdown-menu li a:contains('Ada Lovelace')",
            run: "click",
        },
        {
            content: "Create the quotation",
            trigger: ".modal button[name='action_create_quotation']",
            run: "click",
        },
        {
            content: "The product is on the quotation",
            trigger: "div[name='order_line'] td:contains('Summer poster')",
        },
        {
            content: "The quotation is saved, for Ada",
            trigger: ".o_form_saved div[name='partner_id'] input:value(Ada Lovelace)",
        },
    ],
});
