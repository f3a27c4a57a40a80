from . import gelato_dam
from . import gelato_dam_asset
from . import gelato_dam_sync_log
from . import product_template
from . import product_product
