#!/usr/bin/env bash
# `make lint`: ruff (lint and format) and pylint-odoo's checks on the add-on.
source "$(dirname "$0")/lib.sh"
locate_odoo
ensure_venv
cd "$REPO_ROOT"
status=0
"$VENV/bin/ruff" check . || status=1
"$VENV/bin/ruff" format --check . || status=1
# consider-merging-classes-inherited: the sale order's Gelato code is split by job on purpose
# (sale_order, _pipeline, _payloads, _send; see the README's layout).
"$VENV/bin/pylint" --rcfile=.pylintrc --disable=consider-merging-classes-inherited \
    gelato_connector gelato_connector_website gelato_connector_stock \
    gelato_connector_personalization gelato_connector_personalization_website \
    gelato_connector_storage gelato_connector_dam || status=1
[ $status -eq 0 ] && log "lint clean" || die "lint found problems (see above)"
