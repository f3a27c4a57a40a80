from . import test_gelato_request
from . import test_gelato_settings
from . import test_gelato_settings_tour
from . import test_gelato_utils
from . import test_gelato_delivery
from . import test_gelato_guard_rails
from . import test_gelato_order_states
from . import test_gelato_order_send
