"""Concurrency: two Odoo processes run the send job at once (besides the server's own cron
worker) while Gelato's webhooks arrive, some of them twice at the same moment — no order is
sent twice, no event is applied twice.

Actors, each its own process and database connection: a real Odoo server (2 HTTP workers
receiving the webhooks, 1 cron worker running the send job when triggered) and two send
workers (``python bench/reliability.py send-worker``) calling the send job in a loop, one
committed batch at a time, as the cron runner does. Odoo's cron runner never runs one job
twice at once, so the two workers are what makes several senders race for the same orders
(`FOR UPDATE SKIP LOCKED`, search before create, draft promoted after the commit). The
sandbox answers with a little latency so that transactions overlap. While orders are being
confirmed, the placed ones are moved to delivered (some split first), and a racer re-posts a
share of the delivered events twice in parallel, so two HTTP workers hold the same event at
once. At the end: one Gelato order per sale order created exactly once, every event recorded
once, statuses, tracking, mails and chatter as the sandbox implies.

Full size (`make bench`): 300 orders; `make test` runs 30.
"""

import json
import queue
import random
import threading
import time

import reliability as rel
import requests
from common import (
    WEBHOOK_SECRET,
    Bench,
    machine_note,
)

SIZES = {"full": {"orders": 300, "batch": 5}, "short": {"orders": 30, "batch": 3}}
RACE_SHARE = 0.25  # of the delivered events, posted again twice at once
SPLIT_SHARE = 0.5


def run(size="full"):
    params = SIZES[size]
    bench = Bench("concurrency" if size == "full" else "concurrency_%s" % size)
    print(
        "Concurrency (%s): %s orders sent by 2 worker processes and the cron worker while "
        "webhooks arrive (some twice at once); %s" % (size, params["orders"], machine_note()),
        flush=True,
    )
    rng = rel.new_rng("concurrency")
    with rel.world(bench, sandbox_config={"latency_ms": 15}) as world:
        registry, sandbox = world.registry, world.sandbox
        racer = Racer(world.odoo_url, sandbox, rng)
        started = time.monotonic()
        # Two inbox workers (as two cron workers) apply the webhooks, with the server's own.
        inbox = rel.SendWorkers(2, batch_size=20, job="inbox")
        with inbox, rel.SendWorkers(2, batch_size=3) as workers:
            names = _drive(bench, world, params, rng, racer)
            worker_stats = workers.stop()
            if not rel.wait_for_webhooks(sandbox, timeout=900):
                bench.problem("the sandbox still had events to deliver after 15 minutes")
            if not rel.wait_for_inbox(registry, world.make_env, timeout=900):
                bench.problem("the inbox still had events to apply after 15 minutes")
            inbox_stats = inbox.stop()
        racer.stop()
        seconds = time.monotonic() - started
        tally = rel.compare_with_sandbox(bench, registry, sandbox, names)
        deliveries, distinct, _duplicates = rel.check_events(bench, registry, sandbox)
    extra = tally["extra creates (drafts deleted and made again)"]
    if extra:
        bench.problem("%s orders were created more than once at Gelato" % extra)
    for problem in racer.problems[:20]:
        bench.problem(problem)
    for index, stats in enumerate(inbox_stats, 1):
        bench.record(
            "webhook events applied by inbox worker %s" % index,
            stats.get("orders", 0),
            "events",
            note="%s batches, %s transactions rolled back"
            % (stats.get("batches", 0), stats.get("rolled back", 0)),
        )
    by_workers = sum(stats.get("orders", 0) for stats in worker_stats)
    bench.record("orders confirmed", len(names), "orders")
    for index, stats in enumerate(worker_stats, 1):
        bench.record(
            "orders taken by send worker %s" % index,
            stats.get("orders", 0),
            "orders",
            note="%s batches, %s transactions rolled back"
            % (stats.get("batches", 0), stats.get("rolled back", 0)),
        )
    bench.record(
        "orders taken by the cron worker or promoted after commit",
        max(len(names) - by_workers, 0),
        "orders",
    )
    bench.record(
        "Gelato orders created (one per sale order expected)",
        tally["orders"] + extra,
        "orders",
        baseline=len(names),
    )
    bench.record("events delivered by Gelato", deliveries, "events")
    bench.record("events posted twice at the same moment", racer.raced, "events")
    bench.record("seconds for the whole run", seconds, "s")
    bench.record("lost or duplicated (problems found)", len(bench.problems), "problems")
    print(
        "  tried: %s orders, %s events (%s raced twice at once); lost or duplicated: %s"
        % (len(names), distinct, racer.raced, len(bench.problems) or "nothing"),
        flush=True,
    )
    bench.write()
    return bench


