from . import gelato_connector_dam
