from . import test_gelato_inventory
