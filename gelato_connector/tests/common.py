"""Test fixtures: the Gelato sandbox (tools/gelato_sandbox) run as a real HTTP server."""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from odoo.tests import HttpCase, TransactionCase

SANDBOX_API_KEY = "sandbox-test-key"
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret-for-tests"
# tools/ of the repository this add-on lives in: the sandbox is a development tool, not part of
# the add-on, so the tests that cross the network start it from there.
TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
if not (TOOLS_DIR / "gelato_sandbox" / "__main__.py").is_file():
    raise RuntimeError("The Gelato sandbox was not found in %s" % TOOLS_DIR)
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))
# The sandbox's stdlib-only modules: its process launcher (shared with bench/), and Gelato's
# webhook event shapes and statuses (shared with bench/bad_input/webhook_fuzz.py).
# pylint: disable=unused-import
from gelato_sandbox import shapes as gelato_shapes  # noqa: E402, F401

# pylint: enable=unused-import
from gelato_sandbox.launcher import SandboxProcess  # noqa: E402


class GelatoSandbox(SandboxProcess):
    """A running tools/gelato_sandbox process and a small client for its admin API."""

    def __init__(self, webhook_url=None):
        args = [
            "--host",
            "127.0.0.1",
            "--api-key",
            SANDBOX_API_KEY,
            "--webhook-header",
            "signature",
            "--webhook-secret",
            SANDBOX_WEBHOOK_SECRET,
        ]
        if webhook_url:
            args += ["--webhook-url", webhook_url]
        super().__init__(*args)

    def admin(self, path, payload=None, method=None):
        """Call the sandbox's admin API (``/_sandbox/<path>``) and return its JSON answer."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            "%s/_sandbox/%s" % (self.url, path.lstrip("/")),
            data=data,
            method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def reset(self):
        self.admin("reset", {})

    def fault(self, kind, count=1, endpoint=None, **options):
        self.admin("faults", {"kind": kind, "count": count, "endpoint": endpoint, **options})


class StaticHTTPServer:
    """A loopback HTTP server answering every request with one fixed response."""

    def __init__(self, status=200, body=b"", content_type="text/html"):
        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%s" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class GelatoSandboxMixin:
    """Starts one sandbox for the test class and points the main company at it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = GelatoSandbox(webhook_url=cls._gelato_sandbox_webhook_url())
        cls.addClassCleanup(cls.sandbox.stop)
        cls.company = cls.env.company
        cls.company.sudo().write(
            {
                "gelato_api_key": SANDBOX_API_KEY,
                "gelato_webhook_secret": SANDBOX_WEBHOOK_SECRET,
                "gelato_api_url": cls.sandbox.url,
                # Most tests confirm orders without shipping, to keep to what they test; the
                # default ("require") has its own tests (test_gelato_guard_rails).
                "gelato_shipping_policy": "warn",
            }
        )

    @classmethod
    def _gelato_sandbox_webhook_url(cls):
        return None

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def wait_for(self, predicate, timeout=10, message="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail("Timed out waiting for %s" % message)


class GelatoTransactionCase(GelatoSandboxMixin, TransactionCase):
    pass


class GelatoHttpCase(GelatoSandboxMixin, HttpCase):
    pass


# === Print files and Gelato templates (products) === #

MM_PER_INCH = 25.4


def pixels(mm, dpi):
    """Pixels covering ``mm`` millimetres at ``dpi``."""
    return round(mm / MM_PER_INCH * dpi)


def make_png(width, height, mode="RGB", color=(200, 40, 40)):
    """A real PNG of that size (compresses well: a plain colour)."""
    import io

    from PIL import Image

    output = io.BytesIO()
    fill = color if mode in ("RGB", "RGBA") else 128
    Image.new(mode, (width, height), fill).save(output, "PNG")
    return output.getvalue()


def make_jpeg(width, height, mode="RGB", color=(40, 40, 200)):
    import io

    from PIL import Image

    output = io.BytesIO()
    fill = color if mode == "RGB" else (0, 80, 80, 0) if mode == "CMYK" else 128
    Image.new(mode, (width, height), fill).save(output, "JPEG", quality=85)
    return output.getvalue()


def make_pdf(width_mm, height_mm, pages=1, image_px=None):
    """A PDF with ``pages`` pages of that size; with ``image_px`` the first page is one
    raster image of that many pixels drawn over the whole page (as exported from an image).
    """
    import io

    from PIL import Image
    from pypdf import PdfWriter

    points = 72 / MM_PER_INCH
    if image_px:
        output = io.BytesIO()
        width_in = width_mm / MM_PER_INCH
        Image.new("RGB", image_px, (10, 120, 60)).save(
            output, "PDF", resolution=image_px[0] / width_in
        )
        if pages == 1:
            return output.getvalue()
        writer = PdfWriter(clone_from=io.BytesIO(output.getvalue()))
        for _page in range(pages - 1):
            writer.add_blank_page(width_mm * points, height_mm * points)
    else:
        writer = PdfWriter()
        for _page in range(pages):
            writer.add_blank_page(width_mm * points, height_mm * points)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def make_hostile_pdf(duplicates=1):
    """A tiny PDF that looped pypdf 5.x forever: a content stream ending in an inline JPEG
    image without its end marker (``BI … ID`` and no ``EI``), drawn on a page with an image
    XObject (so the checker reads the content), and ``/ImportError`` keys defined several
    times in its dictionaries (pypdf warns about each, quoting the key)."""
    keys = b" /ImportError 1" * (duplicates + 1)
    content = b"q 10 0 0 10 0 0 cm BI /W 1 /H 1 /F /DCT ID "
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + keys + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1" + keys + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 850 1134] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >>" + keys + b" >>",
        b"<< /Length %d" % len(content) + keys + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def gelato_variant(uid, options, placements, title=None):
    """One variant of a Gelato template (``GET /v1/templates/{id}``) for unit tests.

    :param dict options: ``{"Color": "White", ...}``
    :param list placements: ``[(name, printArea, width mm, height mm)]``
    """
    return {
        "id": "variant-%s" % uid,
        "title": title or " - ".join(options.values()) or uid,
        "productUid": uid,
        "variantOptions": [{"name": name, "value": value} for name, value in options.items()],
        "imagePlaceholders": [
            {"name": name, "printArea": area, "width": width, "height": height}
            for name, area, width, height in placements
        ],
    }


def gelato_template(template_id, variants, title="Test Template", description="", preview=""):
    return {
        "id": template_id,
        "templateName": "Template for %s" % title,
        "title": title,
        "description": description,
        "previewUrl": preview,
        "variants": variants,
    }


# === Orders (issue 5) === #

# Sandbox product UIDs (tools/gelato_sandbox/README.md): a poster made in Sweden for SE, a mug
# made in Czechia and a t-shirt made in Latvia, so an order of all three to SE gets 3 quotes.
POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"
MUG_UID = "mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"
TSHIRT_UID = (
    "apparel_product_gca_t-shirt_gsc_crewneck_gcu_unisex_gqa_classic_gsi_m_gco_black_gpr_4-0"
)


def gelato_template_fixture(template_ref, product_uid=None):
    """A template as the sandbox serves it (its fixture file), reduced to one variant."""
    path = TOOLS_DIR / "gelato_sandbox" / "fixtures" / "templates" / ("%s.json" % template_ref)
    data = json.loads(path.read_text(encoding="utf-8"))
    if product_uid:
        data["variants"] = [v for v in data["variants"] if v["productUid"] == product_uid]
        if not data["variants"]:
            raise ValueError("%s has no variant %s" % (template_ref, product_uid))
    data["previewUrl"] = ""  # no preview download in tests
    return data


def create_gelato_product(env, name, template_ref, product_uid, print_file=True, dpi=160, **vals):
    """A one-variant Gelato product made as a synchronisation makes it (from the sandbox's
    template, without the network), with a print file on every print area.

    :param int dpi: resolution of the print files (150-300: usable with a warning).
    :return: the ``product.product``.
    """
    import base64

    template = env["product.template"].create(
        {
            "name": name,
            "type": "consu",
            "list_price": 25.0,
            "invoice_policy": "delivery",
            "gelato_template_ref": template_ref,
            **vals,
        }
    )
    template._gelato_apply_template_data(gelato_template_fixture(template_ref, product_uid))
    if print_file:
        env["gelato.print.file"].create(
            [
                {
                    "placement_id": placement.id,
                    "datas": base64.b64encode(
                        make_png(pixels(placement.width_mm, dpi), pixels(placement.height_mm, dpi))
                    ),
                    "filename": "%s.png" % placement.print_area,
                }
                for placement in template.gelato_placement_ids
            ]
        )
    return template.product_variant_id


def gelato_address(**values):
    """Values of a contact Gelato can ship to (Sweden)."""
    return {
        "name": "Ada Lovelace",
        "street": "Drottninggatan 12",
        "city": "Stockholm",
        "zip": "111 51",
        "country_id": values.pop("country_id", None),
        "email": "ada@example.com",
        "phone": "+46 8 123 456",
        **values,
    }


def iceland_address():
    """Values of a contact in Iceland: Gelato has no express delivery there (the sandbox)."""
    return {
        "name": "Björk Guðmundsdóttir",
        "street": "Laugavegur 1",
        "city": "Reykjavík",
        "zip": "101",
        "country_id": None,
        "email": "bjork@example.com",
    }


class GelatoOrderMixin:
    """Gelato products, a Swedish customer and helpers to build Gelato quotations."""

    @classmethod
    def _gelato_setup_orders(cls, env):
        cls.sweden = env.ref("base.se")
        cls.poster = create_gelato_product(env, "Gelato Poster", "poster-30x40-matte", POSTER_UID)
        cls.mug = create_gelato_product(env, "Gelato Mug", "mug-11oz-15oz", MUG_UID)
        cls.tshirt = create_gelato_product(
            env, "Gelato T-shirt", "tshirt-classic-white-black", TSHIRT_UID
        )
        cls.customer = env["res.partner"].create(gelato_address(country_id=cls.sweden.id))
        cls.standard = env.ref("gelato_connector.delivery_carrier_gelato_standard")
        cls.express = env.ref("gelato_connector.delivery_carrier_gelato_express")

    def _gelato_quotation(self, products=None, partner=None, carrier=None, quantity=1, env=None):
        """A draft quotation of ``products`` (default: the poster), shipped by ``carrier``."""
        env = env or self.env
        products = products if products is not None else self.poster
        order = env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": quantity})
                    for product in products
                ],
            }
        )
        if carrier:
            rate = carrier.rate_shipment(order)
            self.assertTrue(rate["success"], rate.get("error_message"))
            order.set_delivery_line(carrier, rate["price"])
        return order

    def _sandbox_orders(self, reference=None):
        orders = self.sandbox.admin("orders")["orders"]
        return [o for o in orders if reference is None or o["orderReferenceId"] == reference]

    def _sandbox_counters(self, reference):
        return self.sandbox.admin("counters")["ordersByReference"].get(reference, {})

    def assertOneGelatoOrder(self, order):
        """The sandbox's counters: exactly one placed Gelato order and no draft left."""
        counters = self._sandbox_counters(order.name)
        self.assertEqual(counters.get("orders"), 1, counters)
        self.assertEqual(counters.get("drafts"), 0, counters)


