from . import gelato_connector
from . import website_sale
