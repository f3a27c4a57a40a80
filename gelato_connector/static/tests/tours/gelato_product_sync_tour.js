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
        {
            content: "Open the variants from the product's Variants button",
            trigger: "button.oe_stat_button:contains('Variants')",
            run: "click",
        },
        {
            content: "Open a white variant",
            trigger: ".o_list_view .o_data_row:contains('White'):first .o_data_cell:first",
            run: "click",
        },
        {
            content: "The variant shows its Gelato product UID",
            trigger: "div[name='gelato_product_uid']:contains('apparel_product')",
        },
        {
            content: "...what it misses before it can be ordered",
            trigger: ".o_form_view .alert-warning:contains('Not orderable yet'):contains('Front')",
        },
        {
            content: "...and its own print images",
            trigger: ".o_form_view div[name='gelato_variant_print_file_ids'] .o_list_renderer",
        },
    ],
});