class GelatoSendMixin(GelatoOrderMixin):
    """Run the send job inside the test transaction, its commit simulated.

    The cron runner commits each batch and the post-commit hook then promotes the drafts the
    batch created (see test_gelato_send_job for the real runner and real commits). Here the
    hooks are detached from the test cursor and the promotion is run right after the batch.
    """

    def run_send_job(self, max_batches=20):
        sale_order = self.env["sale.order"]
        handled = sale_order
        for _index in range(max_batches):
            batch = sale_order._cron_gelato_send_orders()
            self.promote_drafts(self.take_draft_hooks())
            if not batch:
                break
            handled |= batch
        return handled

    def promote_drafts(self, drafts):
        """What the post-commit hook does with the drafts a batch created."""
        if drafts:
            ids = sorted({order_id for order_id, _company, _gelato_id in drafts})
            self.env["sale.order"]._gelato_lock_orders_to_send(
                len(ids), order_ids=ids, due_only=False
            )._gelato_send()

    def take_draft_hooks(self):
        """Detach the post-commit/rollback hooks of the drafts created in this transaction."""
        cr = self.env.cr
        drafts = cr.postcommit.data.pop("gelato_connector.drafts", [])
        hooks = cr.postcommit.data.pop("gelato_connector.hooks", None)
        if hooks:
            promote, delete = hooks
            cr.postcommit._funcs.remove(promote)
            cr.postrollback._funcs.remove(delete)
        return drafts

    def make_due(self, orders):
        """Let the back-off delay pass."""
        from odoo import fields

        orders.write(
            {"gelato_next_attempt": fields.Datetime.subtract(fields.Datetime.now(), seconds=1)}
        )


# === Web shop (issue 7) === #
