#!/usr/bin/env bash
# `make bench`: every bench/bench_*.py against a fresh Odoo database with gelato_connector (and
# the Gelato sandbox and Odoo servers, started by the scripts that need them): the benchmarks
# and the reliability runs at full size. Each script prints its figures and writes
# bench/results/<name>.json; at the end bench/report.py prints ONE table of all figures (ratios
# against their same-run baselines, cores and load noted) and writes bench/results/combined.json.
# `make bench ARGS=bench/bench_x.py` runs only those. Fails when a script fails (a reliability
# run fails when anything was lost or duplicated).
source "$(dirname "$0")/lib.sh"

setup_all
ensure_s3_venv
DB=gelato_bench_$(date +%s)_$$
CONF=$REPO_ROOT/.odoo-data/$DB.conf
cleanup() {
    dropdb --if-exists "$DB" 2>/dev/null || true
    rm -rf "$CONF" "$REPO_ROOT/.odoo-data/filestore/$DB"
}
trap cleanup EXIT
write_odoo_conf "$CONF" "$DB" 8069 "max_cron_threads = 0"
# gelato_connector_dam depends on the core alone (bench/bench_dam_sync.py needs it).
log "Creating database $DB with gelato_connector and gelato_connector_dam (no demo data)"
"$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" -i gelato_connector,gelato_connector_dam --stop-after-init \
    --without-demo=all --log-level=warn --no-http || die "Installing gelato_connector failed."

cd "$REPO_ROOT"
scripts=("$@")
[ ${#scripts[@]} -eq 0 ] && mapfile -t scripts < <(ls bench/bench_*.py 2>/dev/null)
[ ${#scripts[@]} -eq 0 ] && die "No benchmark in bench/."
log "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
export BENCH_RUN_ID=$(date +%s)-$$ BENCH_DB=$DB BENCH_ODOO_CONF=$CONF ODOO_SRC
statuses=()
for script in "${scripts[@]}"; do
    echo
    echo "== $script"
    rc=0
    "$PY" "$script" || rc=$?
    [ $rc -eq 0 ] || log "$script failed (exit $rc)"
    statuses+=("$script=$rc")
done
"$PY" bench/report.py "$BENCH_RUN_ID" "${statuses[@]}"
