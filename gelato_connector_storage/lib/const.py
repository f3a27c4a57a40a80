"""Data of the remote-storage scan: file names, limits, batch sizes.

Gelato's remote storage feature (Gelato+ Gold, "Automatically Fulfil Orders From Remote File
Storage") names files ``{order_number}_{order_item_number}.<extension>``, the extension JPEG,
PNG or PDF; constants around the tokens are allowed (GELATO_API.md).
"""

DEFAULT_FILENAME_PATTERN = "{order_number}_{order_item_number}"
TOKENS = ("order_number", "order_item_number", "print_area")
REQUIRED_TOKENS = ("order_number", "order_item_number")

# The file extensions a matched file may have (compared case-insensitively), and the type each
# one announces.
EXTENSIONS = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "pdf": "pdf"}

# Characters a name may hold: what every S3 store and a URL path carry unescaped. Anything else
# in an order number or print area is written as "-" in the expected name.
NAME_SAFE_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
)
NAME_MAX_LENGTH = 200

# ListObjectsV2 returns at most 1,000 keys a page (AWS S3 API reference).
LIST_PAGE_SIZE = 1000
# Keys listed by "Test connection".
TEST_LIST_KEYS = 5

# A matched file larger than this is rejected without being downloaded (from the listing's
# Size), and a download stops past it (ir.config_parameter
# gelato_connector_storage.max_file_mb overrides it).
MAX_FILE_MB = 200
DOWNLOAD_CHUNK_BYTES = 1024 * 1024

# Seconds: connecting, and waiting for a byte of an answer.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60

# Matched files processed per batch (one transaction each in the scheduled action).
SCAN_BATCH_SIZE = 20

# Batches "Scan now" processes in its request; the scheduled action, woken up, does the rest.
SCAN_NOW_MAX_BATCHES = 10

# Scan logs kept per connection (older ones are deleted by the scan).
SCAN_LOGS_KEPT = 200
