# The two commands a newcomer needs (see README.md): `make run` and `make test`.
.PHONY: run test lint bench screenshots setup

run:    ## Odoo 18 with gelato_connector, demo data and the Gelato sandbox at http://localhost:8069
	@bash tools/run.sh

test:   ## the whole suite (pytest-odoo, real Odoo + PostgreSQL + Chromium + sandbox)
	@bash tools/test.sh $(ARGS)

lint:   ## ruff (lint + format) and pylint-odoo's checks
	@bash tools/lint.sh

bench:  ## benchmarks in bench/, figures printed as a table and written to bench/results/
	@bash tools/bench.sh $(ARGS)

screenshots:  ## the app page's and README's screenshots, retaken from a running `make run` (tools/screenshots.py)
	@bash -c 'source tools/lib.sh && { [ -x "$$PY" ] || die "No Python environment at $$VENV: run make run first."; } && exec "$$PY" tools/screenshots.py $(ARGS)'

setup:  ## only the set-up steps (Debian packages, Python environments incl. the S3 test server's, PostgreSQL)
	@bash -c 'source tools/lib.sh && setup_all && ensure_s3_venv'
