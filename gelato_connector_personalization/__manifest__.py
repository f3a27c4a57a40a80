{
    "name": "Gelato Personalisation",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Customers personalise the Gelato products they ordered (texts, their image) "
    "through an expiring link; Odoo renders the print file",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector", "portal"],
    "external_dependencies": {"python": ["Pillow"]},
    "data": [
        "security/gelato_connector_personalization_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/gelato_personalization_views.xml",
        "views/product_template_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/gelato_personalization_templates.xml",
        "views/gelato_connector_personalization_menus.xml",
    ],
    "demo": [
        "demo/product_template_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "gelato_connector_personalization/static/src/scss/personalization_editor.scss",
            "gelato_connector_personalization/static/src/js/personalization_editor.js",
        ],
        "web.assets_tests": [
            "gelato_connector_personalization/static/tests/tours/**/*",
        ],
    },
}
