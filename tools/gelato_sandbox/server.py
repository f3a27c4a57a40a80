"""HTTP plumbing: one threaded server for every Gelato service plus the ``/_sandbox/`` API.

Order of work for an API call: count it, add the configured latency, apply a ``before``
fault, check ``X-API-KEY``, route and run the handler, then apply an ``after`` fault (the call
took effect but the client gets no proper answer) or send the JSON answer.
"""

import collections
import contextlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin, api, previews
from .catalog import Catalog
from .errors import ApiError
from .faults import FaultInjector
from .orders import OrderStore
from .previews import PREVIEW_PATH
from .routing import Request, Router
from .webhooks import WebhookDispatcher

_logger = logging.getLogger(__name__)

FAULT_ANSWERS = {
    "500": (500, {"code": "internal_server_error", "message": "Internal server error."}),
    "502": (502, {"code": "bad_gateway", "message": "Bad gateway."}),
    "429": (429, {"code": "too_many_requests", "message": "Too many requests."}),
}
INVALID_KEY = {"code": "invalid_api_key_provided", "message": "Access denied. Token is invalid."}
# What a proxy or a load balancer in front of an API serves when things go wrong.
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>\n<body>"
    b"<h1>Service temporarily unavailable</h1><p>Please try again later.</p></body></html>\n"
)
WRONG_JSON_DEFAULT = "OK"  # a JSON value of the wrong type for every route


class Clock:
    """``advance_every``: every N seconds, each placed order takes one status step."""

    def __init__(self, config, tick):
        self.config = config
        self._tick = tick
        self._cond = threading.Condition()
        self._stopped = False
        self._rearm = False
        self._thread = threading.Thread(target=self._run, name="clock", daemon=True)
        self._thread.start()

    def wake(self):
        """Re-read ``advance_every`` now (after a config change)."""
        with self._cond:
            self._rearm = True
            self._cond.notify_all()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _run(self):
        due = None
        while True:
            with self._cond:
                every = self.config.advance_every
                if self._rearm or every <= 0:
                    due, self._rearm = None, False
                if every > 0 and due is None:
                    due = time.monotonic() + every
                timeout = None if due is None else max(0.0, due - time.monotonic())
                self._cond.wait(timeout)
                if self._stopped:
                    return
                if due is None or time.monotonic() < due:
                    continue
                due = None
            try:
                self._tick()
            except Exception:
                _logger.exception("clock tick failed")


