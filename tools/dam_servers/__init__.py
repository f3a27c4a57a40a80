"""Local stand-ins for the Bynder and Webdam APIs (tests and bench of gelato_connector_dam)."""
