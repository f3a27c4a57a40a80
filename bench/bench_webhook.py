"""Webhook: the acknowledgement against Odoo's /web/health, and the inbox job applying events.

1. Acknowledgement. An Odoo server (its own process, 2 HTTP workers, no cron) serves both
   routes; 8 client connections on loopback post Gelato events (``order_status_updated``,
   a new event id per request), spread over many orders and all on one order, and call
   /web/health, in the same run. With 10 orders in the database and with 100,000 (the cost
   must not grow with history); requests/s ratio, p50/p99, every answer 2xx.
2. The inbox. 1,000 orders placed at a Gelato sandbox and shipped there, 10,000 events posted
   for them (10 per order, every event type), then a server with 2 cron workers applies them:
   events/s with the sandbox answering at 0 ms and at 200 ms, and Gelato GETs per event.
3. Acknowledgement to customer mail: one shipment event per order posted at a steady pace to
   a server whose 2 cron workers run the inbox; the time until the shipped mail is in the
   order's chatter, p50/p99.

Run with `make bench` (or `make bench ARGS=bench/bench_webhook.py`).
"""

import itertools
import json
import os
import sys
import threading
import time

import requests
from common import (
    REPO_ROOT,
    SANDBOX_API_KEY,
    WEBHOOK_SECRET,
    Bench,
    OdooServer,
    PrintFileServer,
    Sandbox,
    bench_database,
    machine_note,
    median,
    odoo_env,
    percentile,
)
from gelato_sandbox.shapes import RECIPIENT

SECRET = WEBHOOK_SECRET
CLIENTS = int(os.environ.get("BENCH_WEBHOOK_CLIENTS", "8"))
REQUESTS = int(os.environ.get("BENCH_WEBHOOK_REQUESTS", "2000"))
BIG = int(os.environ.get("BENCH_WEBHOOK_ORDERS", "100000"))
INBOX_ORDERS = int(os.environ.get("BENCH_INBOX_ORDERS", "1000"))
INBOX_EVENTS_PER_ORDER = 10
MAIL_ORDERS = int(os.environ.get("BENCH_MAIL_ORDERS", "200"))
POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"
# Forward-only statuses without customer mails: the steady cost of an event.
STATUSES = ("passed", "in_production", "printed")