class Sandbox:
    """Everything the handlers share: settings, reference data, state and the helpers."""

    def __init__(self, config, state_file=None):
        self.config = config
        self.catalog = Catalog()
        self.webhooks = WebhookDispatcher(config)
        self.store = OrderStore(self.catalog, config, self.webhooks, state_file)
        self.faults = FaultInjector()
        self.api = Router(api.ROUTES)
        self.admin = Router(admin.ROUTES)
        self.stopping = threading.Event()
        self._calls = collections.Counter()
        self._calls_lock = threading.Lock()
        self.clock = Clock(config, self.store.advance_all)

    def count_call(self, key):
        with self._calls_lock:
            self._calls[key] += 1

    def call_counts(self):
        with self._calls_lock:
            return dict(self._calls)

    def reset(self):
        """Forget orders, faults, counters, events and downloads; keep the settings."""
        self.store.reset()
        self.faults.reset()
        self.webhooks.reset()
        with self._calls_lock:
            self._calls.clear()

    def close(self):
        self.stopping.set()
        self.clock.stop()
        self.webhooks.stop()

    def key_is_valid(self, key):
        if not key:
            return False
        given = key.encode()
        return any(hmac.compare_digest(given, k.encode()) for k in self.config.api_keys)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gelato-sandbox/1.0"

    def do_GET(self):
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format, *args):
        _logger.info("%s %s", self.client_address[0], format % args)

    def send_error(self, code, message=None, explain=None):
        """Malformed requests get a JSON error too (never the default HTML page)."""
        self.close_connection = True
        self._send(code, {"message": message or HTTPStatus(code).phrase})

    # === Dispatch === #

    def _handle(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Invalid Content-Length.")
            return
        body = self.rfile.read(length).decode("utf-8", "replace") if length > 0 else ""
        if url.path.startswith("/_sandbox/"):
            self._handle_admin(app, url.path, query, body)
        elif url.path.startswith(PREVIEW_PATH):
            self._handle_preview(app, url.path)
        else:
            self._handle_api(app, url.path, query, body)

    def _handle_admin(self, app, path, query, body):
        client = ipaddress.ip_address(self.client_address[0])
        if not (getattr(client, "ipv4_mapped", None) or client).is_loopback:
            self._send(403, {"message": "The sandbox admin API is for loopback clients only."})
            return
        route, params, known = app.admin.match(self.command, path)
        request = Request(self.command, path, params, query, body)
        self._send(*self._run(app, route, known, request))

    def _handle_preview(self, app, path):
        """A template's preview image, public like Gelato's image CDN (no API key); faults
        apply (endpoint ``GET /previews/*``)."""
        app.count_call("GET %s{file}" % PREVIEW_PATH)
        fault = app.faults.take(self.command, path, PREVIEW_PATH + "{file}")
        if fault:
            self._apply_fault(app, fault)
            return
        template_id = path[len(PREVIEW_PATH) :].rsplit(".", 1)[0]
        if self.command != "GET" or template_id not in app.catalog.templates:
            self._send(404, {"message": "Not found."})
            return
        self._send_raw(200, previews.preview_png(template_id), "image/png")

    def _base_url(self):
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        return "http://%s" % host

    def _handle_api(self, app, path, query, body):
        route, params, known = app.api.match(self.command, path)
        app.count_call(route.key if route else f"{self.command} {path}")
        if app.config.latency_ms:
            app.stopping.wait(app.config.latency_ms / 1000)
        fault = app.faults.take(self.command, path, route.template if route else None)
        if fault and fault["when"] == "before":
            self._apply_fault(app, fault)
            return
        if not app.key_is_valid(self.headers.get("X-API-KEY")):
            status, answer = 401, INVALID_KEY
        else:
            request = Request(self.command, path, params, query, body, self._base_url())
            status, answer = self._run(app, route, known, request)
        if fault:  # "after": the call took effect, the client won't hear of it properly
            self._apply_fault(app, fault, answer)
            return
        self._send(status, answer)

    def _run(self, app, route, known, request):
        """Run the route's handler; return ``(status, answer)`` (errors included)."""
        if route is None:
            if known:
                return 405, {"code": "method_not_allowed", "message": "Method not allowed."}
            message = f"No route for {request.method} {request.path}."
            return 404, {"code": "not_found", "message": message}
        try:
            return route.handler(app, request)
        except ApiError as exc:
            return exc.status, exc.body()
        except Exception:
            _logger.exception("%s failed", route.key)
            return 500, {"code": "internal_server_error", "message": "Internal server error."}

    # === Answers === #

    def _apply_fault(self, app, fault, answer=None):
        """Fail the call as ``fault`` says; ``answer`` is the real answer of an ``after`` fault."""
        kind = fault["kind"]
        _logger.info("fault %s (%s) on %s %s", kind, fault["when"], self.command, self.path)
        if kind in FAULT_ANSWERS:
            status, answer = FAULT_ANSWERS[kind]
            headers = {}
            if kind == "429":
                headers["Retry-After"] = str(fault.get("retry_after", app.config.retry_after))
            self._send(status, answer, headers)
            return
        status = fault.get("status", 200)
        if kind == "html":
            self._send_raw(status, HTML_PAGE, "text/html; charset=utf-8")
            return
        if kind == "empty":
            self._send_raw(status, b"", None)
            return
        if kind == "wrong_json":
            data = json.dumps(fault.get("body", WRONG_JSON_DEFAULT)).encode()
            self._send_raw(status, data, "application/json")
            return
        if kind == "truncated":
            data = json.dumps(answer if answer is not None else FAULT_ANSWERS["500"][1]).encode()
            self._send_raw(status, data[: max(1, len(data) // 2)], "application/json")
            return
        if kind == "hang":
            app.stopping.wait(fault.get("hang_seconds", app.config.hang_seconds))
        # hang (after waiting) and drop: close the socket without any HTTP answer.
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may have gone away already
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, status, answer, headers=None):
        data = b"" if answer is None else json.dumps(answer).encode()
        self._send_raw(status, data, "application/json" if data else None, headers)

    def _send_raw(self, status, data, content_type, headers=None):
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client hung up first


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, host, port, app):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)
        self.app = app
