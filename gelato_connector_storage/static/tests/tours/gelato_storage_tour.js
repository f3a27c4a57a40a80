import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// The S3 server of the test (moto on a free port, its own credentials) is told by the Python
// test through a system parameter: tours have no other way in.
let config = null;
async function loadConfig() {
    if (!config) {
        const raw = await rpc("/web/dataset/call_kw/ir.config_parameter/get_param", {
            model: "ir.config_parameter",
            method: "get_param",
            args: ["gelato_connector_storage.tour_config"],
            kwargs: {},
        });
        config = JSON.parse(raw);
    }
    return config;
}

registry.category("web_tour.tours").add("gelato_storage_tour", {
    url: "/odoo/action-gelato_connector_storage.gelato_storage_action/new",
    steps: () => [
        {
            content: "Name the connection",
            trigger: "div[name='name'] input",
            async run(helpers) {
                await loadConfig();
                await helpers.edit("Designer's bucket");
            },
        },
        {
            content: "The store's endpoint (MinIO-like, here the test's S3 server)",
            trigger: "div[name='endpoint_url'] input",
            async run(helpers) {
                await helpers.edit((await loadConfig()).endpoint_url);
            },
        },
        {
            content: "The region",
            trigger: "div[name='region'] input",
            run: "edit us-east-1",
        },
        {
            content: "The bucket",
            trigger: "div[name='bucket'] input",
            async run(helpers) {
                await helpers.edit((await loadConfig()).bucket);
            },
        },
        {
            content: "The access key",
            trigger: "div[name='access_key'] input",
            async run(helpers) {
                await helpers.edit((await loadConfig()).access_key);
            },
        },
        {
            content: "The secret key",
            trigger: "div[name='secret_key'] input",
            async run(helpers) {
                await helpers.edit((await loadConfig()).secret_key);
            },
        },
        {
            content: "Save the connection",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_test_connection']",
            run: "click",
        },
        {
            content: "The bucket answered with its files",
            trigger: ".o_notification:contains('Connection works')",
        },
        {
            content: "Scan now",
            trigger: "button[name='action_scan_now']",
            run: "click",
        },
        {
            content: "The scan found and attached the order's file",
            trigger: ".o_notification:contains('1 attached')",
        },
        {
            content: "Open the order the scan completed",
            trigger: "button[name='action_scan_now']",
            async run() {
                window.location.href = (await loadConfig()).order_url;
            },
        },
        {
            content: "The order's Gelato tab",
            trigger: ".o_notebook a[name='gelato']",
            run: "click",
        },
        {
            content: "The order moved on: queued for Gelato",
            trigger: "div[name='gelato_state']:contains('Queued')",
        },
    ],
});
