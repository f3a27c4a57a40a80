"""The bad-input run: its three parts in one process, against one Odoo server."""

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import REPO_ROOT, Bench, OdooServer, bench_database, machine_note, odoo_env

from .garbage import run_garbage
from .print_files import PrintFileRun
from .shared import MAX_DETAILED, SECRET, SIZES, LogWatch, server_log_errors, short
from .webhook_fuzz import WebhookFuzz


def run(size="full"):
    """The bad-input run at ``size`` ("full": make bench, "short": make test, < 60 s).

    :return: the :class:`common.Bench`; ``bench.problems`` lists everything lost, duplicated
        or wrong.
    """
    params = SIZES[size]
    parts = {
        part.strip()
        for part in os.environ.get("BENCH_BAD_INPUT_PARTS", "1,2,3").split(",")
        if part.strip()
    }
    bench = Bench("bad_input" if size == "full" else "bad_input_%s" % size)
    print("bench_bad_input, size %s (%s)" % (size, machine_note()), flush=True)
    conf, db = bench_database()
    registry, make_env = odoo_env(conf, db, log_level="warn")
    tag = "bi%s" % int(time.time() * 1000)
    log_dir = Path(tempfile.mkdtemp(prefix="bench_bad_input_"))
    seconds = {}

    def timed(part, function, *args):
        start = time.perf_counter()
        function(*args)
        seconds[part] = time.perf_counter() - start

    server = contextlib.nullcontext()
    if "1" in parts or "3" in parts:
        # The webhook secret first: the server's workers load it when they start.
        with registry.cursor() as cr:
            make_env(cr).company.write(
                {"gelato_webhook_secret": SECRET, "gelato_webhook_header": "signature"}
            )
        server = OdooServer(conf, db, workers=2, log_path=log_dir / "odoo.log")
    with LogWatch() as logs, server:
        if "1" in parts:
            timed("1", WebhookFuzz(bench, registry, make_env, server, params, tag).run)
        if "2" in parts:
            timed("2", PrintFileRun(bench, registry, make_env, params, tag, logs).run)
        if "3" in parts:
            timed("3", run_garbage, bench, registry, make_env, server, params, tag, logs)
        for record in logs.errors()[:MAX_DETAILED]:
            bench.problem("an error was logged in this process: %s" % short(record.getMessage()))
    server_errors = server_log_errors(log_dir / "odoo.log")
    bench.record("Odoo server: errors logged", len(server_errors), "lines", note="goal: 0")
    if server_errors:
        bench.problem(
            "the Odoo server logged %s error(s) (kept in %s), first: %s"
            % (len(server_errors), log_dir / "odoo.log", short(server_errors[0], 300))
        )
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    print(
        "\n  %s problem(s) in %.0f s (%s)"
        % (
            len(bench.problems),
            time.time() - bench.started,
            ", ".join("part %s: %.0f s" % item for item in sorted(seconds.items())),
        ),
        flush=True,
    )
    bench.results_path = bench.write()
    return bench


def main():
    size = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SIZE", "full")
    if size not in SIZES:
        raise SystemExit("usage: bench_bad_input.py [full|short]")
    bench = run(size)
    print("  written to %s" % bench.results_path.relative_to(REPO_ROOT))
    sys.exit(1 if bench.problems else 0)
