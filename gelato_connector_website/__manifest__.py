{
    "name": "Gelato Print-on-Demand Connector: eCommerce",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "summary": "Sell Gelato print-on-demand products in the Odoo web shop",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector", "website_sale"],
    "data": [
        "data/delivery_carrier_data.xml",
        "views/website_sale_templates.xml",
    ],
    "demo": [
        "data/product_template_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "gelato_connector_website/static/src/js/**/*",
        ],
        "web.assets_tests": [
            "gelato_connector_website/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
