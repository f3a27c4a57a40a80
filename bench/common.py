"""Shared harness of the benchmarks in bench/ (run them with `make bench`).

Each bench_*.py script measures one area against a real Odoo 18 database (created by
tools/bench.sh and named by BENCH_DB / BENCH_ODOO_CONF) and the Gelato sandbox, prints its
figures and writes them as JSON into bench/results/. Figures are compared with a baseline
measured in the same run whenever one exists, so they mean something on any machine.
"""

import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
sys.path.insert(0, str(REPO_ROOT / "tools"))


def machine_note():
    """Cores and load, printed with every table: figures depend on them."""
    load = os.getloadavg()
    return "%s cores, load %.2f %.2f %.2f" % (os.cpu_count(), *load)


class Bench:
    """Collects the figures of one benchmark script, prints them and writes JSON."""

    def __init__(self, name):
        self.name = name
        self.rows = []

    def record(self, figure, value, unit, baseline=None, note=""):
        """Record a figure; with a baseline (same unit, same run) its ratio is printed too."""
        ratio = (value / baseline) if baseline else None
        self.rows.append(
            {
                "figure": figure,
                "value": value,
                "unit": unit,
                "baseline": baseline,
                "ratio": ratio,
                "note": note,
            }
        )
        print(
            "  %-58s %12.3f %-8s%s%s"
            % (
                figure,
                value,
                unit,
                "  (x%.2f of baseline %.3f)" % (ratio, baseline) if ratio is not None else "",
                "  " + note if note else "",
            ),
            flush=True,
        )

    def write(self):
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / ("%s.json" % self.name)
        path.write_text(
            json.dumps(
                {
                    "bench": self.name,
                    "machine": machine_note(),
                    "figures": self.rows,
                },
                indent=2,
            )
        )
        return path


@contextmanager
def timer():
    """``with timer() as t: ...`` then ``t()`` gives the elapsed seconds."""
    start = time.perf_counter()
    elapsed = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - start
    elapsed.append(time.perf_counter() - start)


def percentile(values, pct):
    """The pct-th percentile (0-100) of a list of numbers."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values):
    return statistics.median(values) if values else float("nan")


def odoo_env():
    """Open the benchmark database: returns (registry, make_env) where make_env(cr) → env."""
    import odoo
    from odoo import SUPERUSER_ID, api

    conf, db = os.environ["BENCH_ODOO_CONF"], os.environ["BENCH_DB"]
    odoo.tools.config.parse_config(["-c", conf, "-d", db])
    registry = odoo.modules.registry.Registry(db)
    return registry, lambda cr: api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def count_queries(cr):
    """``with count_queries(cr) as n: ...`` then ``n()`` gives the SQL queries executed."""
    start = cr.sql_log_count
    done = []
    yield lambda: (done[0] if done else cr.sql_log_count) - start
    done.append(cr.sql_log_count)
