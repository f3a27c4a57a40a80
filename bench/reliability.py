"""Shared parts of the reliability runs (bench_soak, bench_faults, bench_concurrency).

Each run puts real orders through a real Odoo server (its own process: HTTP workers for
Gelato's webhooks and the print-file downloads, a cron worker for the send job) and the Gelato
sandbox, then compares every sale order with what the sandbox holds: the sandbox is Gelato, so
whatever it says happened must be what Odoo shows, once, and nothing more.

Here: the world the orders live in (:func:`configure`), confirming orders (:func:`confirm`),
reading back what was placed (:func:`placed`), clock control of the send job
(:func:`fast_forward`), an external send worker (``python bench/reliability.py send-worker``)
and the final comparison (:func:`compare_with_sandbox`), which records every difference as a
problem of the run.
"""

import base64
import io
import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

from common import (
    REPO_ROOT,
    RESULTS_DIR,
    WEBHOOK_SECRET,
    OdooServer,
    Sandbox,
    bench_database,
    create_customer,
    free_port,
    odoo_env,
    point_company_at_sandbox,
    template_fixture,
)

# Gelato's journey, in order (tools/ is on the path once common is imported).
from gelato_sandbox.orders import PROGRESSION

POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"
MUG_UID = "mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"
TEMPLATES = {"poster": ("poster-30x40-matte", POSTER_UID), "mug": ("mug-11oz-15oz", MUG_UID)}
PRODUCT_CODE = "REL-%s"  # default_code of the run's products (found again on a rerun)
SHIPPED_SUBJECT = "is on its way"
DELIVERED_SUBJECT = "has been delivered"
NOTE_RE = re.compile(r"Gelato order ([\w-]+): ([\w ]+)\.")


# System parameters a run changes, put back when it ends.
SETTINGS_KEPT = ("web.base.url", "web.base.url.freeze", "gelato_connector.order_request_timeout")


class World:
    """What a run works with: the database, the sandbox, the Odoo server, the records."""

    def __init__(self, registry, make_env, sandbox, odoo_url, ids):
        self.registry = registry
        self.make_env = make_env
        self.sandbox = sandbox
        self.odoo_url = odoo_url
        self.ids = ids


@contextmanager
def world(bench, webhooks=True, sandbox_config=None, request_timeout=3):
    """The sandbox (POSTing its webhooks to the server when ``webhooks``), the company
    configured by :func:`configure`, and a real Odoo server (2 HTTP workers, 1 cron worker);
    their logs go to bench/results/<run>-sandbox.log and -odoo.log."""
    registry, make_env = odoo_env()
    port = free_port()
    odoo_url = "http://127.0.0.1:%s" % port
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with Sandbox(
        webhook_url=odoo_url + "/gelato/webhook" if webhooks else None,
        log_path=RESULTS_DIR / ("%s-sandbox.log" % bench.name),
        log_level="WARNING",
    ) as sandbox:
        sandbox.admin("config", {"webhook_retry_delay": 1, **(sandbox_config or {})})
        with registry.cursor() as cr:
            icp = make_env(cr)["ir.config_parameter"]
            saved = {key: icp.get_param(key) for key in SETTINGS_KEPT}
            ids = configure(make_env(cr), sandbox.url, odoo_url, request_timeout)
        try:
            with OdooServer(
                *bench_database(),
                workers=2,
                cron_threads=1,
                port=port,
                log_path=RESULTS_DIR / ("%s-odoo.log" % bench.name),
            ):
                yield World(registry, make_env, sandbox, odoo_url, ids)
        finally:
            # The next script on this database must not inherit this run's settings.
            with registry.cursor() as cr:
                icp = make_env(cr)["ir.config_parameter"]
                for key, value in saved.items():
                    icp.set_param(key, value or False)


def main(run):
    """A run's command line: ``python bench/bench_<run>.py [full|short]``."""
    bench = run(size())
    print("  written to %s" % bench.write().relative_to(REPO_ROOT))
    sys.exit(1 if bench.problems else 0)


def size():
    """``full`` (make bench) or ``short`` (make test), from argv or BENCH_SIZE."""
    value = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SIZE", "full")
    if value not in ("full", "short"):
        raise SystemExit("size must be full or short, not %r" % value)
    return value


