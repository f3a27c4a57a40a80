{
    "name": "Gelato DAM Synchronisation (Bynder, Webdam)",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Files tagged for print in Bynder or Webdam become configurable, orderable "
    "Gelato products",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector"],
    "external_dependencies": {"python": ["bynder_sdk", "requests"]},
    "data": [
        "security/gelato_connector_dam_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/gelato_dam_views.xml",
        "views/gelato_dam_asset_views.xml",
        "views/gelato_dam_sync_log_views.xml",
        "views/gelato_dam_templates.xml",
        "wizard/gelato_dam_configure_views.xml",
        "views/gelato_connector_dam_menus.xml",
    ],
    "demo": [
        "data/gelato_dam_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "gelato_connector_dam/static/tests/tours/**/*",
        ],
    },
}
