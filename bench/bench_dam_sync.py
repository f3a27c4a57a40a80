"""Benchmark: DAM synchronisation of 10,000 tagged Bynder assets (gelato_connector_dam).

Run with `make bench` (or `make bench ARGS=bench/bench_dam_sync.py`; BENCH_DAM_ASSETS sets the
number of assets, 10,000 by default). It needs a database with gelato_connector_dam (made by
tools/bench.sh) and starts its own Bynder test server (tools/dam_servers, TLS with a trustme
certificate trusted through REQUESTS_CA_BUNDLE). Everything runs in one transaction that is
rolled back.

Figures, against baselines measured in the same run:
- first sync of N assets (every file downloaded and checked in the isolated check) vs. the
  listing of the N assets alone (what any import must do);
- an incremental re-sync with nothing changed: no download, no write to the assets, a handful
  of DAM calls; vs. one listing call of the DAM;
- a re-sync with 100 changed assets vs. the first sync's cost per asset x 100 (proportional to 100, not N);
- the no-change re-sync of a source with N/10 assets of history vs. N: the cost must not grow
  with history;
- the full listing (Sync now, and once a day: archives what was untagged or deleted).
"""

import base64
import io
import os
import re
from unittest.mock import patch

from common import Bench, median, odoo_env, timer
from dam_servers.launcher import DamServer

ASSETS = int(os.environ.get("BENCH_DAM_ASSETS", "10000"))
CHANGED = 100
ROUNDS = 3
TAG = "Salesdemo"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ASSET_TABLES = re.compile(r"\b(gelato_dam_asset|ir_attachment)\b")


def tiny_png():
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(output, "PNG")
    return output.getvalue()


class Counter:
    """SQL queries, writes and writes to the assets (and their files) of what runs inside."""

    def __init__(self, cr):
        self.cr = cr

    def __enter__(self):
        self.start = self.cr.sql_log_count
        self.writes = 0
        self.asset_writes = 0
        original = self.cr.execute

        def execute(query, params=None, log_exceptions=True):
            text = getattr(query, "code", None) or str(query)  # odoo.tools.SQL or a string
            if WRITE.match(text):
                self.writes += 1
                if ASSET_TABLES.search(text[:120]):
                    self.asset_writes += 1
            return original(query, params, log_exceptions)

        self.patch = patch.object(self.cr, "execute", execute)
        self.patch.start()
        return self

    def __exit__(self, *exc):
        self.patch.stop()
        self.queries = self.cr.sql_log_count - self.start


def measure(env, server, action):
    env.invalidate_all()
    before = server.counters()
    with timer() as elapsed, Counter(env.cr) as counter:
        result = action()
        env.flush_all()
    after = server.counters()
    downloads = after.get("download", 0) - before.get("download", 0)
    calls = sum(after.values()) - sum(before.values())
    return {
        "seconds": elapsed(),
        "queries": counter.queries,
        "writes": counter.writes,
        "asset_writes": counter.asset_writes,
        "downloads": downloads,
        "calls": calls,
        "result": result,
    }


def main():
    bench = Bench("dam_sync")
    registry, make_env = odoo_env()
    with DamServer("bynder") as server, registry.cursor() as cr:
        os.environ["REQUESTS_CA_BUNDLE"] = server.ca_path
        env = make_env(cr)
        if "gelato.dam" not in env:
            raise SystemExit("gelato_connector_dam is not installed in the bench database.")
        run(env, bench, server)
        cr.rollback()
    print("  results: %s" % bench.write())


def make_source(env, server, name):
    from dam_servers import server as fake

    return env["gelato.dam"].create(
        {
            "name": name,
            "kind": "bynder",
            "base_url": server.url,
            "tag": TAG,
            "bynder_permanent_token": fake.PERMANENT_TOKEN,
        }
    )


