"""Faults: Gelato failing a random 20% of calls while orders are confirmed and sent; once the
faults stop, every order ends `sent`, with exactly one Gelato order each.

The sandbox fails a random fifth of its API calls (500, 502, 429 with Retry-After, a hang
longer than the connector's timeout, a dropped connection; before or after the call took
effect — "Gelato did it but we never heard back"). A real Odoo server's cron worker runs the
send job. The run compresses the clock: between rounds it lets the back-off delays pass
(bench/reliability.py fast_forward), so each order meets the faults over several attempts.
Then the faults are cleared, the clock is moved on until no order waits, and every order is
compared with the sandbox: `sent`, one placed Gelato order, no draft left behind, nothing at
Gelato without its sale order.

Full size (`make bench`): 500 orders; `make test` runs 30.
"""

import time

import reliability as rel
from common import (
    Bench,
    machine_note,
)

SIZES = {"full": {"orders": 500, "rounds": 4}, "short": {"orders": 30, "rounds": 3}}
FAULT = {
    "kind": "random",
    "rate": 0.2,
    "kinds": ["500", "502", "429", "hang", "drop"],
    "when": "random",
    "seed": 7,
}


def run(size="full"):
    params = SIZES[size]
    bench = Bench("faults" if size == "full" else "faults_%s" % size)
    print(
        "Faults (%s): %s orders while Gelato fails %d%% of calls (%s); %s"
        % (size, params["orders"], FAULT["rate"] * 100, ", ".join(FAULT["kinds"]), machine_note()),
        flush=True,
    )
    # A hang outlasts the connector's timeout (2 s here) without stalling the run for long.
    with rel.world(
        bench,
        webhooks=False,
        sandbox_config={"hang_seconds": 4, "retry_after": 1},
        request_timeout=2,
    ) as world:
        registry, make_env, sandbox = world.registry, world.make_env, world.sandbox
        sandbox.admin("faults", FAULT)
        started = time.monotonic()
        names = rel.confirm(
            registry, make_env, world.ids, params["orders"], rel.new_rng("faults"), batch=25
        )
        for round_ in range(params["rounds"]):
            _wait_until_nothing_due(registry, timeout=900)
            print(
                "  round %s: %s after %.0f s; the clock moves on"
                % (round_ + 1, _states_text(registry, names), time.monotonic() - started),
                flush=True,
            )
            rel.fast_forward(registry, make_env)
        _wait_until_nothing_due(registry, timeout=900)
        with_faults = time.monotonic() - started
        faulty = rel.states(registry, names)
        fired = sandbox.admin("counters")["faults"]
        sandbox.admin("faults", method="DELETE")
        stopped = time.monotonic()
        drained = rel.wait_until(
            lambda: not rel.states(registry, names).get("queued"),
            timeout=900,
            interval=2,
            tick=lambda: rel.fast_forward(registry, make_env),
        )
        drain_seconds = time.monotonic() - stopped
        if not drained:
            bench.problem("orders still queued 15 minutes after the faults stopped")
        final = rel.states(registry, names)
        with registry.cursor() as cr:
            cr.execute(
                "SELECT name, gelato_last_error FROM sale_order "
                "WHERE name = ANY(%s) AND gelato_state = 'error'",
                [names],
            )
            for name, error in cr.fetchall():
                bench.problem("%s ended in error: %s" % (name, error))
            cr.execute(
                "SELECT count(*) FROM mail_message m JOIN sale_order so ON m.res_id = so.id "
                "AND m.model = 'sale.order' WHERE so.name = ANY(%s) AND m.body LIKE %s",
                [names, "%could not take the order yet%"],
            )
            retried_orders = cr.fetchone()[0]
        tally = rel.compare_with_sandbox(bench, registry, sandbox, names, mails=False)
        inbox = _inbox_with_faults(bench, world, names)
    faults_fired = sum(fired.values())
    bench.record("orders confirmed", len(names), "orders")
    bench.record("faults Gelato answered with", faults_fired, "faults", note=_kinds(fired))
    bench.record("orders that met a fault and were retried", retried_orders, "orders")
    bench.record(
        "orders sent while faults were on",
        faulty.get("sent", 0),
        "orders",
        baseline=len(names),
    )
    bench.record(
        "orders sent after the faults stopped", final.get("sent", 0), "orders", baseline=len(names)
    )
    bench.record(
        "drafts deleted and made again (answers lost)",
        tally["extra creates (drafts deleted and made again)"],
        "drafts",
    )
    bench.record("seconds with faults (clock compressed)", with_faults, "s")
    bench.record("seconds to drain once the faults stopped", drain_seconds, "s")
    bench.record(
        "inbox: GETs of Gelato's order that failed",
        inbox["get faults"],
        "faults",
        note="of %s GETs" % inbox["gets"],
    )
    bench.record("inbox: events applied (each once)", inbox["events"], "events")
    bench.record("inbox: seconds to apply them (clock compressed)", inbox["seconds"], "s")
    bench.record("lost or duplicated (problems found)", len(bench.problems), "problems")
    print(
        "  tried: %s orders against %s faults; lost or duplicated: %s"
        % (len(names), faults_fired, len(bench.problems) or "nothing"),
        flush=True,
    )
    bench.write()
    return bench


