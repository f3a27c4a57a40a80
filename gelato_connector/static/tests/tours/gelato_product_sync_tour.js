import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("gelato_product_sync_tour", {
    steps: () => [
        {
            content: "Open the Sales tab of the product",
            trigger: ".o_notebook .nav-link[name='sales']",
            run: "click",
        },
        {
            content: "The Gelato section shows the template ID",
            trigger: "div[name='gelato_template_ref'] input:value(tshirt-classic-white-black)",
        },
        {
            content: "Synchronize with Gelato",
            trigger: "button[name='action_gelato_sync_template']",
            run: "click",
        },
        {
            content: "Gelato's variants arrived",
            trigger: ".o_notification:contains('Synchronized with Gelato'):contains('8 variant(s) created')",
        },
        {
            content: "The print areas of every variant are listed (the back is White-only)",
            trigger: "div[name='gelato_placement_ids'] td:contains('Back')",
        },
        {
            content: "The product says which print files are missing",
            trigger: ".alert-warning:contains('has no print file for: Front, Back')",
        },
    ],
});