def run(env, bench, server):
    png = base64.b64encode(tiny_png()).decode()
    print("  %s assets" % ASSETS, flush=True)

    # A small source first (N/10 of history), on its own tag. Assets changed an hour apart (a
    # year of history for 10,000): the overlap window of an incremental listing holds the last
    # changes only, as it would in a real DAM.
    small_bulk = {"count": ASSETS // 10, "tag": TAG + "Small", "content": png, "prefix": "S"}
    server.hook("bulk", dict(small_bulk, step=3600))
    small = make_source(env, server, "Small")
    small.tag = TAG + "Small"
    small._gelato_dam_sync(full=True, commit=False)
    small_noop = [
        measure(env, server, lambda: small._gelato_dam_sync(commit=False)) for _ in range(ROUNDS)
    ]

    server.hook("bulk", {"count": ASSETS, "tag": TAG, "content": png, "prefix": "A", "step": 3600})
    dam = make_source(env, server, "Large")
    client = dam._gelato_dam_client()
    listing = measure(env, server, lambda: len(list(client.list_tagged(TAG))))
    assert listing["result"] == ASSETS, listing["result"]

    first = measure(env, server, lambda: dam._gelato_dam_sync(full=True, commit=False))
    log = first["result"]
    if (log.state, log.imported) != ("done", ASSETS):
        bench.problem("first sync: %s, %s imported" % (log.state, log.imported))

    noop = [measure(env, server, lambda: dam._gelato_dam_sync(commit=False)) for _ in range(ROUNDS)]
    one_call = [
        measure(env, server, lambda: list(client.list_tagged(TAG, since=dam.sync_cursor)))
        for _ in range(ROUNDS)
    ]
    for sample in noop:
        if sample["downloads"] or sample["asset_writes"]:
            bench.problem("a no-change re-sync downloaded or wrote: %s" % sample)

    changed = []
    for round_number in range(ROUNDS):
        content = base64.b64encode(tiny_png() + b"%d" % round_number).decode()
        for index in range(CHANGED):
            server.hook(
                "assets",
                {"id": "A%06d" % (index * 37 % ASSETS), "tags": [TAG], "content": content},
            )
        sample = measure(env, server, lambda: dam._gelato_dam_sync(commit=False))
        if sample["downloads"] != CHANGED or sample["result"].updated != CHANGED:
            bench.problem(
                "100 changed: %s downloads, %s updated"
                % (sample["downloads"], sample["result"].updated)
            )
        changed.append(sample)

    full_noop = measure(env, server, lambda: dam._gelato_dam_sync(full=True, commit=False))

    def med(samples, key):
        return median([s[key] for s in samples])

    per_asset = first["seconds"] / ASSETS
    bench.record(
        "first sync, %d assets: time" % ASSETS,
        first["seconds"],
        "s",
        listing["seconds"],
        "baseline: listing the %d assets alone" % ASSETS,
    )
    bench.record("first sync: downloads", first["downloads"], "files")
    bench.record("first sync: DAM calls", first["calls"], "calls")
    bench.record("first sync: SQL queries", first["queries"], "queries")
    bench.record(
        "re-sync, nothing changed: time",
        med(noop, "seconds"),
        "s",
        med(one_call, "seconds"),
        "baseline: one incremental listing call",
    )
    bench.record("re-sync, nothing changed: DAM calls", med(noop, "calls"), "calls")
    bench.record("re-sync, nothing changed: downloads", med(noop, "downloads"), "files")
    bench.record(
        "re-sync, nothing changed: writes to assets/files", med(noop, "asset_writes"), "writes"
    )
    bench.record(
        "re-sync, nothing changed: all SQL writes (run log, last sync)",
        med(noop, "writes"),
        "writes",
    )
    bench.record("re-sync, nothing changed: SQL queries", med(noop, "queries"), "queries")
    bench.record(
        "re-sync, nothing changed, N/10 history: SQL queries",
        med(small_noop, "queries"),
        "queries",
        med(noop, "queries"),
        "vs. N of history: must not grow with history",
    )
    bench.record(
        "re-sync, nothing changed, N/10 history: time",
        med(small_noop, "seconds"),
        "s",
        med(noop, "seconds"),
        "vs. N of history",
    )
    bench.record(
        "re-sync, %d changed: time" % CHANGED,
        med(changed, "seconds"),
        "s",
        per_asset * CHANGED,
        "baseline: first sync's cost per asset x %d" % CHANGED,
    )
    bench.record("re-sync, %d changed: downloads" % CHANGED, med(changed, "downloads"), "files")
    bench.record("re-sync, %d changed: DAM calls" % CHANGED, med(changed, "calls"), "calls")
    bench.record("re-sync, %d changed: SQL queries" % CHANGED, med(changed, "queries"), "queries")
    bench.record(
        "full listing (Sync now), nothing changed: time",
        full_noop["seconds"],
        "s",
        listing["seconds"],
        "baseline: listing alone",
    )
    bench.record("full listing, nothing changed: DAM calls", full_noop["calls"], "calls")
    bench.record("full listing, nothing changed: downloads", full_noop["downloads"], "files")


if __name__ == "__main__":
    main()
