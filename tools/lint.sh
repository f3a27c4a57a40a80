#!/usr/bin/env bash
# `make lint`: ruff (lint and format) and pylint-odoo's checks on the add-on.
source "$(dirname "$0")/lib.sh"
locate_odoo
ensure_venv
cd "$REPO_ROOT"
status=0
"$VENV/bin/ruff" check . || status=1
"$VENV/bin/ruff" format --check . || status=1
"$VENV/bin/pylint" --rcfile=.pylintrc gelato_connector || status=1
[ $status -eq 0 ] && log "lint clean" || die "lint found problems (see above)"
