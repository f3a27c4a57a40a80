from . import gelato_storage
from . import gelato_storage_scan
from . import gelato_storage_file
from . import gelato_placement
from . import product_template
from . import sale_order
from . import sale_order_line
