#!/usr/bin/env bash
# `make test`: set up what is missing, then run the whole suite with pytest-odoo against a real
# Odoo 18 and PostgreSQL, in fresh databases created here and dropped at the end.
# Extra arguments go to pytest, run on the full database (e.g. `make test ARGS="-k webhook"`).
source "$(dirname "$0")/lib.sh"

setup_all
ensure_s3_venv
CHROME=$(chromium_bin) || die "Chromium is needed for the browser (tour) tests and was not found.
  Install it: sudo apt-get install chromium"
"$PY" -c 'import websocket' 2>/dev/null ||
    die "websocket-client is missing from $VENV: Odoo would skip its browser tests. Run: $PY -m pip install -r requirements-dev.txt"
log "Odoo: $ODOO_SRC | Chromium: $CHROME | PostgreSQL role: $DB_USER"

STAMP=$(date +%s)_$$
CORE_DB=gelato_test_core_$STAMP
DB=gelato_test_$STAMP
# GELATO_TEST_PORT: another port, to run two suites at once (HttpCase serves on it).
PORT=${GELATO_TEST_PORT:-8069}
cleanup() {
    local db
    for db in "$CORE_DB" "$DB"; do
        dropdb --if-exists "$db" 2>/dev/null || true
        rm -rf "$REPO_ROOT/.odoo-data/$db.conf" "$REPO_ROOT/.odoo-data/filestore/$db"
    done
}
trap cleanup EXIT
cd "$REPO_ROOT"

install() { # database, modules
    "$PY" "$ODOO_SRC/odoo-bin" -c "$REPO_ROOT/.odoo-data/$1.conf" -d "$1" -i "$2" \
        --stop-after-init --log-level=warn --no-http || die "Installing $2 in $1 failed (see above)."
}
run_pytest() { # database, pytest arguments
    local db=$1
    shift
    "$PY" -m pytest --odoo-config="$REPO_ROOT/.odoo-data/$db.conf" --odoo-database="$db" \
        --odoo-http --odoo-log-level=warn "$@"
}

if [ $# -eq 0 ]; then
    # 1. The core alone, as a merchant who sells only from the back office has it: no web shop,
    #    no Inventory (the suite checks that website_sale is absent), the sandbox's tests and
    #    those of the other tools (tools/tests: the screenshot script's parts without Odoo).
    write_odoo_conf "$REPO_ROOT/.odoo-data/$CORE_DB.conf" "$CORE_DB" "$PORT" "max_cron_threads = 0"
    log "Creating database $CORE_DB with gelato_connector alone and demo data"
    install "$CORE_DB" gelato_connector
    [ "$(psql -d "$CORE_DB" -Atqc "SELECT state FROM ir_module_module WHERE name = 'website_sale'")" != installed ] ||
        die "gelato_connector pulled website_sale in: the core must not depend on the web shop."
    log "Running the core suite (gelato_connector), the sandbox's and the tools' tests"
    run_pytest "$CORE_DB" tools/gelato_sandbox/tests tools/tests gelato_connector/tests
    dropdb --if-exists "$CORE_DB"
fi

# 2. Everything `make run` installs: the core and its web shop and Inventory bridges (with
#    payment_demo, Odoo's demo payment provider, which the web-shop tests pay with).
write_odoo_conf "$REPO_ROOT/.odoo-data/$DB.conf" "$DB" "$PORT" "max_cron_threads = 0"
log "Creating database $DB with $GELATO_MODULES, payment_demo and demo data"
install "$DB" "$GELATO_MODULES,payment_demo"
if [ $# -gt 0 ]; then
    run_pytest "$DB" "$@"
    exit
fi
log "Running the web shop, Inventory, personalisation, artwork storage and DAM suites, and the order tests again with every module installed"
run_pytest "$DB" gelato_connector_website/tests gelato_connector_stock/tests \
    gelato_connector_storage/tests \
    gelato_connector_personalization/tests gelato_connector_personalization_website/tests \
    gelato_connector_dam/tests \
    gelato_connector/tests/test_gelato_order_send.py \
    gelato_connector/tests/test_gelato_portal.py \
    gelato_connector/tests/test_gelato_order_updates.py \
    gelato_connector/tests/test_gelato_webhook_events.py

# 3. Last, the reliability runs (bench/test_reliability.py), short versions: each starts its own
# Odoo server and Gelato sandbox on this database, puts orders and events through them (faults,
# duplicates, reordering, concurrent senders, bad input) and fails when anything was lost or
# duplicated. `make bench` runs them at full size.
log "Running the reliability runs (short versions)"
BENCH_DB=$DB BENCH_ODOO_CONF=$REPO_ROOT/.odoo-data/$DB.conf BENCH_RUN_ID=test-$DB ODOO_SRC=$ODOO_SRC \
    "$PY" -m pytest -p no:odoo bench/test_reliability.py
