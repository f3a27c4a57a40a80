"""Webhook: events per second through the real HTTP endpoint, against Odoo's /web/health.

An Odoo server (its own process, 2 HTTP workers) serves both routes; clients on loopback
post Gelato events (``order_status_updated`` moving real orders forward, each event a new
id) and call /web/health, in the same run. Measured with 10 orders in the database and again
with 100,000 (the cost of an event must not grow with history), with p50/p99 latencies.

Run with `make bench` (or `make bench ARGS=bench/bench_webhook.py`).
"""

import itertools
import json
import os
import threading
import time

import requests
from common import (
    REPO_ROOT,
    WEBHOOK_SECRET,
    Bench,
    OdooServer,
    bench_database,
    machine_note,
    median,
    odoo_env,
    percentile,
)

SECRET = WEBHOOK_SECRET
CLIENTS = int(os.environ.get("BENCH_WEBHOOK_CLIENTS", "4"))
REQUESTS = int(os.environ.get("BENCH_WEBHOOK_REQUESTS", "1500"))
BIG = int(os.environ.get("BENCH_WEBHOOK_ORDERS", "100000"))
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


def load(url, make_request, total):
    """Send ``total`` requests from CLIENTS threads; return (requests/s, latencies, errors)."""
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
                if response.status_code != 200:
                    errors.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total / (time.perf_counter() - start), latencies, errors


def measure(bench, base, orders, label, event_ids):
    health_rps, health_lat, health_err = load(base + "/web/health", lambda i: ("GET", {}), REQUESTS)
    headers = {"Content-Type": "application/json", "signature": SECRET}

    def event(index):
        order_number = index % orders
        status = STATUSES[(index // orders) % len(STATUSES)]
        payload = {
            "id": "os_bench_%s" % next(event_ids),
            "event": "order_status_updated",
            "orderId": "bench-%s" % order_number,
            "orderReferenceId": "BENCH%s" % order_number,
            "fulfillmentStatus": status,
            "items": [],
        }
        return "POST", {"data": json.dumps(payload), "headers": headers}

    hook_rps, hook_lat, hook_err = load(base + "/gelato/webhook", event, REQUESTS)
    if health_err or hook_err:
        raise RuntimeError("errors: health %s, webhook %s" % (health_err[:5], hook_err[:5]))
    bench.record("/web/health, %s orders: requests/s" % label, health_rps, "req/s")
    bench.record(
        "webhook, %s orders: events/s (vs /web/health)" % label,
        hook_rps,
        "ev/s",
        baseline=health_rps,
        note="goal ≥ 0.8",
    )
    bench.record(
        "webhook, %s orders: p50 latency" % label,
        median(hook_lat) * 1000,
        "ms",
        baseline=median(health_lat) * 1000,
    )
    bench.record(
        "webhook, %s orders: p99 latency" % label,
        percentile(hook_lat, 99) * 1000,
        "ms",
        baseline=percentile(health_lat, 99) * 1000,
    )
    return hook_rps


def main():
    bench = Bench("webhook")
    print(
        "Webhook throughput (%s; %s clients, %s requests per figure)"
        % (machine_note(), CLIENTS, REQUESTS)
    )
    registry, make_env = odoo_env()
    event_ids = itertools.count()
    results = {}
    for orders in (10, BIG):
        with registry.cursor() as cr:
            prepare_orders(make_env(cr), orders)
        with OdooServer(*bench_database(), workers=2) as server:
            load(server.url + "/web/health", lambda i: ("GET", {}), 50)  # warm up the workers
            results[orders] = measure(bench, server.url, orders, f"{orders:,}", event_ids)
    bench.record(
        "webhook events/s with %s orders vs with 10" % f"{BIG:,}",
        results[BIG],
        "ev/s",
        baseline=results[10],
        note="goal ≈ 1 (no growth with history)",
    )
    print("  written to %s" % bench.write().relative_to(REPO_ROOT))


if __name__ == "__main__":
    main()
