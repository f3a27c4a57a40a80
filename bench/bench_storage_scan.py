"""Artwork storage scan (gelato_connector_storage): the cost of an hourly scan against a real S3
server (moto's server mode on loopback, its own environment: tools/moto_s3.py).

A bucket with many old objects (BENCH_STORAGE_OBJECTS, 100,000) that match nothing, and
many order lines waiting for artwork (BENCH_STORAGE_LINES, 10,000). Figures, against a bare
boto3 listing of the same bucket measured in the same run:

1. the scan's listing pass with every line waiting and nothing matching (goal <= 1.5x the
   bare listing: the matching is in memory, one listing pass, no request per line);
2. scans with N new files (two sizes, BENCH_STORAGE_NEW): processing seconds per new file
   (download, the isolated check in its own process, attach) and SQL queries per matched
   line, which must not grow with N;
3. a second scan with nothing new: time against a bare listing measured right before it
   (goal <= 1.1x) and downloads (must be 0).

Everything runs in one transaction that is rolled back: the database is left as it was. The
module is installed in the bench database first when it is not yet.

Run with `make bench` (or `make bench ARGS=bench/bench_storage_scan.py`).
"""

import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from common import (
    REPO_ROOT,
    TOOLS_DIR,
    Bench,
    bench_database,
    count_queries,
    create_customer,
    machine_note,
    odoo_env,
    template_fixture,
)

OBJECTS = int(os.environ.get("BENCH_STORAGE_OBJECTS", "100000"))
LINES = int(os.environ.get("BENCH_STORAGE_LINES", "10000"))
NEW_SMALL, NEW_LARGE = (int(n) for n in os.environ.get("BENCH_STORAGE_NEW", "10,40").split(","))
LINES_PER_ORDER = 10
MUG_UID = "mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"

sys.path.insert(0, str(TOOLS_DIR))
from moto_s3 import MotoS3Server  # noqa: E402


def ensure_module_installed():
    conf, db = bench_database()
    out = subprocess.run(
        [
            "psql",
            "-d",
            db,
            "-Atqc",
            "SELECT state FROM ir_module_module WHERE name = 'gelato_connector_storage'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if out != "installed":
        print("  installing gelato_connector_storage in %s" % db)
        subprocess.run(
            [
                sys.executable,
                os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
                "-c",
                conf,
                "-d",
                db,
                "-i",
                "gelato_connector_storage",
                "--stop-after-init",
                "--log-level=warn",
                "--no-http",
            ],
            check=True,
            cwd=REPO_ROOT,
        )


def fill_bucket(s3, bucket, count):
    """``count`` small objects named like old artwork of orders long sent."""

    def put(start):
        client = s3.client()
        for index in range(start, min(start + 1000, count)):
            client.put_object(Bucket=bucket, Key="art/OLD%07d_1.png" % index, Body=b"old")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(0, count, 1000)))


def bare_listing(s3, bucket):
    """The baseline: boto3's paginator over the same prefix, keys only."""
    client = s3.client()
    started = time.perf_counter()
    keys = 0
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="art/", PaginationConfig={"PageSize": 1000}
    ):
        keys += len(page.get("Contents") or ())
    return time.perf_counter() - started, keys


def waiting_lines(env, count):
    """Orders pending artwork with ``count`` Gelato lines of a product whose artwork comes
    from storage (created, then put in the step; confirmation is not what is measured)."""
    template = env["product.template"].create(
        {
            "name": "Bench storage mug",
            "type": "consu",
            "gelato_template_ref": "mug-11oz-15oz",
            "gelato_artwork_source": "storage",
        }
    )
    template._gelato_apply_template_data(template_fixture("mug-11oz-15oz", MUG_UID))
    product = template.product_variant_id
    customer = create_customer(env)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "order_line": [(0, 0, {"product_id": product.id})] * LINES_PER_ORDER,
            }
            for _order in range(count // LINES_PER_ORDER)
        ]
    )
    orders.write({"gelato_state": "pending_artwork"})
    env.flush_all()
    return orders, template


def artwork(template):
    from PIL import Image  # Odoo's own Pillow

    placement = template.gelato_placement_ids[:1]
    size = (round(placement.width_mm / 25.4 * 300), round(placement.height_mm / 25.4 * 300))
    output = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(output, "PNG")
    return output.getvalue()


