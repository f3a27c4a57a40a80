import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("gelato_settings_tour", {
    url: "/odoo/settings",
    steps: () => [
        {
            content: "Open the Sales settings",
            trigger: ".settings_tab .tab[data-key='sale_management']",
            run: "click",
        },
        {
            content: "The Gelato block is in the Sales settings",
            trigger: "#gelato_api",
        },
        {
            content: "Paste the API key",
            trigger: "div[name='gelato_api_key'] input",
            run: "edit sandbox-test-key",
        },
        {
            content: "Save the settings",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Generate a webhook secret",
            trigger: "button[name='action_gelato_generate_webhook_secret']",
            run: "click",
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_gelato_test_connection']",
            run: "click",
        },
        {
            content: "Gelato answered with the sandbox's catalogs",
            trigger: ".o_notification:contains('Connected to Gelato')",
        },
    ],
});
