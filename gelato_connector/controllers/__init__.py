from . import gelato_connector
