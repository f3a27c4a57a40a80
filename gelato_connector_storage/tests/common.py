"""Fixtures of the storage tests: a real S3 server (moto's server mode, its own process and
environment: tools/moto_s3.py), a plain HTTP server for the ``http`` kind, products whose
artwork comes from storage."""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from odoo.addons.gelato_connector.tests import common as gelato_common

# tools/ of the repository: moto's server launcher is a development tool, not part of the
# add-on.
TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
if not (TOOLS_DIR / "moto_s3.py").is_file():
    raise RuntimeError("tools/moto_s3.py was not found in %s" % TOOLS_DIR)
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))
# pylint: disable=unused-import
from gelato_sandbox.launcher import free_port  # noqa: E402, F401

# pylint: enable=unused-import
from moto_s3 import MotoS3Server  # noqa: E402


class ArtworkHTTPServer:
    """A loopback HTTP server serving ``files`` ({name: bytes}) with ETags; records the
    requests (method, path) it answered."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, with_body):
                server.requests.append((self.command, self.path))
                name = self.path.rsplit("/", 1)[-1]
                data = server.files.get(name) if self.path.startswith("/art/") else None
                if data is None:
                    self.send_response(404 if self.path != "/art/" else 403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", '"%x-%s"' % (hash(data) & 0xFFFFFFFF, len(data)))
                self.end_headers()
                if with_body:
                    self.wfile.write(data)

            def do_HEAD(self):
                self._answer(False)

            def do_GET(self):
                self._answer(True)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%s/art/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class MotoMixin:
    """One moto S3 server for the test class; each test makes its own bucket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = MotoS3Server()
        cls.addClassCleanup(cls.s3.stop)

    def new_storage(self, bucket=None, **values):
        """A connection to a new bucket of the moto server."""
        bucket = bucket or self.s3.new_bucket()
        return self.env["gelato.storage"].create(
            {
                "name": "Test bucket %s" % bucket,
                "kind": "s3",
                "endpoint_url": self.s3.endpoint_url,
                "region": "us-east-1",
                "bucket": bucket,
                "access_key": self.s3.access_key,
                "secret_key": self.s3.secret_key,
                "addressing_style": "path",
                **values,
            }
        )

    def put(self, storage, key, data):
        self.s3.client().put_object(Bucket=storage.bucket, Key=key, Body=data)


# A white t-shirt has a front and a back (the black one a front only).
WHITE_TSHIRT_UID = (
    "apparel_product_gca_t-shirt_gsc_crewneck_gcu_unisex_gqa_classic_gsi_m_gco_white_gpr_4-4"
)


class StorageOrderMixin(gelato_common.GelatoOrderMixin):
    """Gelato products whose artwork comes from storage, and confirmed orders of them."""

    @classmethod
    def _storage_setup_orders(cls, env):
        cls._gelato_setup_orders(env)
        # Orders are confirmed without shipping, to keep to what the tests are about (the
        # core's default, "require", has its own tests).
        env.company.write({"gelato_approval_mode": "automatic", "gelato_shipping_policy": "warn"})
        # A mug (one print area) and a t-shirt (front and back) without product print files.
        cls.art_mug = gelato_common.create_gelato_product(
            env,
            "Storage Mug",
            "mug-11oz-15oz",
            gelato_common.MUG_UID,
            print_file=False,
            gelato_artwork_source="storage",
        )
        cls.art_tshirt = gelato_common.create_gelato_product(
            env,
            "Storage T-shirt",
            "tshirt-classic-white-black",
            WHITE_TSHIRT_UID,
            print_file=False,
            gelato_artwork_source="storage",
        )

    def artwork_png(self, product, area=None, dpi=300, color=(200, 40, 40)):
        """A PNG that covers the product's print area at ``dpi``."""
        placements = product.product_tmpl_id.gelato_placement_ids
        placement = placements.filtered(lambda p: p.print_area == area) if area else placements[:1]
        return gelato_common.make_png(
            gelato_common.pixels(placement.width_mm, dpi),
            gelato_common.pixels(placement.height_mm, dpi),
            color=color,
        )

    def confirmed(self, products, carrier=None):
        """A confirmed order with a line per product of ``products`` (a list or a recordset),
        shipped by ``carrier`` (quoted by the sandbox)."""
        order = self._gelato_quotation(products, carrier=carrier)
        order.action_confirm()
        return order

    def gelato_lines(self, order):
        return order.order_line.filtered(lambda line: line._gelato_is_gelato_line()).sorted(
            lambda line: (line.sequence, line.id)
        )
