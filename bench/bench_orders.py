"""Orders: confirmation never waits on Gelato, and SQL costs per order line.

Figures (one run, same machine, each against a baseline measured in the same run):
- confirm latency (median of N confirmations, commit included) with the sandbox answering in
  0 ms and in 2 s: the ratio must stay near 1 (confirmation does not call Gelato); a live quote
  at 2 s shows the latency is real;
- SQL queries to confirm a Gelato order of 1 and of 50 lines, next to an ordinary order of
  1 and 50 lines (Odoo's own cost per line);
- SQL queries to send an order of 1 and of 50 lines (batch transaction + promotion after the
  commit), with the cost per extra line.

Run with `make bench` (or `make bench ARGS=bench/bench_orders.py`), or directly against a
database with gelato_connector: BENCH_DB=... BENCH_ODOO_CONF=... python bench/bench_orders.py
"""

import base64
import io
import os
import statistics
import time

from common import (
    SANDBOX_API_KEY,
    Bench,
    OdooServer,
    Sandbox,
    bench_database,
    count_queries,
    create_customer,
    machine_note,
    odoo_env,
    point_company_at_sandbox,
    template_fixture,
)

SANDBOX_KEY = SANDBOX_API_KEY
POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"
CONFIRMATIONS = int(os.environ.get("BENCH_CONFIRMATIONS", "20"))


def png(width_mm, height_mm, dpi):
    """A print file covering width x height mm at ``dpi`` (base64, as Binary fields take it)."""
    from PIL import Image

    size = (round(width_mm / 25.4 * dpi), round(height_mm / 25.4 * dpi))
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def setup(env, sandbox_url, base_url):
    """Company pointed at the sandbox, a customer, 50 Gelato products and 50 ordinary ones."""
    point_company_at_sandbox(env, sandbox_url, base_url, api_key=SANDBOX_KEY)
    customer = create_customer(env)
    # 50 one-variant Gelato products, made as a synchronisation makes them (from the sandbox's
    # template, without the network), each with its own print file.
    template_data = template_fixture("poster-30x40-matte")
    templates = env["product.template"].create(
        [
            {
                "name": "Bench poster %s" % index,
                "type": "consu",
                "list_price": 20,
                "gelato_template_ref": "poster-30x40-matte",
            }
            for index in range(50)
        ]
    )
    print_file = png(300, 400, dpi=160)
    for template in templates:
        template._gelato_apply_template_data(template_data)
        env["gelato.print.file"].create(
            {
                "placement_id": template.gelato_placement_ids.id,
                "datas": print_file,
                "filename": "poster.png",
            }
        )
    gelato = templates.product_variant_id
    assert all(p.gelato_product_uid == POSTER_UID for p in gelato)
    ordinary = env["product.product"].create(
        [
            {"name": "Bench thing %s" % index, "type": "consu", "list_price": 5}
            for index in range(50)
        ]
    )
    carrier = env.ref("gelato_connector.delivery_carrier_gelato_standard")
    return customer, gelato, ordinary, carrier


def quotation(env, customer, products, carrier=None):
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [(0, 0, {"product_id": p.id, "product_uom_qty": 1}) for p in products],
        }
    )
    if carrier:
        order.set_delivery_line(carrier, 5.0)
    return order


def measure_confirm_latency(bench, registry, make_env, sandbox, records):
    """Median confirmation time with the sandbox at 0 ms and at 2 s, and one live quote."""
    latencies = {}
    for latency_ms in (0, 2000):
        sandbox.admin("config", {"latency_ms": latency_ms})
        timings = []
        for _index in range(CONFIRMATIONS):
            with registry.cursor() as cr:
                env = make_env(cr)
                customer, gelato, _ordinary, carrier = records(env)
                order = quotation(env, customer, gelato[:3], carrier)
                cr.commit()
                start = time.perf_counter()
                order.action_confirm()
                cr.commit()
                timings.append(time.perf_counter() - start)
                assert order.gelato_state == "queued", order.gelato_state
                # Keep the queue empty: these orders are not the subject here.
                order.write({"gelato_state": "cancelled"})
        latencies[latency_ms] = statistics.median(timings) * 1000
    bench.record("confirm latency, sandbox 0 ms (median ms)", latencies[0], "ms")
    bench.record(
        "confirm latency, sandbox 2000 ms (median ms)",
        latencies[2000],
        "ms",
        baseline=latencies[0],
        note="goal: ratio ~1 (confirm never waits on Gelato)",
    )
    with registry.cursor() as cr:
        env = make_env(cr)
        customer, gelato, _ordinary, carrier = records(env)
        order = quotation(env, customer, gelato[:1])
        start = time.perf_counter()
        rate = carrier.rate_shipment(order)
        quote_ms = (time.perf_counter() - start) * 1000
        assert rate["success"], rate
        cr.rollback()
    bench.record(
        "live quote, sandbox 2000 ms (ms)",
        quote_ms,
        "ms",
        note="the latency is real: Gelato calls do feel it",
    )
    sandbox.admin("config", {"latency_ms": 0})


