from . import product_template
from . import sale_order