def _states_text(registry, names):
    return ", ".join("%s %s" % (n, s) for s, n in sorted(rel.states(registry, names).items()))


def _kinds(fired):
    return ", ".join("%s %s" % (count, kind) for kind, count in sorted(fired.items()))


def _inbox_with_faults(bench, world, names):
    """The inbox while Gelato's ``GET /v4/orders/{id}`` fails a fifth of the time: the sandbox
    now posts its webhooks, every placed order moves on to shipped, and the server's cron
    worker applies the events (the back-off delays let pass); then the faults stop and every
    order must be where Gelato says, each event applied once."""
    registry, make_env, sandbox = world.registry, world.make_env, world.sandbox
    started = time.monotonic()
    gets_before = _gets(sandbox)
    fired_before = sum(sandbox.admin("counters")["faults"].values())
    sandbox.admin("config", {"webhook_url": world.odoo_url + "/gelato/webhook"})
    sandbox.admin("faults", {**FAULT, "endpoint": "GET /v4/orders/*", "seed": 11})
    for _step in ("passed", "in_production", "printed", "shipped"):
        sandbox.admin("tick", {})
    if not rel.wait_for_webhooks(sandbox, timeout=900):
        bench.problem("the sandbox still had events to deliver after 15 minutes")
    rel.wait_until(
        lambda: rel.received_events(registry) == 0,
        timeout=120,
        interval=2,
        tick=lambda: rel.fast_forward(registry, make_env),
    )
    fired = sum(sandbox.admin("counters")["faults"].values()) - fired_before
    sandbox.admin("faults", method="DELETE")
    if not rel.wait_for_inbox(registry, make_env, timeout=900):
        bench.problem("the inbox still had events to apply 15 minutes after the faults stopped")
    seconds = time.monotonic() - started
    rel.compare_with_sandbox(bench, registry, sandbox, names)
    _deliveries, distinct, _duplicates = rel.check_events(bench, registry, sandbox)
    return {
        "get faults": fired,
        "gets": _gets(sandbox) - gets_before,
        "events": distinct,
        "seconds": seconds,
    }


def _gets(sandbox):
    calls = sandbox.admin("counters")["calls"]
    return sum(count for key, count in calls.items() if key.startswith("GET /v4/orders/"))


def _wait_until_nothing_due(registry, timeout):
    """Until the send job has taken every due order (twice in a row: a batch may be running)."""
    calm = []

    def nothing_due():
        with registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM sale_order WHERE gelato_state = 'queued' AND "
                "(gelato_next_attempt IS NULL OR gelato_next_attempt <= now() at time zone 'UTC')"
            )
            calm.append(cr.fetchone()[0] == 0)
        return calm[-2:] == [True, True]

    return rel.wait_until(nothing_due, timeout=timeout, interval=1)


if __name__ == "__main__":
    rel.main(run)