def png(width_mm, height_mm, dpi=150):
    from PIL import Image

    pixels = (round(width_mm / 25.4 * dpi), round(height_mm / 25.4 * dpi))
    buffer = io.BytesIO()
    Image.new("RGB", pixels, (200, 90, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def configure(env, sandbox_url, odoo_url, request_timeout=3):
    """Point the company at the sandbox, automatic approval, webhook secret; a customer and
    two Gelato products (a poster and a mug, made as a synchronisation makes them, with print
    files). Safe to run again on the same database.

    :return: dict of record ids (``customer``, ``poster``, ``mug``, ``carrier``).
    """
    company = point_company_at_sandbox(env, sandbox_url, odoo_url)
    company.write({"gelato_webhook_secret": WEBHOOK_SECRET, "gelato_webhook_header": "signature"})
    # Other companies must not answer the webhook with this secret.
    (env["res.company"].search([]) - company).write({"gelato_webhook_secret": False})
    icp = env["ir.config_parameter"]
    icp.set_param("web.base.url.freeze", "True")
    icp.set_param("gelato_connector.order_request_timeout", str(request_timeout))
    customer = env["res.partner"].search([("ref", "=", "REL-CUSTOMER")], limit=1)
    if not customer:
        customer = create_customer(env, ref="REL-CUSTOMER", phone="+46 8 123 456")
    ids = {"customer": customer.id}
    for key, (template_ref, uid) in TEMPLATES.items():
        product = env["product.product"].search([("default_code", "=", PRODUCT_CODE % key)])
        if not product:
            data = template_fixture(template_ref, uid)
            template = env["product.template"].create(
                {
                    "name": "Reliability %s" % key,
                    "type": "consu",
                    "list_price": 20,
                    "default_code": PRODUCT_CODE % key,
                    "gelato_template_ref": template_ref,
                }
            )
            template._gelato_apply_template_data(data)
            for placement in template.gelato_placement_ids:
                env["gelato.print.file"].create(
                    {
                        "placement_id": placement.id,
                        "datas": png(placement.width_mm, placement.height_mm),
                        "filename": "%s.png" % key,
                    }
                )
            product = template.product_variant_id
            product.default_code = PRODUCT_CODE % key
        ids[key] = product.id
    ids["carrier"] = env.ref("gelato_connector.delivery_carrier_gelato_standard").id
    # Orders an earlier run left waiting would reach this run's Gelato: set them aside.
    env.cr.execute(
        "UPDATE sale_order SET gelato_state = 'cancelled' WHERE gelato_state IN "
        "('queued', 'pending_approval', 'pending_artwork', 'pending_personalization')"
    )
    return ids


def confirm(
    registry, make_env, ids, count, rng, two_line_share=0.35, batch=20, pause=0.0, names=None
):
    """Confirm ``count`` Gelato orders (a poster, and a mug too for ``two_line_share`` of
    them), ``batch`` per committed transaction as a busy shop would; each commit queues them
    and wakes the send job.

    :param list names: where to add each batch's order names once committed (for a reader
        in another thread).
    :return: the names of the orders, in confirmation order.
    """
    names = [] if names is None else names
    done = 0
    while done < count:
        with registry.cursor() as cr:
            env = make_env(cr)
            carrier = env["delivery.carrier"].browse(ids["carrier"])
            orders = env["sale.order"]
            for _index in range(min(batch, count - done)):
                products = [ids["poster"]]
                if rng.random() < two_line_share:
                    products.append(ids["mug"])
                order = env["sale.order"].create(
                    {
                        "partner_id": ids["customer"],
                        "order_line": [
                            (0, 0, {"product_id": product_id, "product_uom_qty": 1})
                            for product_id in products
                        ],
                    }
                )
                order.set_delivery_line(carrier, 5.0)
                orders |= order
            orders.action_confirm()
            bad = orders.filtered(lambda o: o.gelato_state != "queued")
            if bad:
                raise RuntimeError(
                    "confirmed orders not queued: %s"
                    % bad.mapped(lambda o: (o.name, o.gelato_state))
                )
            batch_names = orders.mapped("name")
            done += len(orders)
        names += batch_names
        if pause:
            time.sleep(pause)
    return names


class Confirmer:
    """:func:`confirm` in a thread (a shop taking orders while the rest goes on).

    ``names`` grows as batches are committed; :meth:`join` returns them all, or raises what
    stopped the thread.
    """

    def __init__(self, registry, make_env, ids, count, rng, batch, pause=0.2):
        self.names = []
        self.failure = []

        def run():
            try:
                confirm(
                    registry, make_env, ids, count, rng, batch=batch, pause=pause, names=self.names
                )
            except Exception as error:  # raised again by join()
                self.failure.append(error)

        self.thread = threading.Thread(target=run, name="confirm")
        self.thread.start()

    def is_alive(self):
        return self.thread.is_alive()

    def join(self):
        self.thread.join()
        if self.failure:
            raise self.failure[0]
        return list(self.names)


def placed(registry, names=None):
    """``{sale order name: [Gelato order ids]}`` of the orders that are `sent` (placed)."""
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT so.name, array_agg(go.gelato_id ORDER BY go.id)
              FROM sale_order so JOIN gelato_order go ON go.sale_order_id = so.id
             WHERE so.gelato_state = 'sent' AND go.order_type = 'order'
               AND (%s IS NULL OR so.name = ANY(%s))
             GROUP BY so.name
            """,
            [names, names or []],
        )
        return dict(cr.fetchall())


def item_counts(registry, names):
    """``{sale order name: number of Gelato lines}``."""
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT so.name, count(l.id)
              FROM sale_order so JOIN sale_order_line l ON l.order_id = so.id
             WHERE so.name = ANY(%s) AND l.display_type IS NULL AND NOT l.is_delivery
             GROUP BY so.name
            """,
            [list(names)],
        )
        return dict(cr.fetchall())


def states(registry, names):
    """``Counter`` of the gelato_state of these orders."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT gelato_state, count(*) FROM sale_order WHERE name = ANY(%s) GROUP BY 1",
            [names],
        )
        return Counter(dict(cr.fetchall()))


def fast_forward(registry, make_env):
    """Let the send job's back-off delays pass now (the clock of a long outage, compressed):
    queued orders waiting for a later attempt become due and the job is woken up.

    :return: how many orders were made due.
    """
    with registry.cursor() as cr:
        # Read committed: the update waits for the rows a running batch holds, then takes
        # them as that batch left them (repeatable read would fail on them).
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        # Whole seconds, as the ORM writes them: the job compares with a now cut to the second.
        cr.execute(
            """
            UPDATE sale_order
               SET gelato_next_attempt = date_trunc('second', now() at time zone 'UTC')
             WHERE gelato_state = 'queued' AND gelato_next_attempt > now() at time zone 'UTC'
            """
        )
        count = cr.rowcount
        make_env(cr)["sale.order"]._gelato_trigger_send()
    with registry.cursor() as cr:
        # The same for webhook events waiting for Gelato's answer (the inbox's back-off).
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cr.execute(
            """
            UPDATE gelato_webhook_event
               SET next_attempt = date_trunc('second', now() at time zone 'UTC')
             WHERE state = 'received' AND next_attempt > now() at time zone 'UTC'
            """
        )
        count += cr.rowcount
        make_env(cr)["gelato.webhook.event"]._gelato_trigger_inbox()
    return count


def received_events(registry):
    """How many webhook events wait in the inbox (recorded, not applied yet)."""
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM gelato_webhook_event WHERE state = 'received'")
        return cr.fetchone()[0]


def wait_for_inbox(registry, make_env, timeout):
    """Until the inbox job has applied every received event, the back-off delays let pass
    (twice in a row empty: a batch may have just taken the last ones)."""
    calm = []

    def empty():
        calm.append(received_events(registry) == 0)
        return calm[-2:] == [True, True]

    return wait_until(empty, timeout, interval=0.5, tick=lambda: fast_forward(registry, make_env))


def wait_until(predicate, timeout, interval=0.5, tick=None):
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed (``tick`` between)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick:
            tick()
        time.sleep(interval)
    return predicate()


def wait_for_webhooks(sandbox, timeout):
    """Until the sandbox has delivered every queued event (held ones don't count)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sandbox.admin("webhooks/wait", {"timeout": 20}, timeout=40).get("idle"):
            return True
    return False


# === What Odoo holds vs what Gelato (the sandbox) holds === #


def _rank(status):
    return PROGRESSION.index(status) if status in PROGRESSION else -1


def compare_with_sandbox(bench, registry, sandbox, names, mails=True):
    """Record as problems every difference between Odoo and the sandbox for these orders.

    - exactly one Gelato order per sale order (counters ``orders == 1``, no draft left), the
      parts of a split recorded, no Gelato order without its sale order;
    - each part's status, each line's status, Gelato order and tracking codes as at Gelato;
    - the sale order's status is its least advanced part;
    - (``mails``) the customer got one "shipped" mail per part that shipped and one "delivered"
      mail per part delivered — never two — and each step of the journey is in the chatter
      at most once per part.

    :return: dict of tallies (orders, parts, lines, tracking codes, mails).
    """
    counters = sandbox.admin("counters")["ordersByReference"]
    remote = defaultdict(list)
    for order in sandbox.admin("orders", timeout=120)["orders"]:
        if order["orderReferenceId"] in counters and order["orderType"] == "order":
            remote[order["orderReferenceId"]].append(order)
    tally = Counter()
    for reference in sorted(set(counters) - set(names)):
        bench.problem("Gelato holds orders of %s, which is not an order of this run" % reference)
    local = _read_local(registry, names, mails)
    for name in names:
        counter = counters.get(name)
        if not counter:
            bench.problem("%s: lost, Gelato never received it" % name)
            continue
        if counter["orders"] != 1 or counter["drafts"]:
            bench.problem(
                "%s: %s Gelato orders and %s drafts (one order expected)"
                % (name, counter["orders"], counter["drafts"])
            )
        tally["orders"] += 1
        tally["extra creates (drafts deleted and made again)"] += counter["creates"] - 1
        state, so_status = local["orders"][name]
        if state != "sent":
            bench.problem("%s: gelato_state %s, not sent" % (name, state))
        parts = remote[name]
        local_parts = local["parts"][name]
        if set(local_parts) != {o["id"] for o in parts}:
            bench.problem(
                "%s: Odoo knows Gelato orders %s, Gelato has %s"
                % (name, sorted(local_parts), sorted(o["id"] for o in parts))
            )
        for part in parts:
            _compare_part(bench, tally, name, part, local)
        least = min((p["fulfillmentStatus"] for p in parts), key=_rank, default=None)
        if least and so_status != least:
            bench.problem(
                "%s: status %s in Odoo, its least advanced part is %s" % (name, so_status, least)
            )
        if mails:
            _compare_mails(bench, tally, name, parts, local["messages"][name])
    return tally


def _read_local(registry, names, mails):
    """What Odoo holds for these orders, read in a few queries."""
    local = {
        "orders": {},
        "parts": defaultdict(dict),
        "lines": defaultdict(dict),
        "messages": defaultdict(list),
    }
    with registry.cursor() as cr:
        cr.execute(
            "SELECT name, gelato_state, gelato_fulfillment_status FROM sale_order "
            "WHERE name = ANY(%s)",
            [list(names)],
        )
        local["orders"] = {name: (state, status) for name, state, status in cr.fetchall()}
        cr.execute(
            """
            SELECT so.name, go.gelato_id, go.order_type, go.fulfillment_status,
                   go.shipped_notified, go.delivered_notified
              FROM gelato_order go JOIN sale_order so ON so.id = go.sale_order_id
             WHERE so.name = ANY(%s)
            """,
            [list(names)],
        )
        for name, gelato_id, *values in cr.fetchall():
            local["parts"][name][gelato_id] = tuple(values)
        cr.execute(
            """
            SELECT so.name, l.id, l.gelato_status, go.gelato_id,
                   ARRAY(SELECT t.tracking_code FROM gelato_tracking t
                          WHERE t.sale_line_id = l.id ORDER BY 1)
              FROM sale_order_line l JOIN sale_order so ON so.id = l.order_id
              LEFT JOIN gelato_order go ON go.id = l.gelato_order_id
             WHERE so.name = ANY(%s) AND l.display_type IS NULL AND NOT l.is_delivery
            """,
            [list(names)],
        )
        for name, line_id, status, gelato_id, codes in cr.fetchall():
            local["lines"][name][str(line_id)] = (status, gelato_id, list(codes))
        if mails:
            cr.execute(
                """
                SELECT so.name, m.message_type, m.subject, m.body
                  FROM mail_message m JOIN sale_order so
                    ON m.model = 'sale.order' AND m.res_id = so.id
                 WHERE so.name = ANY(%s)
                """,
                [list(names)],
            )
            for name, message_type, subject, body in cr.fetchall():
                local["messages"][name].append((message_type, subject or "", body or ""))
    return local


def _compare_part(bench, tally, name, part, local):
    """One Gelato order (part) and its items against Odoo's record of them."""
    tally["parts"] += 1
    status = part["fulfillmentStatus"]
    mine = local["parts"][name].get(part["id"])
    if mine and mine[:2] != ("order", status):
        bench.problem(
            "%s: Gelato order %s is %s at Gelato, %s/%s in Odoo"
            % (name, part["id"], status, mine[0], mine[1])
        )
    codes = defaultdict(set)
    for package in (part.get("shipment") or {}).get("packages") or []:
        for item in part["items"]:
            if item["id"] in package["orderItemIds"]:
                codes[item["itemReferenceId"]].add(package["trackingCode"])
    for item in part["items"]:
        tally["lines"] += 1
        reference = item["itemReferenceId"]
        expected = (item["fulfillmentStatus"], part["id"], sorted(codes[reference]))
        tally["tracking codes"] += len(expected[2])
        line = local["lines"][name].get(reference)
        if line != expected:
            bench.problem("%s line %s: Odoo %s, Gelato %s" % (name, reference, line, expected))
    if mine and local["messages"][name]:
        _check_part_messages(bench, tally, name, part, mine, local["messages"][name])


def _compare_mails(bench, tally, name, parts, messages):
    """One "shipped" mail per part shipped and one "delivered" per part delivered, at most."""
    shipped_parts = sum(1 for p in parts if _rank(p["fulfillmentStatus"]) >= 4)
    delivered_parts = sum(1 for p in parts if p["fulfillmentStatus"] == "delivered")
    shipped_mails = sum(1 for m in messages if SHIPPED_SUBJECT in m[1])
    delivered_mails = sum(1 for m in messages if DELIVERED_SUBJECT in m[1])
    tally["shipped mails"] += shipped_mails
    tally["delivered mails"] += delivered_mails
    # A part delivered before its "shipped" event arrived gets only the delivered mail.
    if delivered_mails != delivered_parts or not (
        shipped_parts - delivered_parts <= shipped_mails <= shipped_parts
    ):
        bench.problem(
            "%s: %s shipped and %s delivered mails for %s parts shipped, %s delivered"
            % (name, shipped_mails, delivered_mails, shipped_parts, delivered_parts)
        )


def _check_part_messages(bench, tally, name, part, mine, messages):
    """One chatter note per step of the journey and part; the part's mail flags set."""
    _order_type, _status, shipped_flag, delivered_flag = mine
    status = part["fulfillmentStatus"]
    steps = Counter()
    for message_type, _subject, body in messages:
        if message_type not in ("notification", "comment"):
            continue
        for gelato_id, label in NOTE_RE.findall(body):
            if gelato_id == part["id"]:
                steps[label] += 1
    for label, count in steps.items():
        if count > 1 and label != "new tracking":
            bench.problem(
                "%s: '%s' noted %s times for Gelato order %s" % (name, label, count, part["id"])
            )
    tally["journey notes"] += sum(c for label, c in steps.items() if label != "new tracking")
    if _rank(status) >= 4 and not shipped_flag:
        bench.problem(
            "%s: Gelato order %s is %s but no shipped mail was recorded"
            % (name, part["id"], status)
        )
    if status == "delivered" and not delivered_flag:
        bench.problem("%s: Gelato order %s delivered without its mail" % (name, part["id"]))


def check_events(bench, registry, sandbox, since=0):
    """Every event the sandbox delivered was answered 2xx and recorded once; none failed.

    :return: (deliveries, distinct events, duplicates delivered).
    """
    log = sandbox.admin("webhooks?payloads=0&since=%s" % since, timeout=120)
    deliveries = log["deliveries"]
    failed = [d for d in deliveries if d["state"] != "delivered"]
    for delivery in failed[:20]:
        bench.problem(
            "event %s (%s) was not delivered: %s, attempts %s"
            % (delivery["eventId"], delivery["event"], delivery["state"], delivery["attempts"][-1:])
        )
    if len(failed) > 20:
        bench.problem("... and %s more events not delivered" % (len(failed) - 20))
    retried = [d for d in deliveries if len(d["attempts"]) > 1]
    if retried:
        bench.problem(
            "%s events needed a second attempt (Odoo answered non-2xx), e.g. %s"
            % (len(retried), [(d["eventId"], d["attempts"][0]) for d in retried[:3]])
        )
    ids = {d["eventId"] for d in deliveries}
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT event_id, count(*), array_agg(DISTINCT state), max(message)
              FROM gelato_webhook_event WHERE event_id = ANY(%s) GROUP BY event_id
            """,
            [list(ids)],
        )
        recorded = {row[0]: row[1:] for row in cr.fetchall()}
    lost = ids - set(recorded)
    for event_id in sorted(lost)[:20]:
        bench.problem("event %s delivered but not recorded" % event_id)
    for event_id, (count, event_states, message) in recorded.items():
        if count != 1:
            bench.problem("event %s recorded %s times" % (event_id, count))
        if "error" in event_states:
            bench.problem("event %s failed in Odoo: %s" % (event_id, message))
        if "received" in event_states:
            bench.problem("event %s was never applied (still in the inbox)" % event_id)
    return len(deliveries), len(ids), len(deliveries) - len(ids)


# === An external send worker: the job, run as the cron runner runs it === #


JOBS = {
    "send": lambda env, batch_size: env["sale.order"]._cron_gelato_send_orders(
        batch_size=batch_size
    ),
    "inbox": lambda env, batch_size: env[
        "gelato.webhook.event"
    ]._cron_gelato_process_webhook_events(batch_size=batch_size),
}


def send_worker(batch_size, deadline_seconds, job="send"):
    """Run the send job (or the webhook inbox job) in a loop in this process until SIGTERM
    or the deadline: one batch per transaction, committed (the post-commit hook then promotes
    the batch's drafts), a serialisation failure rolled back and retried, as Odoo's cron
    runner does.

    Prints one JSON line at the end: batches, records handled, rolled back transactions.
    """
    import psycopg2.errors

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    registry, make_env = odoo_env(log_level="warn")
    stats = Counter()
    deadline = time.monotonic() + deadline_seconds
    while not stop and time.monotonic() < deadline:
        try:
            with registry.cursor() as cr:
                orders = JOBS[job](make_env(cr), batch_size)
                stats["orders"] += len(orders)
                stats["batches"] += bool(orders)
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected):
            stats["rolled back"] += 1
            continue
        if not orders:
            time.sleep(0.2)
    print(json.dumps(dict(stats)), flush=True)


class SendWorkers:
    """``count`` send-worker processes (each its own Odoo registry and database connection)."""

    def __init__(self, count, batch_size=5, deadline_seconds=3600, job="send"):
        import subprocess

        script = str(Path(__file__).resolve())
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    script,
                    "send-worker",
                    str(batch_size),
                    str(deadline_seconds),
                    job,
                ],
                stdout=subprocess.PIPE,
                text=True,
                env=dict(os.environ),
            )
            for _index in range(count)
        ]

    def stop(self):
        """Stop the workers after their current batch; return their stats."""
        results = []
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                out, _err = process.communicate(timeout=120)
            except Exception:
                process.kill()
                out, _err = process.communicate()
            last = [line for line in (out or "").splitlines() if line.startswith("{")]
            results.append(json.loads(last[-1]) if last else {"exit": process.returncode})
        return results

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def new_rng(seed_name):
    seed = int(os.environ.get("BENCH_SEED", "7"))
    return random.Random("%s-%s" % (seed_name, seed))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "send-worker":
    send_worker(int(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:5])
