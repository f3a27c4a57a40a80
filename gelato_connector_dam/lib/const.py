"""Constants of the DAM sync (see /work/shared/BYNDER_API.md and WEBDAM_API.md for the facts)."""

import datetime

from odoo.addons.gelato_connector.lib import print_file_check

# Seconds to wait for a DAM (connect, read) on one request.
REQUEST_TIMEOUT = (10, 60)

# The original is downloaded streamed and refused past the print-file check's own limit.
DOWNLOAD_MAX_BYTES = print_file_check.MAX_BYTES
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
# A thumbnail is small (Bynder's "thul", Webdam's 220 px); larger answers are not kept.
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024

# Incremental runs list what changed since the last run's high-water mark minus this window:
# clocks, rounding to the second and assets saved during the previous listing are covered.
SYNC_OVERLAP = datetime.timedelta(minutes=10)
# Assets downloaded, checked and committed together (a failed run resumes after the last batch).
SYNC_BATCH_SIZE = 50
# A full listing of the tagged assets (to find those untagged or deleted) at most this often.
RECONCILE_INTERVAL_HOURS = 24

# Retries of one call answered 429/503 (or a network error), and the longest wait obeyed.
MAX_RETRIES = 4
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 30.0
# A network error (refused, reset, timeout) is retried this often, a little later each time.
NETWORK_RETRIES = 2
NETWORK_RETRY_DELAY = 0.5

# Bynder: GET /api/v4/media/ `limit` is at most 1000 (OAS; Java and C# SDK comments).
BYNDER_PAGE_LIMIT = 1000
# Webdam: search and folder listings are limited to 100 (REST API v2 doc); XMP reads to 50 ids.
WEBDAM_PAGE_LIMIT = 100
WEBDAM_XMP_BATCH = 50
WEBDAM_DEFAULT_URL = "https://apiv2.webdamdb.com"
# Webdam tokens live an hour; refreshed this many seconds before they expire (the WordPress
# client's `expires_in - 300`). Bynder client-credentials tokens likewise.
TOKEN_REFRESH_MARGIN = 300

# The checkout link written back into the DAM.
CHECKOUT_ROUTE = "/gelato/dam/checkout"
