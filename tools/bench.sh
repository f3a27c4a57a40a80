#!/usr/bin/env bash
# `make bench`: every bench/bench_*.py against a fresh Odoo database with gelato_connector (and
# the Gelato sandbox, started by the scripts that need it). Prints one table per script and
# writes JSON into bench/results/. `make bench ARGS=bench/bench_x.py` runs only those.
source "$(dirname "$0")/lib.sh"

setup_all
DB=gelato_bench_$(date +%s)_$$
CONF=$REPO_ROOT/.odoo-data/$DB.conf
cleanup() {
    dropdb --if-exists "$DB" 2>/dev/null || true
    rm -rf "$CONF" "$REPO_ROOT/.odoo-data/filestore/$DB"
}
trap cleanup EXIT
write_odoo_conf "$CONF" "$DB" 8069 "max_cron_threads = 0"
log "Creating database $DB with gelato_connector (no demo data)"
"$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" -i gelato_connector --stop-after-init \
    --without-demo=all --log-level=warn --no-http || die "Installing gelato_connector failed."

cd "$REPO_ROOT"
scripts=("$@")
[ ${#scripts[@]} -eq 0 ] && mapfile -t scripts < <(ls bench/bench_*.py 2>/dev/null)
[ ${#scripts[@]} -eq 0 ] && die "No benchmark in bench/."
log "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for script in "${scripts[@]}"; do
    echo
    echo "== $script"
    BENCH_DB=$DB BENCH_ODOO_CONF=$CONF "$PY" "$script" || { status=1; log "$script failed"; }
done
echo
log "Figures written to bench/results/*.json"
exit $status
