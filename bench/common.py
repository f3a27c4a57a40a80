"""Shared harness of the benchmarks and reliability runs in bench/ (run them with `make bench`).

Each bench_*.py script measures one area against a real Odoo 18 database (created by
tools/bench.sh and named by BENCH_DB / BENCH_ODOO_CONF) and the Gelato sandbox, prints its
figures and writes them as JSON into bench/results/. Figures are compared with a baseline
measured in the same run whenever one exists, so they mean something on any machine.
`bench/report.py` gathers the figures of one `make bench` run (BENCH_RUN_ID) into one table.

The pieces every script needs live here: the recorder (:class:`Bench`), timers and
percentiles, the database (:func:`odoo_env`), the Gelato sandbox (:class:`Sandbox`) and an Odoo
server in its own process (:class:`OdooServer`).
"""

import datetime
import json
import os
import statistics
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
TOOLS_DIR = REPO_ROOT / "tools"
sys.path.insert(0, str(TOOLS_DIR))
# The process launcher, shared with the add-on's tests (stdlib only).
from gelato_sandbox.launcher import SandboxProcess, ServerProcess, free_port  # noqa: E402

SANDBOX_API_KEY = "bench-key"
WEBHOOK_SECRET = "bench-webhook-secret"


def machine():
    """Cores and load average now: figures depend on them."""
    return {"cores": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()]}


def machine_note():
    """Cores and load, printed with every table."""
    info = machine()
    return "%s cores, load %.2f %.2f %.2f" % (info["cores"], *info["load"])