def count_send_queries(registry, make_env, order_id):
    """Queries of the batch transaction (search, draft creation, recording) plus those of the
    promotion after its commit, run as the cron runner and the post-commit hook run them."""
    with registry.cursor() as cr:
        env = make_env(cr)
        with count_queries(cr) as queries:
            batch = env["sale.order"]._cron_gelato_send_orders()
            env.flush_all()
        batch_queries = queries()
        assert batch.ids == [order_id], batch
        drafts = cr.postcommit.data.pop("gelato_connector.drafts")
        promote, delete = cr.postcommit.data.pop("gelato_connector.hooks")
        cr.postcommit._funcs.remove(promote)
        cr.postrollback._funcs.remove(delete)
        cr.commit()
    with registry.cursor() as cr:
        env = make_env(cr)
        with count_queries(cr) as queries:
            env["sale.order"]._gelato_lock_orders_to_send(
                1, order_ids=[d[0] for d in drafts], due_only=False
            )._gelato_send()
            env.flush_all()
        promote_queries = queries()
        state = env["sale.order"].browse(order_id).gelato_state
        assert state == "sent", state
    return batch_queries + promote_queries


def measure_queries(bench, registry, make_env, sandbox, records):
    """SQL queries to confirm and to send orders of 1 and 50 lines."""
    confirm_queries, ordinary_queries, send_queries = {}, {}, {}
    for size in (1, 50):
        with registry.cursor() as cr:
            env = make_env(cr)
            customer, gelato, ordinary, carrier = records(env)
            order = quotation(env, customer, ordinary[:size])
            env.flush_all()
            with count_queries(cr) as queries:
                order.action_confirm()
                env.flush_all()
            ordinary_queries[size] = queries()
            order = quotation(env, customer, gelato[:size], carrier)
            env.invalidate_all()
            env.flush_all()
            with count_queries(cr) as queries:
                order.action_confirm()
                env.flush_all()
            confirm_queries[size] = queries()
            order_id = order.id
            cr.commit()
        send_queries[size] = count_send_queries(registry, make_env, order_id)
        counters = sandbox.admin("counters")["ordersByReference"]
        assert all(c["orders"] == 1 for c in counters.values()), counters

    bench.record("SQL queries to confirm, ordinary order, 1 line", ordinary_queries[1], "queries")
    bench.record(
        "SQL queries to confirm, ordinary order, 50 lines",
        ordinary_queries[50],
        "queries",
        baseline=ordinary_queries[1],
    )
    bench.record("SQL queries to confirm, Gelato order, 1 line", confirm_queries[1], "queries")
    bench.record(
        "SQL queries to confirm, Gelato order, 50 lines",
        confirm_queries[50],
        "queries",
        baseline=confirm_queries[1],
    )
    bench.record(
        "  per extra line (confirm, Gelato)",
        (confirm_queries[50] - confirm_queries[1]) / 49,
        "q/line",
        note="ordinary order: %.2f q/line" % ((ordinary_queries[50] - ordinary_queries[1]) / 49),
    )
    bench.record("SQL queries to send, 1 line", send_queries[1], "queries")
    bench.record(
        "SQL queries to send, 50 lines", send_queries[50], "queries", baseline=send_queries[1]
    )
    bench.record("  per extra line (send)", (send_queries[50] - send_queries[1]) / 49, "q/line")


def main():
    bench = Bench("orders")
    print("bench_orders (%s)" % machine_note())
    registry, make_env = odoo_env()
    # The sandbox downloads the print files of the orders sent from this Odoo server.
    server = OdooServer(*bench_database(), workers=0)
    base_url = server.url
    sandbox = Sandbox()
    try:
        with registry.cursor() as cr:
            customer, gelato, ordinary, carrier = setup(make_env(cr), sandbox.url, base_url)
            customer_id, gelato_ids = customer.id, gelato.ids
            ordinary_ids, carrier_id = ordinary.ids, carrier.id

        def records(env):
            return (
                env["res.partner"].browse(customer_id),
                env["product.product"].browse(gelato_ids),
                env["product.product"].browse(ordinary_ids),
                env["delivery.carrier"].browse(carrier_id),
            )

        measure_confirm_latency(bench, registry, make_env, sandbox, records)
        measure_queries(bench, registry, make_env, sandbox, records)
        print("  results: %s" % bench.write())
    finally:
        sandbox.stop()
        server.stop()


if __name__ == "__main__":
    main()
