"""Helpers for the sandbox's own tests: the sandbox as a subprocess, a local file and webhook
server, Gelato payloads. Standard library only; the fixtures are in conftest.py.

Named uniquely (not ``conftest``) so test modules can import it next to other projects'
conftest files in one pytest run.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parents[2]
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))
from gelato_sandbox import launcher  # noqa: E402 (tools/ is on the path from here on)

API_KEY = "test-key"
SECOND_KEY = "second-test-key"
WEBHOOK_HEADER = "signature"
WEBHOOK_SECRET = "whsec-test-0123456789"
START_TIMEOUT = 15

POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"
TSHIRT_UID = (
    "apparel_product_gca_t-shirt_gsc_crewneck_gcu_unisex_gqa_classic_gsi_m_gco_white_gpr_4-4"
)
MUG_UID = "mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"
HANGER_UID = "wall_hanger_product_whs_290-mm_whc_white_whm_wood_whp_w14xt20-mm"

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(64)
TEXT = b"<html>not a print file</html>"

# Settings every test starts from (short delays keep the suite fast).
BASE_CONFIG = {
    "api_keys": [API_KEY, SECOND_KEY],
    "latency_ms": 0,
    "webhook_header": WEBHOOK_HEADER,
    "webhook_secret": WEBHOOK_SECRET,
    "webhook_attempts": 4,
    "webhook_retry_delay": 0.1,
    "webhook_timeout": 2.0,
    "download_timeout": 2.0,
    "advance_every": 0,
    "hang_seconds": 1.5,
    "retry_after": 1,
    "allow_remote_downloads": False,
}


class Reply:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def __repr__(self):
        return f"Reply({self.status}, {self.body!r})"


def http(method, url, body=None, headers=None, timeout=10, raw=None):
    """One HTTP call; returns a :class:`Reply` for any status (JSON body decoded).

    :param raw: bytes to send as they are, instead of ``body`` as JSON.
    """
    data = raw if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, answer_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, raw, answer_headers = exc.code, exc.read(), exc.headers
    return Reply(status, json.loads(raw) if raw else None, answer_headers)


# === Local file and webhook server === #


class Receiver:
    """Serves print files under /files/ and records webhooks POSTed to /hooks."""

    def __init__(self):
        self.files = {}
        self.hooks = []
        self.hook_statuses = []  # answers for the next webhooks, then 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def do_GET(self):
                status, content = receiver.files.get(self.path, (404, b"missing"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = receiver.hook_statuses.pop(0) if receiver.hook_statuses else 200
                    receiver.hooks.append(
                        {"headers": dict(self.headers), "body": json.loads(raw), "status": status}
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True)
        self.thread.start()
        self.reset()

    def reset(self):
        with self._lock:
            self.hooks.clear()
            self.hook_statuses.clear()
        self.files = {
            "/files/poster.png": (200, PNG),
            "/files/front.jpg": (200, JPEG),
            "/files/back.pdf": (200, PDF),
            "/files/page.html": (200, TEXT),
            "/files/gone.png": (404, b"not found"),
        }

    def url(self, name):
        return f"{self.base_url}/files/{name}"

    @property
    def hook_url(self):
        return f"{self.base_url}/hooks"

    def events(self):
        """Bodies of the webhooks answered 2xx, in arrival order."""
        with self._lock:
            return [h["body"] for h in self.hooks if 200 <= h["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# === The sandbox under test === #


class SandboxProcess(launcher.SandboxProcess):
    """``python -m gelato_sandbox`` on a free port (gelato_sandbox/launcher.py), with helpers
    to call it; its stderr goes to ``log_path``."""

    def __init__(self, log_path, *args):
        super().__init__(*args, log_path=log_path, start_timeout=START_TIMEOUT)
        self.proc = self.process
        self.base_url = self.url

    def api(self, method, path, body=None, key=API_KEY, timeout=10):
        headers = {"X-API-KEY": key} if key else {}
        return http(method, self.base_url + path, body, headers, timeout)

    def admin_reply(self, method, path, body=None, timeout=15):
        return http(method, f"{self.base_url}/_sandbox/{path}", body, timeout=timeout)

    def admin(self, method, path, body=None, timeout=15):
        """Call the admin API, expect 200 and return the JSON answer."""
        reply = self.admin_reply(method, path, body, timeout)
        assert reply.status == 200, reply
        return reply.body

    def status_of(self, order_id):
        return self.api("GET", f"/v4/orders/{order_id}").body["fulfillmentStatus"]

    def wait_webhooks(self, timeout=10):
        assert self.admin("POST", "webhooks/wait", {"timeout": timeout})["idle"]


# === Payloads === #


class Payloads:
    """Valid Gelato bodies (from the docs' examples) with overrides."""

    def __init__(self, receiver):
        self.receiver = receiver

    @staticmethod
    def address(**overrides):
        address = {
            "companyName": "Example",
            "firstName": "Paul",
            "lastName": "Smith",
            "addressLine1": "451 Clarkson Ave",
            "addressLine2": "Brooklyn",
            "state": "NY",
            "city": "New York",
            "postCode": "11203",
            "country": "US",
            "email": "apisupport@gelato.com",
            "phone": "123456789",
        }
        address.update(overrides)
        return {k: v for k, v in address.items() if v is not None}

    def item(
        self, reference="line-1", product=POSTER_UID, files=(("default", "poster.png"),), quantity=1
    ):
        item = {"itemReferenceId": reference, "productUid": product, "quantity": quantity}
        if files is not None:
            item["files"] = [{"type": kind, "url": self.receiver.url(name)} for kind, name in files]
        return item

    def order(self, reference="SO001", items=None, **overrides):
        order = {
            "orderType": "order",
            "orderReferenceId": reference,
            "customerReferenceId": "CUST-1",
            "currency": "USD",
            "items": items or [self.item()],
            "shippingAddress": self.address(),
            "metadata": [{"key": "odooOrder", "value": reference}],
        }
        order.update(overrides)
        return {k: v for k, v in order.items() if v is not None}

    def quote(self, products, currency="EUR", multiple=True, **recipient):
        return {
            "orderReferenceId": "SO-Q1",
            "customerReferenceId": "CUST-1",
            "currency": currency,
            "allowMultipleQuotes": multiple,
            "recipient": self.address(**recipient),
            "products": products,
        }


def wait_until(predicate, timeout=5.0, interval=0.05):
    """Poll ``predicate`` until it returns something truthy (used for clock-driven changes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("condition not met in time")
