from . import test_storage_lib
from . import test_storage_connection
from . import test_storage_scan
from . import test_storage_send
from . import test_storage_concurrency
