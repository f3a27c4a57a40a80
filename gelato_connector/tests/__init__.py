from . import test_gelato_request
from . import test_gelato_settings
from . import test_gelato_settings_tour
from . import test_gelato_print_file_check
from . import test_gelato_product_sync
from . import test_gelato_print_files
from . import test_gelato_product_tour
