{
    "name": "Gelato Personalisation: eCommerce",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "summary": "The web shop's product page tells customers of personalisable Gelato products "
    "that a link to personalise follows the order",
    "author": "Gelato Connector Developers",
    "maintainers": ["gelato-connector"],
    "website": "https://github.com/gelato-connector/gelato_connector",
    "license": "LGPL-3",
    "depends": ["gelato_connector_personalization", "gelato_connector_website"],
    "data": [
        "views/website_sale_templates.xml",
    ],
    "demo": [
        "demo/product_template_demo.xml",
    ],
    "auto_install": True,
}
