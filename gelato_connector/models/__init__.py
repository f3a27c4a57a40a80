from . import res_company
from . import res_config_settings
from . import gelato_webhook_event
