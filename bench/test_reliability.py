"""The reliability runs of bench/, short versions, as tests: `make test` runs them last.

Each run starts its own Odoo server and Gelato sandbox on the test database (named by
BENCH_DB / BENCH_ODOO_CONF, set by tools/test.sh), puts real orders and events through them
and compares everything with the sandbox; a test fails with the list of what was lost or
duplicated. `make bench` runs the same code at full size.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

if not os.environ.get("BENCH_DB"):
    raise RuntimeError(
        "The reliability runs need a database with gelato_connector: run them with `make test` "
        "(or set BENCH_DB and BENCH_ODOO_CONF)."
    )


def _assert_nothing_lost(module_name):
    module = __import__(module_name)
    bench = module.run("short")
    assert not bench.problems, "\n".join(bench.problems[:50])
    return bench


@pytest.mark.parametrize(
    "run", ["bench_soak", "bench_faults", "bench_concurrency", "bench_bad_input"]
)
def test_reliability_run_short(run):
    bench = _assert_nothing_lost(run)
    assert bench.rows, "the run recorded no figure"