class Bench:
    """Collects the figures of one benchmark script, prints them and writes JSON.

    A reliability run also records what it found lost or duplicated: :meth:`problem` marks the
    script as failed (its JSON says ``"ok": false``; the script exits non-zero).
    """

    def __init__(self, name):
        self.name = name
        self.rows = []
        self.problems = []
        self.started = time.time()
        self.machine_at_start = machine()

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

    def problem(self, text):
        """Something was lost or duplicated: the run fails."""
        self.problems.append(text)
        print("  PROBLEM: %s" % text, flush=True)

    def write(self):
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / ("%s.json" % self.name)
        path.write_text(
            json.dumps(
                {
                    "bench": self.name,
                    "run_id": os.environ.get("BENCH_RUN_ID"),
                    "started": datetime.datetime.fromtimestamp(self.started).isoformat(),
                    "seconds": round(time.time() - self.started, 1),
                    "machine": machine_note(),
                    "machine_at_start": self.machine_at_start,
                    "machine_at_end": machine(),
                    "ok": not self.problems,
                    "problems": self.problems,
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


def bench_database():
    """(Odoo configuration file, database name) of the run (set by tools/bench.sh)."""
    try:
        return os.environ["BENCH_ODOO_CONF"], os.environ["BENCH_DB"]
    except KeyError as missing:
        raise SystemExit(
            "%s is not set: run the benchmarks with `make bench`, or set BENCH_DB and "
            "BENCH_ODOO_CONF to a database with gelato_connector and its Odoo configuration."
            % missing
        ) from None


def odoo_env(conf=None, db=None, log_level=None):
    """Open the benchmark database: returns (registry, make_env) where make_env(cr) → env."""
    import odoo
    from odoo import SUPERUSER_ID, api

    if conf is None:
        conf, db = bench_database()
    # Odoo's configuration can be parsed once per process (several runs share one process in
    # bench/test_reliability.py): later calls reuse it.
    if _PARSED_CONFIG.setdefault("db", db) != db:
        raise RuntimeError("one database per process: %s, not %s" % (_PARSED_CONFIG["db"], db))
    if not _PARSED_CONFIG.get("done"):
        options = ["-c", conf, "-d", db]
        if log_level:
            options.append("--log-level=%s" % log_level)
        odoo.tools.config.parse_config(options)
        _PARSED_CONFIG["done"] = True
    registry = odoo.modules.registry.Registry(db)
    return registry, lambda cr: api.Environment(cr, SUPERUSER_ID, {})


_PARSED_CONFIG = {}


# === The world the benchmarks' orders live in === #


def point_company_at_sandbox(env, sandbox_url, base_url, api_key=SANDBOX_API_KEY):
    """The current company talks to the sandbox, approves orders automatically, and has the
    complete address confirming a Gelato order needs; print files are served from
    ``base_url`` (the Odoo server the sandbox downloads them from)."""
    company = env.company
    company.write(
        {
            "gelato_api_key": api_key,
            "gelato_api_url": sandbox_url,
            "gelato_approval_mode": "automatic",
            "street": company.street or "Storgatan 1",
            "city": company.city or "Lund",
            "zip": company.zip or "22350",
            "country_id": company.country_id.id or env.ref("base.se").id,
        }
    )
    if company.country_id.code in ("US", "CA", "AU") and not company.state_id:
        company.state_id = env["res.country.state"].search(
            [("country_id", "=", company.country_id.id)], limit=1
        )
    env["ir.config_parameter"].set_param("web.base.url", base_url)
    return company


def create_customer(env, **values):
    """A Swedish customer Gelato ships to."""
    return env["res.partner"].create(
        {
            "name": "Ada Lovelace",
            "street": "Drottninggatan 12",
            "city": "Stockholm",
            "zip": "111 51",
            "country_id": env.ref("base.se").id,
            "email": "ada@example.com",
            **values,
        }
    )


def template_fixture(template_ref, product_uid=None):
    """A sandbox template (its fixture file), optionally reduced to one variant, without its
    preview (no download while a product is made from it)."""
    path = TOOLS_DIR / "gelato_sandbox" / "fixtures" / "templates" / ("%s.json" % template_ref)
    data = json.loads(path.read_text(encoding="utf-8"))
    if product_uid:
        data["variants"] = [v for v in data["variants"] if v["productUid"] == product_uid]
    data["previewUrl"] = ""
    return data


@contextmanager
def count_queries(cr):
    """``with count_queries(cr) as n: ...`` then ``n()`` gives the SQL queries executed."""
    start = cr.sql_log_count
    done = []
    yield lambda: (done[0] if done else cr.sql_log_count) - start
    done.append(cr.sql_log_count)


class PrintFileServer:
    """A loopback server answering every GET with one small PNG: the sandbox downloads the
    print files of the orders a bench places there. A context manager, or ``stop()``."""

    def __init__(self):
        import io
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from PIL import Image

        output = io.BytesIO()
        Image.new("RGB", (60, 80), (200, 40, 40)).save(output, "PNG")
        body = output.getvalue()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%s/poster.png" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Sandbox(SandboxProcess):
    """tools/gelato_sandbox in its own process, with a client for its admin API.

    :param str webhook_url: where it POSTs webhooks (``None``: events are only logged).
    :param str log_path: file receiving its log (requests, faults, webhook attempts).
    """

    def __init__(
        self,
        api_key=SANDBOX_API_KEY,
        webhook_url=None,
        webhook_secret=WEBHOOK_SECRET,
        webhook_header="signature",
        latency_ms=0,
        log_path=None,
        log_level="INFO",
    ):
        args = [
            "--api-key",
            api_key,
            "--webhook-header",
            webhook_header,
            "--webhook-secret",
            webhook_secret,
            "--latency-ms",
            str(latency_ms),
            "--log-level",
            log_level if log_path else "WARNING",
        ]
        if webhook_url:
            args += ["--webhook-url", webhook_url]
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        super().__init__(*args, log_path=log_path)

    def admin(self, path, payload=None, method=None, timeout=60):
        """Call ``/_sandbox/<path>`` and return its JSON answer."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            "%s/_sandbox/%s" % (self.url, path.lstrip("/")),
            data=data,
            method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else {}


class OdooServer(ServerProcess):
    """An Odoo server (``odoo-bin``) in its own process on the benchmark database.

    :param int workers: HTTP worker processes (0: Odoo's threaded server).
    :param int cron_threads: cron workers (0: scheduled actions do not run).
    :param list extra_args: more odoo-bin options (e.g. ``["--smtp", "127.0.0.1"]``).
    :param str log_path: Odoo's log file (warnings and errors unless ``log_level`` says more).
    """

    def __init__(
        self,
        conf,
        db,
        workers=2,
        cron_threads=0,
        port=None,
        extra_args=(),
        log_path=None,
        log_level="warn",
        start_timeout=180,
    ):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%s" % self.port
        self.log_path = log_path
        odoo_bin = os.path.join(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"), "odoo-bin")
        command = [
            sys.executable,
            odoo_bin,
            "-c",
            conf,
            "-d",
            db,
            "--http-port",
            str(self.port),
            "--workers",
            str(workers),
            "--max-cron-threads",
            str(cron_threads),
            "--log-level",
            log_level,
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "600",
            # Its own port for Odoo's websocket process (started with workers), so that two
            # servers (or a `make run`) never fight over the default one.
            "--gevent-port",
            str(free_port()),
            *extra_args,
        ]
        if log_path:
            command += ["--logfile", str(log_path)]
        # No --dev, no test mode: the server a merchant runs.
        super().__init__(command, "Odoo", stop_timeout=60, log_hint=log_path)
        self.wait_for_url(self.url + "/web/health", start_timeout)
