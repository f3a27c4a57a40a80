#!/usr/bin/env bash
# `make run`: Odoo 18 at http://localhost:8069 with gelato_connector and demo data in the
# database gelato_demo (admin / admin), talking to the local Gelato sandbox on port 8070 — or to
# the real Gelato when GELATO_API_KEY is set.
source "$(dirname "$0")/lib.sh"

setup_all
wkhtmltopdf --version >/dev/null 2>&1 || die "wkhtmltopdf is missing: Odoo cannot make the PDF
  that the order confirmation mail attaches, so paid web-shop orders would stay quotations.
  Install it: sudo apt-get install wkhtmltopdf"
DB=${GELATO_DB:-gelato_demo}
HTTP_PORT=${HTTP_PORT:-8069}
SANDBOX_PORT=${GELATO_SANDBOX_PORT:-8070}
DATA=$REPO_ROOT/.odoo-data
CONF=$DATA/$DB.conf
mkdir -p "$DATA"
write_odoo_conf "$CONF" "$DB" "$HTTP_PORT" "max_cron_threads = 1"

if psql -d postgres -Atqc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    # -i: the web shop and Inventory bridges (new in a database made before the module split).
    log "Updating gelato_connector in $DB"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -u gelato_connector -i "$GELATO_MODULES,payment_demo" \
        --stop-after-init --no-http --log-level=warn ||
        die "Updating gelato_connector in $DB failed (see above)."
else
    # payment_demo: a test payment provider, so that the web shop's checkout can be tried.
    log "Creating $DB with $GELATO_MODULES and demo data (a few minutes the first time)"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -i "$GELATO_MODULES,payment_demo" --stop-after-init \
        --no-http --log-level=warn || die "Installing gelato_connector in $DB failed (see above)."
fi

# The webhook secret shared by the sandbox and Odoo, kept across runs.
SECRET_FILE=$DATA/sandbox-webhook-secret
[ -s "$SECRET_FILE" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$SECRET_FILE"
SECRET=$(cat "$SECRET_FILE")

if [ -n "${GELATO_API_KEY:-}" ]; then
    log "GELATO_API_KEY is set: talking to the real Gelato (no sandbox)"
    API_KEY=$GELATO_API_KEY API_URL=
else
    API_KEY=sandbox-demo-key API_URL=http://127.0.0.1:$SANDBOX_PORT
    log "Starting the Gelato sandbox on $API_URL"
    PYTHONPATH=$REPO_ROOT/tools "$PY" -m gelato_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" \
        --api-key "$API_KEY" --webhook-url "http://127.0.0.1:$HTTP_PORT/gelato/webhook" \
        --webhook-header signature --webhook-secret "$SECRET" \
        --state-file "$DATA/sandbox-state.json" --advance-every "${GELATO_SANDBOX_ADVANCE:-60}" &
    SANDBOX_PID=$!
    trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
fi

# Point every company of the demo database at the chosen Gelato, the main one receiving its
# webhooks (keys are only set here, never in the module's data files).
GELATO_KEY=$API_KEY GELATO_URL=$API_URL GELATO_SECRET=$SECRET GELATO_BASE=http://localhost:$HTTP_PORT \
    "$PY" "$ODOO_SRC/odoo-bin" shell -c "$CONF" --no-http --log-level=warn >/dev/null <<'PY'
import os
companies = env["res.company"].sudo().search([])
main = env.ref("base.main_company").sudo()
# A webhook secret is one company's own (the webhook finds the company by it): the main one's.
(companies - main).write({"gelato_webhook_secret": False})
companies.write({
    "gelato_api_key": os.environ["GELATO_KEY"],
    "gelato_api_url": os.environ["GELATO_URL"] or False,
})
main.write({"gelato_webhook_secret": os.environ["GELATO_SECRET"]})
env["ir.config_parameter"].sudo().set_param("web.base.url", os.environ["GELATO_BASE"])
env.cr.commit()
PY

log "Odoo is starting at http://localhost:$HTTP_PORT (login admin / admin). Ctrl-C stops it."
"$PY" "$ODOO_SRC/odoo-bin" -c "$CONF"
