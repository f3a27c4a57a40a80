from . import gelato_dam_configure
