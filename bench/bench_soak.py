"""Soak: thousands of Gelato events for orders still being confirmed, duplicated, reordered,
split — afterwards every order is exactly what Gelato says, and no mail went out twice.

A real Odoo server (2 HTTP workers, 1 cron worker running the send job) and the Gelato
sandbox, which POSTs its webhooks to the server. While a thread keeps confirming orders in
small committed batches (a poster, or a poster and a mug), the driver works in rounds: it
holds the sandbox's webhooks, splits some new two-item orders into connected Gelato orders,
moves orders (each part on its own) towards a random target status, re-sends a share of
earlier events with their same id (Gelato's duplicate deliveries), then releases the held
events shuffled. At the end, with every event delivered, each order, part, line, tracking code,
mail and chatter step is compared with the sandbox (bench/reliability.py).

Full size (`make bench`): 1,000 orders and about 10,000 events; `make test` runs 40 orders.
Run one size directly: ``python bench/bench_soak.py short`` (with BENCH_DB/BENCH_ODOO_CONF).
"""

import time

import reliability as rel
from common import (
    Bench,
    machine_note,
)

SIZES = {
    "full": {"orders": 1000, "events": 10000, "batch": 20},
    "short": {"orders": 40, "events": 400, "batch": 8},
}
# Where orders end (weights): some stop early, so the event count stays near the budget.
TARGETS = (
    ("passed", 20),
    ("in_production", 10),
    ("printed", 15),
    ("shipped", 15),
    ("in_transit", 10),
    ("delivered", 30),
)
SPLIT_SHARE = 0.5  # of the two-item orders
DUPLICATE_SHARE = 0.06  # events re-sent with their id
PACKAGES = (1, 1, 1, 2)  # parcels per shipment


def run(size="full"):
    params = SIZES[size]
    bench = Bench("soak" if size == "full" else "soak_%s" % size)
    rng = rel.new_rng("soak")
    print(
        "Soak (%s): %s orders confirmed while about %s events arrive (duplicated, shuffled, "
        "split orders); %s" % (size, params["orders"], params["events"], machine_note()),
        flush=True,
    )
    with rel.world(bench) as world:
        names, figures = _drive(bench, world, params, rng)
        tally = rel.compare_with_sandbox(bench, world.registry, world.sandbox, names)
        deliveries, distinct, duplicates = rel.check_events(bench, world.registry, world.sandbox)
    bench.record("orders confirmed during the run", len(names), "orders")
    bench.record("Gelato orders (parts, splits included)", tally["parts"], "parts")
    bench.record("events delivered (duplicates included)", deliveries, "events")
    bench.record("duplicate deliveries (same event id)", duplicates, "events")
    bench.record("events shuffled in held rounds", figures["rounds"], "rounds")
    bench.record("tracking codes compared", tally["tracking codes"], "codes")
    bench.record(
        "customer mails (shipped + delivered)",
        tally["shipped mails"] + tally["delivered mails"],
        "mails",
    )
    bench.record(
        "events per second over the whole soak (wall time)",
        deliveries / figures["seconds"],
        "ev/s",
    )
    bench.record("lost or duplicated (problems found)", len(bench.problems), "problems")
    print(
        "  tried: %s orders, %s distinct events (%s deliveries), %s splits; lost or duplicated: %s"
        % (len(names), distinct, deliveries, figures["splits"], len(bench.problems) or "nothing"),
        flush=True,
    )
    bench.write()
    return bench


def _drive(bench, world, params, rng):
    """Confirm orders in a thread while moving the placed ones forward in held rounds."""
    registry, sandbox = world.registry, world.sandbox
    started = time.monotonic()
    confirmer = rel.Confirmer(
        registry,
        world.make_env,
        world.ids,
        params["orders"],
        rel.new_rng("soak-confirm"),
        params["batch"],
    )
    rounds = Rounds(sandbox, rng, params["events"])
    deadline = time.monotonic() + (3600 if params["orders"] > 100 else 600)
    while time.monotonic() < deadline:
        confirming = confirmer.is_alive()
        placed = rel.placed(registry, list(confirmer.names))
        new = {name: ids for name, ids in placed.items() if name not in rounds.known}
        if not (confirming or new or rounds.active()) and len(rounds.known) >= len(confirmer.names):
            break
        if new or rounds.active():
            rounds.play(new, rel.item_counts(registry, list(new)))
        time.sleep(0.5)
    else:
        bench.problem("the soak did not finish in time")
    names = confirmer.join()
    if not rel.wait_for_webhooks(sandbox, timeout=1800):
        bench.problem("the sandbox still had events to deliver after 30 minutes")
    if not rel.wait_for_inbox(registry, world.make_env, timeout=1800):
        bench.problem("the inbox still had events to apply after 30 minutes")
    placed = rel.placed(registry, names)
    if len(placed) != len(names):
        bench.problem("only %s of %s orders were placed" % (len(placed), len(names)))
    figures = {"rounds": rounds.count, "splits": rounds.splits}
    figures["seconds"] = time.monotonic() - started
    return names, figures


class Rounds:
    """The sandbox's side: rounds of held, then shuffled, events."""

    def __init__(self, sandbox, rng, event_budget):
        self.sandbox = sandbox
        self.rng = rng
        self.event_budget = event_budget
        self.known = set()  # sale orders seen placed
        self.plans = {}  # Gelato order id → statuses still to reach
        self.event_ids = []
        self.seen = 0  # deliveries logged so far
        self.count = 0
        self.splits = 0

    def active(self):
        return [gelato_id for gelato_id, steps in self.plans.items() if steps]

    def play(self, new, item_counts):
        """One round: hold, split and plan the new orders, move the others one step, re-send
        some earlier events, release everything shuffled."""
        sandbox, rng = self.sandbox, self.rng
        budget_left = self.seen < self.event_budget
        active = self.active()
        sandbox.admin("webhooks/hold", {})
        for name, gelato_ids in new.items():
            self.known.add(name)
            parts = list(gelato_ids)
            if len(parts) == 1 and item_counts.get(name, 0) > 1 and rng.random() < SPLIT_SHARE:
                split = sandbox.admin("orders/%s/split" % parts[0], {"parts": 2, "notify": True})
                parts = [part["id"] for part in split["orders"]]
                self.splits += 1
            for gelato_id in parts:
                self.plans[gelato_id] = _plan(rng) if budget_left else []
        for gelato_id in active:
            if not budget_left:
                self.plans[gelato_id] = []
                continue
            sandbox.admin(
                "orders/%s/advance" % gelato_id,
                {"to": self.plans[gelato_id].pop(0), "packages": rng.choice(PACKAGES)},
            )
        log = sandbox.admin("webhooks?payloads=0&since=%s" % self.seen)
        fresh = [d["eventId"] for d in log["deliveries"] if not d["resend"]]
        self.seen = log["total"]
        self.event_ids += fresh
        duplicates = min(len(self.event_ids), round(len(fresh) * DUPLICATE_SHARE))
        for event_id in rng.sample(self.event_ids, duplicates):
            sandbox.admin("webhooks/resend", {"event_id": event_id})
        sandbox.admin("webhooks/release", {"order": "shuffle", "seed": self.count})
        self.count += 1


def _plan(rng):
    """Statuses a Gelato order goes through here: a random target, in one or two moves."""
    target = rng.choices([t for t, _w in TARGETS], weights=[w for _t, w in TARGETS])[0]
    position = rel.PROGRESSION.index(target)
    if position > 1 and rng.random() < 0.6:
        return [rel.PROGRESSION[rng.randrange(1, position)], target]
    return [target]


if __name__ == "__main__":
    rel.main(run)
