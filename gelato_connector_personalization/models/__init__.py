from . import gelato_personalization_box
from . import gelato_personalization
from . import gelato_personalization_link
from . import product_template
from . import res_company
from . import res_config_settings
from . import sale_order
from . import sale_order_line
