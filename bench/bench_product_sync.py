"""Benchmark: synchronising the 324-variant sandbox template (first sync and no-op resync).

Run with `make bench` (or `make bench ARGS=bench/bench_product_sync.py`); it needs a database
with gelato_connector (BENCH_DB / BENCH_ODOO_CONF, made by tools/bench.sh) and starts its own
Gelato sandbox. Everything runs in one transaction that is rolled back: the database is left
as it was.

Baselines, measured in the same run on the same data:
- first sync vs. a plain ORM create of a product with the same three attribute lines (324
  variants) followed by a write of one Char field on every variant (what the sync must do at
  the very least, without talking to Gelato);
- no-op resync vs. fetching the template from the sandbox plus reading the product's variants
  and their attribute values back from the database (what any comparison must do).
The no-op resync of the 8-variant template is printed too: its query count should not grow
with the number of variants.
"""

from common import SANDBOX_API_KEY, Bench, Sandbox, count_queries, median, odoo_env, timer

ROUNDS = 3
TEMPLATE = "tshirt-premium-324"
SMALL_TEMPLATE = "tshirt-classic-white-black"
API_KEY = SANDBOX_API_KEY


def measure(env, action):
    """Run ``action`` and flush; return (seconds, SQL queries, result)."""
    env.invalidate_all()
    with timer() as elapsed, count_queries(env.cr) as queries:
        result = action()
        env.flush_all()
    return elapsed(), queries(), result


def main():
    bench = Bench("product_sync")
    registry, make_env = odoo_env()
    with Sandbox() as sandbox, registry.cursor() as cr:
        env = make_env(cr)
        run(env, bench, sandbox.url)
        cr.rollback()
    print("  results: %s" % bench.write())


def run(env, bench, url):
    company = env.company
    company.write({"gelato_api_key": API_KEY, "gelato_api_url": url})
    Template = env["product.template"]

    first, resync, plain_create, plain_read, fetch = [], [], [], [], []
    small_resync = []
    for round_number in range(ROUNDS):
        product = Template.create(
            {"name": "Bench tee %s" % round_number, "gelato_template_ref": TEMPLATE}
        )
        env.flush_all()
        seconds, queries, result = measure(env, product._gelato_sync_template)
        variants = product.product_variant_count
        assert variants == 324, variants
        first.append((seconds, queries))

        seconds, queries, result = measure(env, product._gelato_sync_template)
        assert not result["changes"], result
        resync.append((seconds, queries))

        # Baseline: the same product made with the ORM alone (attributes already exist).
        lines = [
            (
                0,
                0,
                {"attribute_id": line.attribute_id.id, "value_ids": [(6, 0, line.value_ids.ids)]},
            )
            for line in product.attribute_line_ids
        ]

        def plain(round_number=round_number, lines=lines):
            twin = Template.create(
                {"name": "Plain tee %s" % round_number, "attribute_line_ids": lines}
            )
            for index, variant in enumerate(twin.product_variant_ids):
                variant.default_code = "plain-%s-%s" % (round_number, index)
            return twin

        seconds, queries, twin = measure(env, plain)
        assert twin.product_variant_count == 324
        plain_create.append((seconds, queries))

        def read_back(product=product):
            variants = product.product_variant_ids
            variants.mapped("product_template_attribute_value_ids.product_attribute_value_id.name")
            variants.mapped("gelato_product_uid")
            return variants

        seconds, queries, _variants = measure(env, read_back)
        plain_read.append((seconds, queries))
        seconds, queries, _answer = measure(
            env,
            lambda: company._gelato_make_request(
                "ecommerce", "templates/" + TEMPLATE, method="GET"
            ),
        )
        fetch.append((seconds, queries))

        small = Template.create(
            {"name": "Small tee %s" % round_number, "gelato_template_ref": SMALL_TEMPLATE}
        )
        small._gelato_sync_template()
        env.flush_all()
        seconds, queries, _result = measure(env, small._gelato_sync_template)
        small_resync.append((seconds, queries))

    def med(samples, index):
        return median([sample[index] for sample in samples])

    baseline_noop = med(plain_read, 0) + med(fetch, 0)
    bench.record(
        "first sync, 324 variants: time",
        med(first, 0),
        "s",
        med(plain_create, 0),
        "baseline: plain ORM create + 324 variant writes",
    )
    bench.record(
        "first sync, 324 variants: SQL queries", med(first, 1), "queries", med(plain_create, 1)
    )
    bench.record(
        "no-op resync, 324 variants: time",
        med(resync, 0),
        "s",
        baseline_noop,
        "baseline: template fetch + reading the variants back",
    )
    bench.record(
        "no-op resync, 324 variants: SQL queries",
        med(resync, 1),
        "queries",
        med(plain_read, 1) or None,
    )
    bench.record(
        "no-op resync, 8 variants: SQL queries",
        med(small_resync, 1),
        "queries",
        med(resync, 1),
        "vs. 324 variants: should not grow with variants",
    )
    bench.record("template fetch from the sandbox: time", med(fetch, 0), "s")
    bench.record("plain ORM create, 324 variants: time", med(plain_create, 0), "s")
    bench.record("plain ORM create, 324 variants: SQL queries", med(plain_create, 1), "queries")


if __name__ == "__main__":
    main()
