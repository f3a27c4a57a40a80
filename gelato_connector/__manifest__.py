{
    "name": "Gelato Print-on-Demand Connector",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "summary": "Sell Gelato print-on-demand products from Sales (and eCommerce, Inventory "
    "through the bridge modules), made and shipped by Gelato",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["sale_management", "delivery", "portal", "mail"],
    # Odoo's own Gelato connector (in newer 18.0 builds) defines the same fields and delivery
    # type: the two cannot be installed together.
    "excludes": ["sale_gelato"],
    "external_dependencies": {"python": ["requests", "Pillow", "pypdf"]},
    "data": [
        "security/gelato_connector_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "data/gelato_webhook_event_data.xml",
        "data/gelato_print_file_data.xml",
        "data/mail_template_data.xml",
        "views/gelato_line_print_file_views.xml",
        "views/gelato_menus.xml",
        "views/gelato_webhook_event_views.xml",
        "views/product_template_views.xml",
        "views/product_product_views.xml",
        "data/ir_cron_data.xml",
        "data/gelato_quote_cache_data.xml",
        "data/delivery_carrier_data.xml",
        "views/delivery_carrier_views.xml",
        "views/sale_order_views.xml",
        "views/sale_portal_templates.xml",
    ],
    "demo": [
        "data/product_template_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "gelato_connector/static/tests/tours/**/*",
        ],
    },
}
