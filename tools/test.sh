#!/usr/bin/env bash
# `make test`: set up what is missing, then run the whole suite with pytest-odoo against a real
# Odoo 18 and PostgreSQL, in a fresh database created here and dropped at the end.
# Extra arguments go to pytest (e.g. `make test ARGS="-k webhook"`).
source "$(dirname "$0")/lib.sh"

setup_all
CHROME=$(chromium_bin) || die "Chromium is needed for the browser (tour) tests and was not found.
  Install it: sudo apt-get install chromium"
"$PY" -c 'import websocket' 2>/dev/null ||
    die "websocket-client is missing from $VENV: Odoo would skip its browser tests. Run: $PY -m pip install -r requirements-dev.txt"
log "Odoo: $ODOO_SRC | Chromium: $CHROME | PostgreSQL role: $DB_USER"

DB=gelato_test_$(date +%s)_$$
CONF=$REPO_ROOT/.odoo-data/$DB.conf
cleanup() {
    dropdb --if-exists "$DB" 2>/dev/null || true
    rm -rf "$CONF" "$REPO_ROOT/.odoo-data/filestore/$DB"
}
trap cleanup EXIT
# GELATO_TEST_PORT: another port, to run two suites at once (HttpCase serves on it).
write_odoo_conf "$CONF" "$DB" "${GELATO_TEST_PORT:-8069}" "max_cron_threads = 0"

# payment_demo (Odoo's demo payment provider) is what the web-shop tests pay with; it is not a
# dependency of gelato_connector.
log "Creating database $DB with gelato_connector, payment_demo and demo data"
"$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" -i gelato_connector,payment_demo --stop-after-init \
    --log-level=warn --no-http || die "Installing gelato_connector in $DB failed (see above)."

log "Running the test suite"
cd "$REPO_ROOT"
# Tests that need Inventory (sale_stock) run in a second phase: gelato_connector does not depend
# on it, so the suite first runs without it.
INVENTORY_TESTS=gelato_connector/tests/test_gelato_inventory.py
"$PY" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    --ignore="$INVENTORY_TESTS" "$@"

# With Inventory installed: the Inventory tests, and the order tests again. Only for the whole
# suite (no ARGS) or when GELATO_TEST_INVENTORY=1.
if [ $# -eq 0 ] || [ -n "${GELATO_TEST_INVENTORY:-}" ]; then
    log "Installing Inventory (sale_stock) in $DB for the tests that need it"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" -i sale_stock --stop-after-init \
        --log-level=warn --no-http || die "Installing sale_stock in $DB failed (see above)."
    # website_sale_stock comes with it (auto-install) and checks web carts too: the cart tests.
    log "Running the order and web cart tests with Inventory installed"
    "$PY" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http \
        --odoo-log-level=warn "$INVENTORY_TESTS" gelato_connector/tests/test_gelato_order_send.py \
        gelato_connector/tests/test_gelato_order_updates.py \
        gelato_connector/tests/test_gelato_website_cart.py
fi

# Last, the reliability runs (bench/test_reliability.py), short versions: each starts its own
# Odoo server and Gelato sandbox on this database, puts orders and events through them (faults,
# duplicates, reordering, concurrent senders, bad input) and fails when anything was lost or
# duplicated. `make bench` runs them at full size. Only for the whole suite (no ARGS) or when
# GELATO_TEST_RELIABILITY=1.
if [ $# -eq 0 ] || [ -n "${GELATO_TEST_RELIABILITY:-}" ]; then
    log "Running the reliability runs (short versions)"
    BENCH_DB=$DB BENCH_ODOO_CONF=$CONF BENCH_RUN_ID=test-$DB ODOO_SRC=$ODOO_SRC \
        "$PY" -m pytest -p no:odoo bench/test_reliability.py
fi
