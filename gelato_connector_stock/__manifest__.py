{
    "name": "Gelato Print-on-Demand Connector: Inventory",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "summary": "Gelato lines are made and shipped by Gelato: no picking from your warehouse",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector", "sale_stock"],
    "auto_install": True,
}
