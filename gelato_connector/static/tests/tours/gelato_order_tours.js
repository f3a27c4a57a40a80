import { registry } from "@web/core/registry";

// A confirmed Gelato order waiting for approval: the salesperson approves it.
registry.category("web_tour.tours").add("gelato_order_approve_tour", {
    steps: () => [
        {
            content: "The order says it waits for approval",
            trigger: ".alert-info:contains('waits for your approval')",
        },
        {
            content: "Approve it",
            trigger: "button[name='action_gelato_approve']",
            run: "click",
        },
        {
            content: "Open the Gelato tab",
            trigger: ".o_notebook a[name='gelato']",
            run: "click",
        },
        {
            content: "The order is queued for Gelato",
            trigger: ".o_field_widget[name='gelato_state']:contains('Queued')",
        },
        {
            content: "The Approve button is gone",
            trigger: ".o_form_statusbar:not(:has(button[name='action_gelato_approve']))",
        },
    ],
});

// A shipped Gelato order: its Gelato order, status and tracking are on the form.
registry.category("web_tour.tours").add("gelato_order_shipped_tour", {
    steps: () => [
        {
            content: "The order lines show the Gelato status and the tracking code",
            trigger: ".o_field_widget[name='order_line'] td[name='gelato_tracking_summary']:not(:empty)",
        },
        {
            content: "Open the Gelato tab",
            trigger: ".o_notebook a[name='gelato']",
            run: "click",
        },
        {
            content: "Gelato's status",
            trigger: ".o_field_widget[name='gelato_fulfillment_status']:contains('Shipped')",
        },
        {
            content: "The Gelato order is listed with its status",
            trigger: ".o_field_widget[name='gelato_order_ids'] td[name='fulfillment_status']:contains('Shipped')",
        },
        {
            content: "Refresh from Gelato",
            trigger: "button[name='action_gelato_refresh']",
            run: "click",
        },
        {
            content: "Still shipped after the refresh",
            trigger: ".o_field_widget[name='gelato_fulfillment_status']:contains('Shipped')",
        },
    ],
});
