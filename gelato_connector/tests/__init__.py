from . import test_gelato_request
from . import test_gelato_settings
from . import test_gelato_settings_tour
from . import test_gelato_webhook
from . import test_gelato_webhook_fuzz
