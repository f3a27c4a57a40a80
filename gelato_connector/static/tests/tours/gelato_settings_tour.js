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
            content: "Test the connection right away: one click saves and tests",
            trigger: "button[name='action_gelato_test_connection']",
            run: "click",
        },
        {
            content: "Gelato answered with the sandbox's catalogs (no unsaved-changes dialog)",
            trigger: ".o_notification:contains('Connected to Gelato')",
        },
        {
            content: "Generate a webhook secret",
            trigger: "button[name='action_gelato_generate_webhook_secret']",
            run: "click",
        },
        {
            content: "The secret stays masked, with a button to copy it into Gelato's form",
            trigger: "#gelato_webhook input[type='password']:value(/.{20,}/)",
        },
        {
            content: "The copy button is there for the administrator",
            trigger: "#gelato_webhook .o_btn_char_copy",
        },
        {
            content: "The webhook URL is shown whole",
            trigger: "#gelato_webhook div[name='gelato_webhook_url']:contains('/gelato/webhook')",
        },
    ],
});
