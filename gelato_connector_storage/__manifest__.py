{
    "name": "Gelato Print-on-Demand Connector: Artwork From Remote Storage",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Artwork made per order, dropped into an S3-compatible bucket or a web folder: "
    "scanned hourly, attached to its order line, and the order goes to Gelato",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector"],
    "external_dependencies": {"python": ["boto3"]},
    "data": [
        "security/gelato_connector_storage_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/gelato_storage_scan_views.xml",
        "views/gelato_storage_views.xml",
        "views/product_template_views.xml",
        "views/sale_order_line_views.xml",
        "views/gelato_connector_storage_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "gelato_connector_storage/static/tests/tours/**/*",
        ],
    },
}