def _drive(bench, world, params, rng, racer):
    """Confirm orders in a thread; move each placed order to delivered (some split first)."""
    registry, sandbox = world.registry, world.sandbox
    confirmer = rel.Confirmer(
        registry,
        world.make_env,
        world.ids,
        params["orders"],
        rel.new_rng("concurrency-confirm"),
        params["batch"],
        pause=0.1,
    )
    moved = set()
    deadline = time.monotonic() + (1800 if params["orders"] > 100 else 600)
    while time.monotonic() < deadline:
        placed = rel.placed(registry, list(confirmer.names))
        new = {name: gelato_ids for name, gelato_ids in placed.items() if name not in moved}
        if not new and not confirmer.is_alive() and len(moved) >= len(confirmer.names):
            break
        lines = rel.item_counts(registry, list(new)) if new else {}
        for name, gelato_ids in new.items():
            moved.add(name)
            parts = list(gelato_ids)
            if len(parts) == 1 and lines.get(name, 0) > 1 and rng.random() < SPLIT_SHARE:
                split = sandbox.admin("orders/%s/split" % parts[0], {"parts": 2, "notify": True})
                parts = [part["id"] for part in split["orders"]]
            for gelato_id in parts:
                sandbox.admin(
                    "orders/%s/advance" % gelato_id,
                    {"to": "delivered", "packages": rng.choice((1, 2))},
                )
        racer.race_new_events()
        time.sleep(0.3)
    else:
        bench.problem("the orders were not all placed in time")
    return confirmer.join()


class Racer:
    """Posts a share of the events Gelato delivered again, twice at the same moment.

    One race at a time (two connections at once), from its own thread: Gelato does not open
    hundreds of connections at once, and Odoo's listening queue is short.
    """

    def __init__(self, odoo_url, sandbox, rng):
        self.url = odoo_url + "/gelato/webhook"
        self.sandbox = sandbox
        self.rng = random.Random(rng.random())
        self.since = 0
        self.raced = 0
        self.problems = []
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="racer")
        self.thread.start()

    def race_new_events(self):
        log = self.sandbox.admin("webhooks?since=%s" % self.since)
        self.since = log["total"]
        for delivery in log["deliveries"]:
            if self.rng.random() < RACE_SHARE:
                self.queue.put(delivery["payload"])

    def _run(self):
        while (payload := self.queue.get()) is not None:
            self._race(payload)

    def _race(self, payload):
        barrier = threading.Barrier(2)
        body = json.dumps(payload)
        headers = {"Content-Type": "application/json", "signature": WEBHOOK_SECRET}
        answers = []

        def post():
            barrier.wait()
            try:
                response = requests.post(self.url, data=body, headers=headers, timeout=120)
                answers.append(response.status_code)
            except requests.RequestException as error:
                answers.append(repr(error))

        posters = [threading.Thread(target=post) for _index in range(2)]
        for poster in posters:
            poster.start()
        for poster in posters:
            poster.join()
        self.raced += 1
        if answers != [200, 200]:
            self.problems.append(
                "event %s posted twice at once: answers %s" % (payload["id"], answers)
            )

    def stop(self):
        """Finish the races still queued."""
        self.queue.put(None)
        self.thread.join(timeout=900)


if __name__ == "__main__":
    rel.main(run)
