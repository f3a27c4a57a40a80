from . import test_gelato_dam_checkout
from . import test_gelato_dam_configure
from . import test_gelato_dam_lib
from . import test_gelato_dam_sync
from . import test_gelato_dam_tour
