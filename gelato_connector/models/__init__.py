from . import res_company
from . import res_config_settings
from . import gelato_webhook_event
from . import gelato_placement
from . import gelato_print_file
from . import product_template
from . import product_product
