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
write_odoo_conf "$CONF" "$DB" 8069 "max_cron_threads = 0"

log "Creating database $DB with gelato_connector and demo data"
"$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" -i gelato_connector --stop-after-init \
    --log-level=warn --no-http || die "Installing gelato_connector in $DB failed (see above)."

log "Running the test suite"
cd "$REPO_ROOT"
"$PY" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    "$@"
