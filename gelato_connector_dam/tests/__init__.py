from . import test_gelato_dam_sync
