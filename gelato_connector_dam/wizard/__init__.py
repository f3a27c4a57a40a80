from . import gelato_dam_configure
from . import gelato_dam_quote