def prepare_orders(env, count):
    """``count`` sent Gelato orders (one line each), cloned in SQL from one real order."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM gelato_order WHERE gelato_id LIKE 'bench-%%'")
    existing = cr.fetchone()[0]
    if existing >= count:
        return
    if not existing:
        env.company.write({"gelato_webhook_secret": SECRET, "gelato_webhook_header": "signature"})
        partner = env["res.partner"].create({"name": "Bench Customer", "email": "b@example.com"})
        product = env["product.product"].create({"name": "Bench Poster", "type": "consu"})
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        order.gelato_state = "sent"
        env["gelato.order"].create(
            {
                "sale_order_id": order.id,
                "gelato_id": "bench-0",
                "order_type": "order",
                "fulfillment_status": "created",
            }
        )
        env.cr.commit()
        existing = 1
    cr.execute("SELECT min(sale_order_id) FROM gelato_order WHERE gelato_id = 'bench-0'")
    template_id = cr.fetchone()[0]

    def columns(table, skip):
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            [table],
        )
        return [c for (c,) in cr.fetchall() if c not in skip]

    so_cols = columns("sale_order", {"id", "name"})
    line_cols = columns("sale_order_line", {"id", "order_id"})
    go_cols = columns("gelato_order", {"id", "sale_order_id", "gelato_id"})
    missing = count - existing
    cr.execute(
        f"""
        WITH new_orders AS (
            INSERT INTO sale_order (name, {", ".join(so_cols)})
            SELECT 'BENCH' || g, {", ".join(so_cols)}
              FROM sale_order, generate_series(%s, %s) g
             WHERE sale_order.id = %s
            RETURNING id, name
        ), new_lines AS (
            INSERT INTO sale_order_line (order_id, {", ".join(line_cols)})
            SELECT new_orders.id, {", ".join("l." + c for c in line_cols)}
              FROM new_orders, sale_order_line l
             WHERE l.order_id = %s
        )
        INSERT INTO gelato_order (sale_order_id, gelato_id, {", ".join(go_cols)})
        SELECT new_orders.id, 'bench-' || substr(new_orders.name, 6),
               {", ".join("o." + c for c in go_cols)}
          FROM new_orders, gelato_order o
         WHERE o.gelato_id = 'bench-0'
        """,
        [existing, count - 1, template_id, template_id],
    )
    cr.execute("ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE gelato_order;")
    cr.commit()
    print("  (%s orders added in SQL)" % missing, flush=True)


def load(url, make_request, total, clients=CLIENTS):
    """Send ``total`` requests over ``clients`` connections (one thread and one keep-alive
    session each, as wrk does); return (requests/s, latencies, non-2xx statuses)."""
    counter = itertools.count()
    latencies, errors = [], []
    lock = threading.Lock()

    def client():
        session = requests.Session()
        while (index := next(counter)) < total:
            method, kwargs = make_request(index)
            start = time.perf_counter()
            response = session.request(method, url, timeout=60, **kwargs)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not 200 <= response.status_code < 300:
                    errors.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total / (time.perf_counter() - start), latencies, errors


HEADERS = {"Content-Type": "application/json", "signature": SECRET}


def measure(bench, base, orders, label, event_ids):
    """The acknowledgement against /web/health: events over many orders, then on one.

    /web/health is measured right before and right after each webhook run, and the webhook is
    compared with both together: a machine whose speed drifts during the run (two cores
    shared with the client) moves the baseline with it.
    """

    def health():
        return load(base + "/web/health", lambda i: ("GET", {}), REQUESTS // 2)

    before = health()
    results = {}
    health_figures = []
    for spread, order_count in (("many orders", orders), ("one order", 1)):
        hook_rps, hook_lat, hook_err = load(
            base + "/gelato/webhook", status_events(event_ids, order_count), REQUESTS
        )
        after = health()
        health_rps = (before[0] + after[0]) / 2
        health_lat = before[1] + after[1]
        health_err = before[2] + after[2]
        health_figures.append(health_rps)
        name = "webhook, %s orders, %s" % (label, spread)
        bench.record(
            "%s: events acknowledged/s (vs /web/health)" % name,
            hook_rps,
            "ev/s",
            baseline=health_rps,
            note="goal ≥ 0.9; /web/health %.0f before, %.0f after" % (before[0], after[0]),
        )
        bench.record(
            "%s: p50 latency" % name,
            median(hook_lat) * 1000,
            "ms",
            baseline=median(health_lat) * 1000,
        )
        bench.record(
            "%s: p99 latency" % name,
            percentile(hook_lat, 99) * 1000,
            "ms",
            baseline=percentile(health_lat, 99) * 1000,
            note="goal ≤ 1.5",
        )
        bench.record("%s: non-2xx answers" % name, len(hook_err), "answers", note="goal: 0")
        if health_err or hook_err:
            bench.problem("non-2xx: /web/health %s, webhook %s" % (health_err[:5], hook_err[:5]))
        results[spread] = hook_rps
        before = after
    bench.record("/web/health, %s orders: requests/s" % label, median(health_figures), "req/s")
    return results


def status_events(event_ids, order_count, order="bench-%s", reference="BENCH%s"):
    """The ``load`` request maker of ``order_status_updated`` events, a new id each, over
    ``order_count`` orders in turn (each event is deleted with the bench's events)."""

    def event(index):
        order_number = index % order_count
        payload = {
            "id": "os_bench_%s" % next(event_ids),
            "event": "order_status_updated",
            "orderId": order % order_number,
            "orderReferenceId": reference % order_number,
            "fulfillmentStatus": STATUSES[(index // order_count) % len(STATUSES)],
            "items": [],
        }
        return "POST", {"data": json.dumps(payload), "headers": HEADERS}

    return event


# === The inbox: orders at Gelato (the sandbox), events applied by the cron workers === #


def prepare_inbox_orders(env, prefix, count, sandbox, file_url):
    """``count`` sent orders (cloned in SQL from the bench's first order, so the customer has
    an e-mail) placed at the sandbox one by one and shipped there.

    :return: ``[{"id", "name", "line", "gelato_id"}]``.
    """
    cr = env.cr
    cr.execute(
        """
        SELECT so.id, l.id FROM gelato_order g
          JOIN sale_order so ON so.id = g.sale_order_id
          JOIN sale_order_line l ON l.order_id = so.id
         WHERE g.gelato_id = 'bench-0'
        """
    )
    template_id, _line_id = cr.fetchone()
    so_cols = _columns(cr, "sale_order", {"id", "name"})
    line_cols = _columns(cr, "sale_order_line", {"id", "order_id"})
    go_cols = _columns(cr, "gelato_order", {"id", "sale_order_id", "gelato_id"})
    cr.execute(
        f"""
        WITH new_orders AS (
            INSERT INTO sale_order (name, {", ".join(so_cols)})
            SELECT %s || g, {", ".join(so_cols)}
              FROM sale_order, generate_series(0, %s) g
             WHERE sale_order.id = %s
            RETURNING id, name
        ), new_lines AS (
            INSERT INTO sale_order_line (order_id, {", ".join(line_cols)})
            SELECT new_orders.id, {", ".join("l." + c for c in line_cols)}
              FROM new_orders, sale_order_line l
             WHERE l.order_id = %s
        )
        INSERT INTO gelato_order (sale_order_id, gelato_id, {", ".join(go_cols)})
        SELECT new_orders.id, 'pending-' || new_orders.name, {", ".join("o." + c for c in go_cols)}
          FROM new_orders, gelato_order o
         WHERE o.gelato_id = 'bench-0'
        """,
        [prefix, count - 1, template_id, template_id],
    )
    cr.execute(
        """
        SELECT so.id, so.name, l.id, g.id FROM sale_order so
          JOIN sale_order_line l ON l.order_id = so.id
          JOIN gelato_order g ON g.sale_order_id = so.id
         WHERE so.name LIKE %s ORDER BY so.id
        """,
        [prefix + "%"],
    )
    orders = []
    session = requests.Session()
    for order_id, name, line_id, gelato_order_id in cr.fetchall():
        response = session.post(
            sandbox.url + "/v4/orders",
            json={
                "orderType": "order",
                "orderReferenceId": name,
                "customerReferenceId": "bench",
                "currency": "EUR",
                "items": [
                    {
                        "itemReferenceId": str(line_id),
                        "productUid": POSTER_UID,
                        "quantity": 1,
                        "files": [{"type": "default", "url": file_url}],
                    }
                ],
                "shippingAddress": dict(RECIPIENT),
            },
            headers={"X-API-KEY": SANDBOX_API_KEY},
            timeout=30,
        )
        response.raise_for_status()
        gelato_id = response.json()["id"]
        cr.execute(
            "UPDATE gelato_order SET gelato_id = %s, fulfillment_status = 'created' WHERE id = %s",
            [gelato_id, gelato_order_id],
        )
        cr.execute(
            "UPDATE sale_order_line SET gelato_order_id = %s, gelato_status = 'created' "
            "WHERE id = %s",
            [gelato_order_id, line_id],
        )
        sandbox.admin("orders/%s/advance" % gelato_id, {"to": "shipped"})
        orders.append({"id": order_id, "name": name, "line": line_id, "gelato_id": gelato_id})
    cr.commit()
    return orders


def _columns(cr, table, skip):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
    return [c for (c,) in cr.fetchall() if c not in skip]


def inbox_events(order, event_ids):
    """Ten events of one shipped order, of every type, each with a new id (what Gelato
    sends for a shipment, and some progress before it)."""
    gid, ref, line = order["gelato_id"], order["name"], str(order["line"])
    base = {"orderId": gid, "orderReferenceId": ref}
    events = []
    for status in ("passed", "in_production", "printed"):
        events.append(
            {
                "event": "order_item_status_updated",
                "itemReferenceId": line,
                "status": status,
                **base,
            }
        )
        events.append(
            {"event": "order_status_updated", "fulfillmentStatus": status, "items": [], **base}
        )
    events.append(
        {
            "event": "order_item_tracking_code_updated",
            "itemReferenceId": line,
            "trackingCode": "T-%s" % gid[:8],
            **base,
        }
    )
    events.append(
        {"event": "order_item_status_updated", "itemReferenceId": line, "status": "shipped", **base}
    )
    events.append(
        {"event": "order_status_updated", "fulfillmentStatus": "shipped", "items": [], **base}
    )
    events.append(
        {
            "event": "order_delivery_estimate_updated",
            "minDeliveryDate": "2030-01-02",
            "maxDeliveryDate": "2030-01-05",
            **base,
        }
    )
    for event in events:
        event["id"] = "inbox_%s" % next(event_ids)
    return events[:INBOX_EVENTS_PER_ORDER]


def received(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM gelato_webhook_event WHERE state = 'received'")
        return cr.fetchone()[0]


def gelato_gets(sandbox):
    calls = sandbox.admin("counters")["calls"]
    return sum(count for key, count in calls.items() if key.startswith("GET /v4/orders/"))


def measure_inbox(bench, registry, sandbox, orders, latency_ms, event_ids):
    """Post 10 events per order (acknowledged, not applied: no cron), then let a server's two
    cron workers apply them with the sandbox answering after ``latency_ms``."""
    conf, db = bench_database()
    payloads = [event for order in orders for event in inbox_events(order, event_ids)]
    with OdooServer(conf, db, workers=2) as server:
        _rps, _lat, errors = load(
            server.url + "/gelato/webhook",
            lambda i: ("POST", {"data": json.dumps(payloads[i]), "headers": HEADERS}),
            len(payloads),
        )
    if errors:
        bench.problem("inbox: %s events not acknowledged: %s" % (len(errors), errors[:5]))
    waiting = received(registry)
    sandbox.admin("config", {"latency_ms": latency_ms})
    gets = gelato_gets(sandbox)
    with OdooServer(conf, db, workers=0, cron_threads=2):
        started = time.perf_counter()
        deadline = started + 3600
        while received(registry) and time.perf_counter() < deadline:
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    sandbox.admin("config", {"latency_ms": 0})
    left = received(registry)
    if left:
        bench.problem("inbox at %s ms: %s events still waiting after an hour" % (latency_ms, left))
    gets = gelato_gets(sandbox) - gets
    label = "inbox, sandbox at %s ms" % latency_ms
    bench.record(
        "%s: events applied/s (%s events, %s orders, 2 cron workers)"
        % (label, f"{waiting:,}", f"{len(orders):,}"),
        (waiting - left) / seconds,
        "ev/s",
    )
    bench.record(
        "%s: Gelato GETs per event" % label,
        gets / max(waiting, 1),
        "GET/ev",
        note="%s GETs for %s orders (goal ≤ 1 per order per batch)" % (gets, len(orders)),
    )
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM gelato_webhook_event WHERE event_id = ANY(%s) AND state = 'done'",
            [[p["id"] for p in payloads]],
        )
        done = cr.fetchone()[0]
    if done != len(payloads):
        bench.problem("%s: %s of %s events applied" % (label, done, len(payloads)))


def measure_mail_latency(bench, registry, orders, event_ids):
    """One shipment event per order, posted at a steady pace while two cron workers run the
    inbox: seconds from the acknowledgement to the shipped mail in the chatter."""
    conf, db = bench_database()
    acked, mailed = {}, {}
    names = {order["id"]: order for order in orders}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT DISTINCT res_id FROM mail_message WHERE model = 'sale.order' "
                    "AND res_id = ANY(%s) AND subject LIKE %s",
                    [list(names), "%is on its way%"],
                )
                now = time.perf_counter()
                for (order_id,) in cr.fetchall():
                    mailed.setdefault(order_id, now)
            time.sleep(0.05)

    with OdooServer(conf, db, workers=2, cron_threads=2) as server:
        watcher = threading.Thread(target=watch)
        watcher.start()
        session = requests.Session()
        try:
            for order in orders:
                payload = {
                    "id": "mail_%s" % next(event_ids),
                    "event": "order_status_updated",
                    "orderId": order["gelato_id"],
                    "orderReferenceId": order["name"],
                    "fulfillmentStatus": "shipped",
                    "items": [],
                }
                response = session.post(
                    server.url + "/gelato/webhook",
                    data=json.dumps(payload),
                    headers=HEADERS,
                    timeout=60,
                )
                acked[order["id"]] = time.perf_counter()
                if response.status_code != 200:
                    bench.problem("mail latency: event answered %s" % response.status_code)
                time.sleep(0.1)  # 10 orders shipped per second
            deadline = time.perf_counter() + 300
            while len(mailed) < len(orders) and time.perf_counter() < deadline:
                time.sleep(0.2)
        finally:
            stop.set()
            watcher.join()
    delays = [mailed[i] - acked[i] for i in acked if i in mailed]
    if len(delays) != len(orders):
        bench.problem("mail latency: %s of %s customers mailed" % (len(delays), len(orders)))
    bench.record("acknowledgement → shipped mail: p50", median(delays), "s")
    bench.record("acknowledgement → shipped mail: p99", percentile(delays, 99), "s")


def inbox_part(bench, registry, make_env, event_ids):
    with Sandbox() as sandbox, PrintFileServer() as files, registry.cursor() as cr:
        env = make_env(cr)
        company = env.company
        saved = {key: company[key] for key in ("gelato_api_key", "gelato_api_url")}
        company.write({"gelato_api_key": SANDBOX_API_KEY, "gelato_api_url": sandbox.url})
        cr.execute("DELETE FROM gelato_webhook_event WHERE state = 'received'")
        # Only the inbox runs: the hourly refresh of orders in flight would fetch the
        # bench's 100,000 cloned orders from the sandbox too (and count as GETs).
        cron = env.ref("gelato_connector.ir_cron_gelato_process_webhook_events")
        cr.execute("SELECT id FROM ir_cron WHERE active AND id != %s", [cron.id])
        paused = [row[0] for row in cr.fetchall()]
        cr.execute("UPDATE ir_cron SET active = false WHERE id = ANY(%s)", [paused])
        cr.commit()
        try:
            run = int(time.time())
            for latency_ms in (0, 200):
                orders = prepare_inbox_orders(
                    env, "INBOX%s-%s-" % (run, latency_ms), INBOX_ORDERS, sandbox, files.url
                )
                measure_inbox(bench, registry, sandbox, orders, latency_ms, event_ids)
            orders = prepare_inbox_orders(env, "MAIL%s-" % run, MAIL_ORDERS, sandbox, files.url)
            measure_mail_latency(bench, registry, orders, event_ids)
        finally:
            company.write(saved)
            cr.execute("UPDATE ir_cron SET active = true WHERE id = ANY(%s)", [paused])
            cr.commit()


def main():
    bench = Bench("webhook")
    print(
        "Webhook acknowledgement and inbox (%s; %s connections, %s requests per figure)"
        % (machine_note(), CLIENTS, REQUESTS)
    )
    registry, make_env = odoo_env()
    event_ids = itertools.count(int(time.time() * 1000) * 1000)
    parts = os.environ.get("BENCH_WEBHOOK_PARTS", "ack,inbox").split(",")
    results = {}
    for orders in (10, BIG) if "ack" in parts else ():
        with registry.cursor() as cr:
            prepare_orders(make_env(cr), orders)
        with OdooServer(*bench_database(), workers=2) as server:
            # Warm both routes up in both workers (imports, caches, the first connections):
            # the figures are of a server that has been answering for a while.
            load(server.url + "/web/health", lambda i: ("GET", {}), 400)
            warm_up = status_events(event_ids, 1, "bench-warm-up-%s", "BENCH-WARM-UP-%s")
            load(server.url + "/gelato/webhook", warm_up, 400)
            results[orders] = measure(bench, server.url, orders, f"{orders:,}", event_ids)
    if "ack" in parts:
        bench.record(
            "webhook acknowledgements/s with %s orders vs with 10 (many orders)" % f"{BIG:,}",
            results[BIG]["many orders"],
            "ev/s",
            baseline=results[10]["many orders"],
            note="goal ≈ 1 (no growth with history)",
        )
    with registry.cursor() as cr:
        # The acknowledged events name orders no Gelato holds: not for the inbox figures.
        cr.execute("DELETE FROM gelato_webhook_event WHERE event_id LIKE 'os_bench_%%'")
    if "inbox" in parts:
        inbox_part(bench, registry, make_env, event_ids)
    print("  written to %s" % bench.write().relative_to(REPO_ROOT))
    sys.exit(1 if bench.problems else 0)


if __name__ == "__main__":
    main()