def measure_new_files(bench, s3, bucket, env, storage, orders, template):
    """Scans with NEW_SMALL, then NEW_LARGE new files: time and SQL queries per new file."""
    png = artwork(template)
    lines = orders.order_line
    offset = 0
    per_line_queries = []
    cr = env.cr
    for new in (NEW_SMALL, NEW_LARGE):
        client = s3.client()
        for line in lines[offset : offset + new]:
            client.put_object(Bucket=bucket, Key="art/%s.png" % line.gelato_artwork_name, Body=png)
        offset += new
        env.invalidate_all()
        with count_queries(cr) as queries:
            storage._gelato_try_lock()
            scan = storage._gelato_list()
            env.flush_all()
            started = time.perf_counter()
            while env["gelato.storage.file"]._gelato_process_batch(storage=storage):
                pass
            env.flush_all()
            processing = time.perf_counter() - started
        assert scan.attached == new, scan.summary
        bench.record(
            "scan with %s new files: processing per new file" % new,
            processing / new,
            "s",
            note="download, isolated check, attach",
        )
        per_line_queries.append(queries() / new)
        bench.record(
            "scan with %s new files: SQL queries per matched line" % new,
            queries() / new,
            "queries",
        )
    # What one more matched line costs (the listing's fixed queries cancel out): the same for
    # any N when the work per file is constant.
    small, large = (q * n for q, n in zip(per_line_queries, (NEW_SMALL, NEW_LARGE), strict=True))
    marginal = (large - small) / (NEW_LARGE - NEW_SMALL)
    bench.record("SQL queries per additional matched line", marginal, "queries")
    if marginal > per_line_queries[0] * 1.1:
        bench.problem("SQL queries per matched line grow with N: %s" % per_line_queries)


def main():
    bench = Bench("storage_scan")
    print(
        "Artwork storage scan: %s objects, %s waiting lines (%s)" % (OBJECTS, LINES, machine_note())
    )
    ensure_module_installed()
    registry, make_env = odoo_env()
    from odoo.addons.gelato_connector_storage.lib import clients  # once Odoo knows its addons

    with MotoS3Server() as s3:
        bucket = s3.new_bucket("bench")
        started = time.perf_counter()
        fill_bucket(s3, bucket, OBJECTS)
        print("  bucket filled in %.0f s" % (time.perf_counter() - started))
        with registry.cursor() as cr:
            env = make_env(cr)
            orders, template = waiting_lines(env, LINES)
            storage = env["gelato.storage"].create(
                {
                    "name": "Bench bucket",
                    "kind": "s3",
                    "endpoint_url": s3.endpoint_url,
                    "region": "us-east-1",
                    "bucket": bucket,
                    "prefix": "art/",
                    "access_key": s3.access_key,
                    "secret_key": s3.secret_key,
                    "addressing_style": "path",
                }
            )
            bare, keys = bare_listing(s3, bucket)
            bench.record("bare boto3 listing of %s keys" % keys, bare, "s")

            # 1. Listing pass, every line waiting, nothing matching (read from the database,
            # as the hourly run does).
            env.invalidate_all()
            started = time.perf_counter()
            scan = storage._gelato_list()
            env.flush_all()
            first = time.perf_counter() - started
            assert scan.listed == OBJECTS and scan.matched == 0, scan.summary
            bench.record(
                "scan listing pass, %s lines waiting, 0 match" % LINES,
                first,
                "s",
                baseline=bare,
                note="goal <= 1.5x",
            )

            # 2. N new files: per-file time and queries.
            measure_new_files(bench, s3, bucket, env, storage, orders, template)

            # 3. Nothing new, against a bare listing measured right before it (the store's
            # listing time drifts over a run).
            bare, keys = bare_listing(s3, bucket)
            bench.record("bare boto3 listing of %s keys, again" % keys, bare, "s")
            env.invalidate_all()
            with patch.object(
                clients.S3Storage, "download", autospec=True, side_effect=clients.S3Storage.download
            ) as download:
                started = time.perf_counter()
                scan = storage._gelato_scan_now()
                env.flush_all()
                second = time.perf_counter() - started
            bench.record(
                "second scan, nothing new", second, "s", baseline=bare, note="goal <= 1.1x"
            )
            bench.record("second scan, downloads", download.call_count, "files", note="goal 0")
            if download.call_count:
                bench.problem("the second scan downloaded %s files" % download.call_count)
            cr.rollback()
    bench.write()
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
