"""Reliability run "Bad input": hostile webhooks, hostile print files, a Gelato answering garbage.

Three parts, each printing what it tried (counts per kind) and what was lost, duplicated or
wrong (the goal: nothing; every such finding is a problem and the run fails):

1. **Webhook fuzz** through a real Odoo server (2 HTTP workers) on the bench database:
   hypothesis-generated bodies posted to ``/gelato/webhook`` (10,000 examples at full size):
   Gelato events with values replaced or removed, arbitrary JSON, raw bytes, strings
   PostgreSQL cannot store (NUL, lone surrogates), deep nesting; right, wrong and missing
   secrets under several header names. Never a 5xx; unauthenticated requests always 403 and
   they write nothing (database snapshot before and after, fresh cursor); authenticated ones
   only 200/400/413. Mixed in: real events for real orders (sent in shuffled order, some
   twice or more); at the end each order's status, tracking and delivery window are what the
   valid events imply (nothing lost) and each valid event id is recorded exactly once
   (nothing duplicated).
2. **Hostile print files** through ``gelato.print.file`` create and write, as a user uploads
   them: truncated PNG/JPEG/PDF, decompression bombs, wrong extensions, empty and random
   files, PDFs with a corrupt xref or a huge page count, hostile file names. Each is refused
   with a clear message (no crash, no MemoryError or timeout in the Odoo process), the check's
   time and memory stay bounded, and the good file already on the print area is kept when a
   bad replacement is refused.
3. **A Gelato that answers garbage** (the sandbox's ``html``, ``empty``, ``wrong_json`` and
   ``truncated`` faults, before and after the call took effect where that means something):
   live rates, template synchronisation, the connection test, sending orders (the send job
   run in this process, each batch committed; promotion by the post-commit hook), refresh
   and cancel. Rates fail with a readable message, syncs change nothing, orders stay queued
   with a readable error and, once Gelato behaves, end sent with exactly one Gelato order.

Sizes: ``full`` (``make bench``) and ``short`` (``make test``, under a minute). Run with
`make bench` (or `make bench ARGS=bench/bench_bad_input.py`), or directly against a database
with gelato_connector: BENCH_DB=... BENCH_ODOO_CONF=... python bench/bench_bad_input.py
[short] (or BENCH_SIZE=short). BENCH_BAD_INPUT_PARTS=1,3 runs only some parts.
"""

import base64
import contextlib
import copy
import datetime
import io
import json
import logging
import os
import random
import resource
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import requests
from common import (
    REPO_ROOT,
    WEBHOOK_SECRET,
    Bench,
    OdooServer,
    Sandbox,
    bench_database,
    create_customer,
    machine_note,
    odoo_env,
    point_company_at_sandbox,
    template_fixture,
    timer,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SIZES = {
    "full": {
        "examples": 10_000,
        "orders": 12,
        "print_files": "all",
        "garbage": "all",
    },
    "short": {
        "examples": 300,
        "orders": 3,
        "print_files": "short",
        "garbage": "short",
    },
}
WEBHOOK_ROUTE = "/gelato/webhook"
WEBHOOK_MAX_BODY = 256 * 1024
SECRET = WEBHOOK_SECRET
POSTER_TEMPLATE = "poster-30x40-matte"
# How many 5xx (and other wrong answers) are reported one by one before they are only counted.
MAX_DETAILED = 25
# Words that betray a crash in a message meant for a user.
CRASH_WORDS = (
    "Traceback",
    "Unexpected error",
    "AttributeError",
    "TypeError",
    "KeyError",
    "IndexError",
    "ValueError",
    "NoneType",
    "object has no attribute",
    "JSONDecodeError",
)


def readable(message):
    """Whether ``message`` is a sentence for a user rather than a crash's text."""
    return (
        isinstance(message, str)
        and 10 <= len(message.strip()) <= 3000
        and not any(word in message for word in CRASH_WORDS)
    )


def short(text, size=300):
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= size else text[: size - 3] + "..."


class LogWatch(logging.Handler):
    """Collects the warnings and errors Odoo and the add-on log in this process."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []
        self.reported = set()  # indexes of the errors already reported as problems

    def emit(self, record):
        self.records.append(record)

    def errors(self, start=0):
        """The errors logged since ``start`` (an index in ``records``) not reported yet; they
        are reported now."""
        found = [
            record
            for index, record in enumerate(self.records[start:], start)
            if record.levelno >= logging.ERROR and index not in self.reported
        ]
        self.reported.update(
            index
            for index, record in enumerate(self.records[start:], start)
            if record.levelno >= logging.ERROR
        )
        return found

    def __enter__(self):
        self.logger = logging.getLogger("odoo")
        self.logger.addHandler(self)
        # Collected and summarised here instead of printed line by line.
        self.propagate = self.logger.propagate
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate


# =============================================================================================
# Part 1: webhook fuzz
# =============================================================================================

# Shapes of Gelato's events (https://dashboard.gelato.com/docs/webhooks/), to mutate; the same
# as gelato_connector/tests/test_gelato_webhook_fuzz.py (an unknown Gelato order).
FAKE_EVENTS = [
    {
        "id": "os_5e5680ec6b9a3",
        "event": "order_status_updated",
        "orderId": "a6a1f9cd-2b7a-4c6e-9f1b-2c9e1d0e9d11",
        "storeId": None,
        "orderReferenceId": "FUZZ-S00001",
        "fulfillmentStatus": "shipped",
        "items": [
            {
                "itemReferenceId": "1",
                "fulfillmentStatus": "shipped",
                "fulfillments": [
                    {
                        "trackingCode": "code",
                        "trackingUrl": "https://tracking.example/code",
                        "shipmentMethodName": "DHL Parcel",
                        "shipmentMethodUid": "dhl_parcel",
                        "fulfillmentCountry": "US",
                        "fulfillmentStateProvince": "NY",
                        "fulfillmentFacilityId": "f1",
                    }
                ],
            }
        ],
    },
    {
        "id": "oi_5e5680ec6b9a4",
        "event": "order_item_status_updated",
        "orderId": "a6a1f9cd-2b7a-4c6e-9f1b-2c9e1d0e9d11",
        "itemReferenceId": "1",
        "orderReferenceId": "FUZZ-S00001",
        "status": "printed",
        "comment": "",
        "created": "2026-11-22T10:00:00+00:00",
    },
    {
        "id": "ot_5e5680ec6b9a5",
        "event": "order_item_tracking_code_updated",
        "orderId": "a6a1f9cd-2b7a-4c6e-9f1b-2c9e1d0e9d11",
        "itemReferenceId": "1",
        "orderReferenceId": "FUZZ-S00001",
        "trackingCode": "code",
        "trackingUrl": "https://tracking.example/code",
        "shipmentMethodName": "DHL",
        "shipmentMethodUid": "dhl",
        "productionCountry": "US",
        "created": "2026-11-22T10:00:00+00:00",
    },
    {
        "id": "ode_5e5680ec6b9a6",
        "event": "order_delivery_estimate_updated",
        "orderId": "a6a1f9cd-2b7a-4c6e-9f1b-2c9e1d0e9d11",
        "orderReferenceId": "FUZZ-S00001",
        "minDeliveryDate": "2026-11-25",
        "maxDeliveryDate": "2026-11-28",
        "created": "2026-11-22T10:00:00+00:00",
    },
]
# Every status the connector knows: an authenticated mutated event about a real order gets
# "created" instead (below every real order's status), so it cannot move the order and the
# expected end state stays what the valid events imply.
KNOWN_STATUSES = (
    "draft",
    "created",
    "uploading",
    "pending_approval",
    "pending_personalization",
    "not_connected",
    "digitizing",
    "passed",
    "in_production",
    "printed",
    "shipped",
    "in_transit",
    "delivered",
    "on_hold",
    "failed",
    "canceled",
    "returned",
)
SNAPSHOT_SQL = """
    SELECT (SELECT count(*) FROM gelato_webhook_event),
           (SELECT max(id) FROM gelato_webhook_event),
           (SELECT max(write_date) FROM sale_order),
           (SELECT max(write_date) FROM sale_order_line),
           (SELECT max(write_date) FROM gelato_order),
           (SELECT count(*) FROM gelato_tracking),
           (SELECT count(*) FROM mail_message),
           (SELECT count(*) FROM mail_activity)
"""
SNAPSHOT_NAMES = (
    "webhook events",
    "last webhook event",
    "sale_order.write_date",
    "sale_order_line.write_date",
    "gelato_order.write_date",
    "tracking codes",
    "chatter messages",
    "activities",
)

# Strings PostgreSQL or a JSON encoder may choke on, placeholders, format strings.
HOSTILE_STRINGS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "{{MyOrderId}}",
    "%s%s%s",
    "%(id)s",
    "' OR 1=1 --",
    "\\",
    "\u202egnp.exe",
    "\U0001f600" * 3,
    "a" * 300,
    " ",
    "",
]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(HOSTILE_STRINGS)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.text(max_size=12) | st.sampled_from(HOSTILE_STRINGS), children, max_size=4
    ),
    max_leaves=12,
)
event_ids = (
    st.text(min_size=1, max_size=30)
    | st.sampled_from(HOSTILE_STRINGS)
    | st.sampled_from(["os_dup", "{{Id}}", "os_dup2"])
)


def mutate(draw, base):
    """A copy of ``base`` with a new id and some values replaced by arbitrary JSON or removed."""
    event = copy.deepcopy(base)
    event["id"] = draw(event_ids)
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=4, unique=True)):
        if draw(st.booleans()):
            event[key] = draw(json_values)
        else:
            del event[key]
    return event


def nested_json(depth, inside_event):
    """JSON text nested ``depth`` levels deep (bare, or as the orderId of an event)."""
    nest = "[" * depth + "]" * depth
    if not inside_event:
        return nest
    return '{"id": "deep-%s", "event": "order_status_updated", "orderId": %s}' % (depth, nest)


def case_strategy(real_bases, pool_size):
    """What one example posts: ``(kind, body)``; body is bytes, or a dict for real orders."""

    @st.composite
    def mutated_fake(draw):
        return "mutated event", json.dumps(mutate(draw, draw(st.sampled_from(FAKE_EVENTS))))

    @st.composite
    def mutated_real(draw):
        base = draw(st.sampled_from(real_bases))
        return "mutated event (real order)", (mutate(draw, base), base["orderId"])

    cases = [
        mutated_fake(),
        mutated_real(),
        json_values.map(lambda value: ("arbitrary JSON", json.dumps(value))),
        st.binary(max_size=300).map(lambda raw: ("raw bytes", raw)),
        st.tuples(st.integers(500, 200_000), st.booleans()).map(
            lambda args: ("deep nesting", nested_json(*args))
        ),
        st.integers(0, pool_size - 1).map(lambda index: ("valid event", index)),
    ]
    return st.one_of(cases)


# (secret, header name): about half the examples carry the right secret under a name that
# matches (header names are case-insensitive); the others a wrong, partial, padded or missing
# secret, or the right one under another header.
credentials = st.one_of(
    st.tuples(st.just(SECRET), st.sampled_from(["signature", "Signature", "SIGNATURE"])),
    st.tuples(
        st.sampled_from(
            [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), SECRET + " ", SECRET]
        ),
        st.sampled_from(
            ["signature", "Signature", "x-signature", "signatures", "Authorization", "x-other"]
        ),
    ),
)


def harmless(event, gelato_id):
    """An authenticated mutated event about a real order, made unable to move it: statuses
    it knows become "created" (below every real order's status), dates are dropped and its
    Gelato order is the real one (another id of the same reference would add a split part,
    rightly). The rest stays as hypothesis made it."""
    event = sanitize_statuses(event)
    for key in ("minDeliveryDate", "maxDeliveryDate"):
        if isinstance(event.get(key), str):
            del event[key]
    if "orderId" in event:
        event["orderId"] = gelato_id
    return event


def sanitize_statuses(value):
    """``value`` with every known status under a status key replaced by "created"."""
    if isinstance(value, dict):
        return {
            key: "created"
            if key in ("fulfillmentStatus", "status") and item in KNOWN_STATUSES
            else sanitize_statuses(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [sanitize_statuses(item) for item in value]
    return value


def prepare_webhook_orders(env, tag, count):
    """``count`` confirmed orders sent to Gelato (one line each, a Gelato order each), as
    bench/bench_webhook.py prepares them; the customer has no e-mail (no mail to send)."""
    env.company.write({"gelato_webhook_secret": SECRET, "gelato_webhook_header": "signature"})
    partner = env["res.partner"].create({"name": "Bad Input Customer %s" % tag})
    product = env["product.product"].create({"name": "Bad Input Poster %s" % tag, "type": "consu"})
    orders = []
    for index in range(count):
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "client_order_ref": "bad-input %s" % tag,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        order.gelato_state = "sent"
        gelato_order = env["gelato.order"].create(
            {
                "sale_order_id": order.id,
                "gelato_id": "%s-g%s" % (tag, index),
                "order_type": "order",
                "fulfillment_status": "created",
            }
        )
        order.order_line.write(
            {
                "gelato_order_id": gelato_order.id,
                "gelato_item_id": "%s-item%s" % (tag, index),
                "gelato_status": "created",
            }
        )
        orders.append(
            {
                "id": order.id,
                "name": order.name,
                "line": order.order_line.id,
                "gelato_id": gelato_order.gelato_id,
                "index": index,
            }
        )
    env.cr.commit()
    return orders


def valid_events(tag, order):
    """The real events of one order, and the state they lead to (whatever their order)."""
    i, line, gid, ref = order["index"], str(order["line"]), order["gelato_id"], order["name"]
    code = "%s-T%s" % (tag, i)
    ident = "%s-o%s-e%%s" % (tag, i)

    def status_event(k, status, fulfillments=()):
        return {
            "id": ident % k,
            "event": "order_status_updated",
            "orderId": gid,
            "storeId": None,
            "orderReferenceId": ref,
            "fulfillmentStatus": status,
            "comment": "",
            "items": [
                {
                    "itemReferenceId": line,
                    "fulfillmentStatus": status,
                    "fulfillments": list(fulfillments),
                }
            ],
        }

    def item_event(k, status):
        return {
            "id": ident % k,
            "event": "order_item_status_updated",
            "orderId": gid,
            "itemReferenceId": line,
            "orderReferenceId": ref,
            "status": status,
            "comment": "",
            "created": "2026-11-22T10:00:00+00:00",
        }

    max_date = datetime.date(2030, 1, 10) + datetime.timedelta(days=i)
    events = [
        status_event(0, "passed"),
        item_event(1, "in_production"),
        status_event(2, "printed"),
        {
            "id": ident % 3,
            "event": "order_item_tracking_code_updated",
            "orderId": gid,
            "itemReferenceId": line,
            "orderReferenceId": ref,
            "trackingCode": code,
            "trackingUrl": "https://tracking.example.invalid/%s" % code,
            "shipmentMethodName": "DHL Parcel",
            "shipmentMethodUid": "dhl_parcel",
            "created": "2026-11-22T10:00:00+00:00",
        },
        status_event(
            4,
            "shipped",
            [
                {
                    "trackingCode": code,
                    "trackingUrl": "https://tracking.example.invalid/%s" % code,
                    "shipmentMethodName": "DHL Parcel",
                }
            ],
        ),
        {
            "id": ident % 5,
            "event": "order_delivery_estimate_updated",
            "orderId": gid,
            "orderReferenceId": ref,
            "minDeliveryDate": (max_date - datetime.timedelta(days=3)).isoformat(),
            "maxDeliveryDate": max_date.isoformat(),
            "created": "2026-11-22T10:00:00+00:00",
        },
    ]
    order_status, line_status = "shipped", "shipped"
    if i % 2 == 0:
        events.append(status_event(6, "delivered"))
        order_status = line_status = "delivered"
    elif i % 3 == 1:
        events.append(item_event(6, "in_transit"))
        line_status = "in_transit"
    expected = {
        "order_status": order_status,
        "line_status": line_status,
        "tracking_code": code,
        "max_delivery_date": max_date,
        "event_ids": [event["id"] for event in events],
    }
    return events, expected


def real_bases(orders):
    """Events about the real orders to mutate (their statuses are made harmless when sent
    with the right secret; with a wrong one they are left as they are: nothing may happen)."""
    bases = []
    for order in orders[:3]:
        for base in FAKE_EVENTS:
            event = copy.deepcopy(base)
            event["orderId"] = order["gelato_id"]
            event["orderReferenceId"] = order["name"]
            if "itemReferenceId" in event:
                event["itemReferenceId"] = str(order["line"])
            if "trackingCode" in event:
                event["trackingCode"] = "fuzz-code"
            for item in event.get("items", []):
                item["itemReferenceId"] = str(order["line"])
            bases.append(event)
    return bases


def snapshot(registry):
    """What an unauthenticated request must not change, read with a fresh cursor."""
    with registry.cursor() as cr:
        cr.execute(SNAPSHOT_SQL)
        return cr.fetchone()


class WebhookFuzz:
    """Part 1: hypothesis against a real Odoo server's webhook, real events mixed in."""

    def __init__(self, bench, registry, make_env, server, size, tag):
        self.bench, self.registry, self.make_env = bench, registry, make_env
        self.url = server.url + WEBHOOK_ROUTE
        self.size, self.tag = size, tag
        self.session = requests.Session()
        self.tried = Counter()  # kind -> requests
        self.answers = Counter()  # HTTP status -> requests
        self.findings = Counter()  # kind of finding -> count
        self.deliveries = Counter()  # pool index -> authenticated deliveries answered 200
        self.stats = Counter()
        with registry.cursor() as cr:
            self.orders = prepare_webhook_orders(make_env(cr), tag, size["orders"])
            cr.execute("SELECT COALESCE(max(id), 0) FROM gelato_webhook_event")
            self.first_event_row = cr.fetchone()[0]
        # The valid events of the real orders, delivered first in a shuffled order (between
        # fuzz examples), then again as hypothesis and the end of the run resend them.
        self.pool, self.expectations = [], {}
        for order in self.orders:
            events, expected = valid_events(tag, order)
            self.pool.extend(events)
            self.expectations[order["id"]] = expected
        self.first_queue = list(range(len(self.pool)))
        random.Random(7).shuffle(self.first_queue)
        self.stride = max(1, size["examples"] // (len(self.pool) + 1))
        self.bases = real_bases(self.orders)

    def complain(self, kind, text):
        """A finding; the first ones of each kind are reported one by one, all are counted."""
        self.findings[kind] += 1
        if self.findings[kind] <= MAX_DETAILED:
            self.bench.problem(text)

    def post(self, kind, body, secret, header, method="POST", extra_headers=None):
        """Post one body and check the answer; returns the HTTP status (None: no answer)."""
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if secret is not None:
            headers[header] = secret
        authenticated = secret == SECRET and header.lower() == "signature"
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        before = None if authenticated else snapshot(self.registry)
        start = time.perf_counter()
        try:
            response = self.session.request(
                method, self.url, data=body, headers=headers, timeout=120
            )
        except requests.RequestException as error:
            self.complain("no answer", "webhook: no answer to %s (%s): %s" % (kind, error, body))
            return None
        self.stats["seconds"] += time.perf_counter() - start
        self.stats["authenticated" if authenticated else "unauthenticated"] += 1
        self.answers[response.status_code] += 1
        self.tried[kind] += 1
        if authenticated:
            self.check_authenticated(kind, body, method, response)
        else:
            self.check_unauthenticated(kind, body, secret, header, method, response, before)
        return response.status_code

    def check_authenticated(self, kind, body, method, response):
        status = response.status_code
        if status >= 500:
            self.complain(
                "5xx",
                "webhook: HTTP %s to %s (authenticated): body %s -> %s"
                % (status, kind, short(body, 200), short(response.text, 120)),
            )
        elif status not in ((200, 400, 413) if method == "POST" else (405,)):
            self.complain(
                "status", "webhook: authenticated %s got HTTP %s: %s" % (kind, status, short(body))
            )

    def check_unauthenticated(self, kind, body, secret, header, method, response, before):
        status = response.status_code
        allowed = {403}
        if len(body) > WEBHOOK_MAX_BODY:
            allowed.add(413)  # the size is checked before the caller
        if method != "POST":
            allowed.add(405)
        if status not in allowed:
            self.complain(
                "5xx" if status >= 500 else "status",
                "webhook: unauthenticated %s (header %r: %r) got HTTP %s, not 403: %s"
                % (kind, header, secret, status, short(body, 200)),
            )
        after = snapshot(self.registry)
        if after != before:
            changed = [
                name
                for name, old, new in zip(SNAPSHOT_NAMES, before, after, strict=True)
                if old != new
            ]
            self.complain(
                "unauthenticated write",
                "webhook: unauthenticated %s (header %r: %r) wrote %s: %s"
                % (kind, header, secret, ", ".join(changed), short(body, 200)),
            )

    def send_valid(self, index, secret=SECRET, header="signature"):
        """Deliver a valid event (as Gelato does, or replayed without the secret)."""
        event = self.pool[index]
        authenticated = secret == SECRET and header.lower() == "signature"
        kind = "valid event" if authenticated else "valid event, wrong secret"
        status = self.post(kind, json.dumps(event), secret, header)
        if authenticated:
            if status == 200:
                self.deliveries[index] += 1
            else:
                self.complain(
                    "valid", "webhook: valid event %s answered %s" % (event["id"], status)
                )

    def example(self, case, credential):
        """One hypothesis example (and now and then the first delivery of a valid event)."""
        secret, header = credential
        self.stats["examples"] += 1
        if self.stats["examples"] % self.stride == 0 and self.first_queue:
            self.send_valid(self.first_queue.pop())
        kind, body = case
        if kind == "valid event":
            self.send_valid(body, secret, header)
            return
        if kind == "mutated event (real order)":
            body, gelato_id = body
            if secret == SECRET and header.lower() == "signature":
                body = harmless(body, gelato_id)
            body = json.dumps(body)
        self.post(kind, body, secret, header)

    def run(self):
        print(
            "\n[1] Webhook fuzz: %s hypothesis examples to %s, %s real orders"
            % (self.size["examples"], WEBHOOK_ROUTE, len(self.orders)),
            flush=True,
        )

        @settings(
            max_examples=self.size["examples"],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=case_strategy(self.bases, len(self.pool)), credential=credentials)
        def fuzz(case, credential):
            self.example(case, credential)

        with timer() as elapsed:
            fuzz()
            # Every valid event delivered at least once, then half of them once more.
            for index in self.first_queue:
                self.send_valid(index)
            self.first_queue.clear()
            for index in range(0, len(self.pool), 2):
                self.send_valid(index)
            protocol_cases(self.post)
        self.report(elapsed())
        self.check_outcome()

    def report(self, seconds):
        requests_posted = sum(self.tried.values())
        print("  tried (%s requests in %.0f s):" % (requests_posted, seconds))
        for kind, count in sorted(self.tried.items()):
            print("    %-48s %6d" % (kind, count))
        print(
            "  answers: %s"
            % ", ".join("HTTP %s: %s" % item for item in sorted(self.answers.items()))
        )
        for kind, count in sorted(self.findings.items()):
            print("  found: %s x %s" % (count, kind))
        bench = self.bench
        bench.record("webhook fuzz: hypothesis examples", self.stats["examples"], "examples")
        bench.record("webhook fuzz: requests posted", requests_posted, "requests")
        bench.record(
            "webhook fuzz: unauthenticated requests", self.stats["unauthenticated"], "requests"
        )
        bench.record(
            "webhook fuzz: 5xx answers",
            sum(count for status, count in self.answers.items() if status >= 500),
            "answers",
            note="goal: 0",
        )
        bench.record(
            "webhook fuzz: unauthenticated requests that wrote",
            self.findings["unauthenticated write"],
            "requests",
            note="goal: 0",
        )
        bench.record(
            "webhook fuzz: mean latency",
            self.stats["seconds"] / max(1, requests_posted) * 1000,
            "ms",
        )

    def check_outcome(self):
        """Nothing lost, nothing duplicated: every valid event recorded once and applied."""
        bench = self.bench
        bench.record("valid events (real orders)", len(self.pool), "events")
        bench.record(
            "  delivered more than once",
            sum(1 for count in self.deliveries.values() if count > 1),
            "events",
        )
        bench.record("  deliveries in all", sum(self.deliveries.values()), "deliveries")
        for index, event in enumerate(self.pool):
            if not self.deliveries[index]:
                bench.problem("valid event %s was never delivered" % event["id"])
        found = Counter()
        with self.registry.cursor() as cr:
            env = self.make_env(cr)
            for order_id, expected in self.expectations.items():
                found.update(self.check_events(env, order_id, expected))
                found.update(self.check_order(env, order_id, expected))
            cr.execute(
                """SELECT state, count(*) FROM gelato_webhook_event
                    WHERE id > %s GROUP BY state ORDER BY state""",
                [self.first_event_row],
            )
            by_state = dict(cr.fetchall())
            cr.execute(
                """SELECT message, count(*) FROM gelato_webhook_event
                    WHERE id > %s AND state = 'error' GROUP BY message ORDER BY 2 DESC""",
                [self.first_event_row],
            )
            crashes = cr.fetchall()
        print(
            "  events recorded in this run: %s"
            % ", ".join("%s %s" % (count, state) for state, count in by_state.items())
        )
        for message, count in crashes:
            # The safety net caught an exception: bad input crashed the event's processing.
            bench.problem("%s webhook event(s) crashed while applied: %s" % (count, short(message)))
        bench.record(
            "webhook events that crashed (state error)", by_state.get("error", 0), "events"
        )
        bench.record("valid events lost", found["lost"], "events", note="goal: 0")
        bench.record("valid events duplicated", found["duplicated"], "events", note="goal: 0")
        bench.record("real orders in a wrong state", found["wrong"], "findings", note="goal: 0")

    def check_events(self, env, order_id, expected):
        """Each valid event of the order recorded exactly once, applied, on the order."""
        found = Counter()
        env.cr.execute(
            """SELECT event_id, count(*), array_agg(state), array_agg(sale_order_id)
                 FROM gelato_webhook_event
                WHERE company_id = %s AND event_id = ANY(%s)
             GROUP BY event_id""",
            [env.company.id, expected["event_ids"]],
        )
        recorded = {row[0]: row[1:] for row in env.cr.fetchall()}
        for event_id in expected["event_ids"]:
            count, states, sale_orders = recorded.get(event_id, (0, [], []))
            if not count:
                found["lost"] += 1
                self.bench.problem("valid event %s is not recorded (lost)" % event_id)
            elif count > 1:
                found["duplicated"] += 1
                self.bench.problem("valid event %s is recorded %s times" % (event_id, count))
            elif states != ["done"] or sale_orders != [order_id]:
                found["wrong"] += 1
                self.bench.problem(
                    "valid event %s: state %s, sale order %s (expected done, %s)"
                    % (event_id, states, sale_orders, order_id)
                )
        return found

    def check_order(self, env, order_id, expected):
        """The order is where its valid events lead: status, tracking, delivery window."""
        order = env["sale.order"].browse(order_id)
        line, gelato_order = order.order_line, order.gelato_order_ids
        code = expected["tracking_code"]
        actual = {
            "Gelato orders": len(gelato_order),
            "order status": gelato_order[:1].fulfillment_status,
            "line status": line.gelato_status,
            "delivered quantity": line.gelato_qty_delivered,
            "tracking %s" % code: line.gelato_tracking_ids.mapped("tracking_code").count(code),
            "delivery until": gelato_order[:1].max_delivery_date,
            "gelato_state": order.gelato_state,
            "state": order.state,
        }
        wanted = {
            "Gelato orders": 1,
            "order status": expected["order_status"],
            "line status": expected["line_status"],
            "delivered quantity": 1.0,
            "tracking %s" % code: 1,
            "delivery until": expected["max_delivery_date"],
            "gelato_state": "sent",
            "state": "sale",
        }
        found = Counter()
        for key, value in wanted.items():
            if actual[key] != value:
                found["wrong"] += 1
                self.bench.problem(
                    "order %s: %s is %r, the valid events imply %r"
                    % (order.name, key, actual[key], value)
                )
        return found


def protocol_cases(post):
    """Requests beyond the JSON body: methods, sizes, encodings, header oddities."""
    event = json.dumps(FAKE_EVENTS[0])
    oversized = json.dumps({**FAKE_EVENTS[0], "comment": "x" * 300_000})
    for secret in (SECRET, "wrong"):
        post("protocol: oversized body (300 KB)", oversized, secret, "signature")
        post("protocol: empty body", b"", secret, "signature")
        post("protocol: GET", b"", secret, "signature", method="GET")
        post("protocol: PUT", event, secret, "signature", method="PUT")
        post(
            "protocol: claims gzip",
            event,
            secret,
            "signature",
            extra_headers={"Content-Encoding": "gzip"},
        )
        post(
            "protocol: form-encoded",
            b"id=1&event=order_status_updated",
            secret,
            "signature",
            extra_headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        post(
            "protocol: text/plain event",
            event,
            secret,
            "signature",
            extra_headers={"Content-Type": "text/plain"},
        )
        post("protocol: UTF-8 BOM", "\ufeff" + event, secret, "signature")
        post("protocol: deep nesting (100,000)", nested_json(100_000, False), secret, "signature")
        post("protocol: NUL in event id", event.replace("os_5e", "os\\u0000"), secret, "signature")
        post(
            "protocol: lone surrogate in order id",
            event.replace('"a6a1f9cd', '"\\ud800'),
            secret,
            "signature",
        )
        post("protocol: huge integer", '{"id": %s}' % ("9" * 5000), secret, "signature")


# =============================================================================================
# Part 2: hostile print files
# =============================================================================================


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def handmade_png(width, height, idat):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def zeros_stream(total, block=16 * 1024 * 1024):
    """A valid zlib stream of ``total`` zero bytes, made in about a second: one block
    compressed once and repeated (a full flush makes each one stand alone), the rest, and the
    Adler-32 checksum of everything."""
    count, rest = divmod(total, block)
    data = b"\0" * block
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate
    body = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = compressor.compress(b"\0" * rest) + compressor.flush()  # the final block
    checksum = 1
    for _index in range(count):
        checksum = zlib.adler32(data, checksum)
    checksum = zlib.adler32(b"\0" * rest, checksum)
    return b"\x78\xda" + body * count + end + checksum.to_bytes(4, "big")


def solid_png(width, height):
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(output, "PNG")
    return output.getvalue()


def solid_jpeg(width, height):
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), (40, 40, 200)).save(output, "JPEG", quality=85)
    return output.getvalue()


def jpeg_claiming(width, height):
    """A small JPEG whose frame header claims ``width`` x ``height`` pixels."""
    data = bytearray(solid_jpeg(64, 64))
    position = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, position + 5, height, width)
    return bytes(data)


def blank_pdf(pages, width_mm=300, height_mm=400):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width_mm * 72 / 25.4, height_mm * 72 / 25.4)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_claiming_pages(count):
    """A one-page PDF whose page tree claims ``count`` pages."""
    data = blank_pdf(1)
    return data.replace(b"/Count 1", b"/Count %d" % count, 1)


def pdf_corrupt_xref():
    """A PDF whose cross-reference table points nowhere."""
    data = blank_pdf(1)
    start = data.rfind(b"xref")
    table_end = data.find(b"trailer", start)
    table = data[start:table_end]
    garbage = bytes(
        b if not 0x30 <= b <= 0x39 else 0x30 + (b * 7 + 3) % 10 for b in table[5:]
    )  # digits scrambled, layout kept
    return data[: start + 5] + garbage + data[table_end:]


def pdf_garbage_objects():
    """A PDF header and trailer around random bytes."""
    return b"%PDF-1.7\n" + random.Random(3).randbytes(4000) + b"\ntrailer\n<<>>\n%%EOF\n"


def pdf_flate_bomb(inflated):
    """A small PDF whose page content inflates to ``inflated`` bytes."""
    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(850, 1134)
    stream = EncodedStreamObject()
    stream._data = zeros_stream(inflated)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# One of each kind for the short run (make test).
SHORT_FILES = {
    "truncated PNG (half)",
    "truncated JPEG (half)",
    "truncated PDF (half)",
    "PDF with a corrupt xref table",
    "PNG claiming 100,000 x 100,000 px",
    "PNG 1000 x 1000 px inflating to 256 MB",
    "PDF named .png",
    "Windows executable named .jpg",
    "empty file",
    "random bytes",
    "good PNG named --preview",
    "good PNG, lone surrogate in its name",
    "PNG bomb named 200,000 characters long",
}


def hostile_files(kind):
    """``[(label, filename, bytes, expectation[, more values])]``: ``refuse`` (must be
    refused) or ``either`` (refused with a clear message, or accepted; bounded either way)."""
    good_png = solid_png(1890, 2520)  # 160 dpi on the 30 x 40 cm poster
    good_jpeg = solid_jpeg(1890, 2520)
    good_pdf = blank_pdf(1)
    gif = b"GIF89a" + random.Random(1).randbytes(200)
    files = [
        # truncated and damaged
        ("truncated PNG (half)", "poster.png", good_png[: len(good_png) // 2], "refuse"),
        ("PNG without its end chunk", "poster.png", good_png[:-12], "refuse"),
        (
            "PNG with a flipped bit",
            "poster.png",
            good_png[:60] + bytes([good_png[60] ^ 1]) + good_png[61:],
            "refuse",
        ),
        ("truncated JPEG (half)", "poster.jpg", good_jpeg[: len(good_jpeg) // 2], "refuse"),
        ("JPEG header only (300 bytes)", "poster.jpg", good_jpeg[:300], "refuse"),
        ("truncated PDF (half)", "poster.pdf", good_pdf[: len(good_pdf) // 2], "refuse"),
        ("PDF header around random bytes", "poster.pdf", pdf_garbage_objects(), "refuse"),
        ("PDF with a corrupt xref table", "poster.pdf", pdf_corrupt_xref(), "either"),
        # decompression bombs
        (
            "PNG claiming 100,000 x 100,000 px",
            "bomb.png",
            handmade_png(100_000, 100_000, zlib.compress(b"\0" * 1000)),
            "refuse",
        ),
        ("JPEG claiming 65,000 x 65,000 px", "bomb.jpg", jpeg_claiming(65_000, 65_000), "refuse"),
        (
            "PNG 1000 x 1000 px inflating to 256 MB",
            "bomb.png",
            handmade_png(1000, 1000, zeros_stream(256 * 1024 * 1024)),
            "refuse",
        ),
        # wrong extension, wrong type
        ("PDF named .png", "poster.png", good_pdf, "refuse"),
        ("PNG named .pdf", "poster.pdf", good_png, "refuse"),
        ("JPEG named .png", "poster.png", good_jpeg, "refuse"),
        ("text named .jpg", "poster.jpg", b"Just some text, not an image.\n" * 20, "refuse"),
        (
            "ZIP named .jpg",
            "poster.jpg",
            b"PK\x03\x04" + random.Random(2).randbytes(500),
            "refuse",
        ),
        (
            "Windows executable named .jpg",
            "poster.jpg",
            b"MZ\x90\x00" + random.Random(4).randbytes(2000),
            "refuse",
        ),
        ("GIF named .png", "poster.png", gif, "refuse"),
        ("SVG named .png", "poster.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "refuse"),
        ("PNG named .tif", "poster.tif", good_png, "refuse"),
        ("empty file", "poster.png", b"", "refuse"),
        ("random bytes", "poster.png", random.Random(5).randbytes(8192), "refuse"),
        (
            "PNG signature then random bytes",
            "poster.png",
            b"\x89PNG\r\n\x1a\n" + random.Random(6).randbytes(8192),
            "refuse",
        ),
        ("PNG then a PDF (polyglot)", "poster.png", good_png[:-12] + good_pdf, "refuse"),
        # hostile names around a good file
        ("good PNG named --preview", "--preview", good_png, "refuse"),
        ("good PNG named -", "-", good_png, "refuse"),
        ("good PNG, NUL in its name", "poster\x00.png", good_png, "either"),
        ("good PNG, lone surrogate in its name", "poster\ud800.png", good_png, "either"),
        ("good PNG, name of 1,000 characters", "a" * 996 + ".png", good_png, "either"),
        (
            "PNG bomb named 200,000 characters long",
            "b" * 200_000 + ".png",
            handmade_png(1000, 1000, zeros_stream(256 * 1024 * 1024)),
            "refuse",
        ),
    ]
    if kind == "short":
        files = [entry for entry in files if entry[0] in SHORT_FILES]
    if kind == "all":
        huge_png = handmade_png(12_000, 14_000, zeros_stream(14_000 * (1 + 12_000 * 3)))
        files += [
            # big and slow
            ("valid PNG of 168 Mpx (500 MB decoded)", "huge.png", huge_png, "either"),
            (
                "valid PNG of 168 Mpx as the product image",
                "huge.png",
                huge_png,
                "either",
                {"is_default": True},
            ),
            ("PDF claiming 2 billion pages", "poster.pdf", pdf_claiming_pages(2**31 - 1), "either"),
            ("PDF of 20,000 pages", "poster.pdf", blank_pdf(20_000), "either"),
            (
                "PDF whose page inflates to 1.6 GB",
                "bomb.pdf",
                pdf_flate_bomb(100 * 16 * 1024 * 1024),
                "refuse",
            ),
        ]
    else:
        files += [
            (
                "PDF whose page inflates to 1.3 GB",
                "bomb.pdf",
                pdf_flate_bomb(80 * 16 * 1024 * 1024),
                "refuse",
            ),
        ]
    return files


def setup_print_products(env, tag):
    """Two posters made as a synchronisation makes them: one with a good print file (for
    replacements), one without (for first uploads)."""
    template_data = json.loads(
        (REPO_ROOT / "tools/gelato_sandbox/fixtures/templates/poster-30x40-matte.json").read_text(
            encoding="utf-8"
        )
    )
    template_data["previewUrl"] = ""
    products = env["product.template"].create(
        [
            {
                "name": "Bad input poster %s %s" % (label, tag),
                "type": "consu",
                "gelato_template_ref": POSTER_TEMPLATE,
            }
            for label in ("with file", "without file")
        ]
    )
    for product in products:
        product._gelato_apply_template_data(template_data)
    good = env["gelato.print.file"].create(
        {
            "placement_id": products[0].gelato_placement_ids.id,
            "datas": base64.b64encode(solid_png(1890, 2520)),
            "filename": "good.png",
        }
    )
    env.cr.commit()
    return products, good


def read_good_file(registry, make_env, file_id):
    with registry.cursor() as cr:
        file = make_env(cr)["gelato.print.file"].browse(file_id).exists()
        if not file:
            return None
        return (file.datas, file.filename, file.check_state, file.file_type, file.width_px)


def children_peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def self_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def try_upload(registry, make_env, logs, action, vals, target_id):
    """One upload as a user makes it, in its own transaction (rolled back whatever happens).

    :return: ``{"outcome", "message", "seconds", "fallback", "stored"}``: outcome is
        ``refused`` (a ValidationError/UserError), ``accepted`` or ``crash`` (anything else);
        fallback: the check ran inside this process; stored: what an accepted file recorded.
    """
    from odoo.exceptions import UserError

    start_log = len(logs.records)
    answer = {"outcome": "accepted", "message": "", "stored": ""}
    with registry.cursor() as cr:
        env = make_env(cr)
        files = env["gelato.print.file"]
        start = time.perf_counter()
        try:
            if action == "create":
                file = files.create(dict(vals, placement_id=target_id))
            else:
                file = files.browse(target_id)
                file.write(vals)
            env.flush_all()
            answer["stored"] = "%s %sx%s, %s page(s), %s" % (
                file.file_type,
                file.width_px,
                file.height_px,
                file.page_count,
                file.check_state,
            )
            if vals.get("is_default"):
                answer["stored"] += ", product image %s" % (
                    "made" if file.product_tmpl_id.image_1920 else "missing"
                )
        except UserError as error:  # ValidationError is a UserError
            answer.update(outcome="refused", message=str(error.args[0]))
        except MemoryError as error:
            answer.update(outcome="crash", message="MemoryError in the Odoo process: %r" % error)
        except Exception as error:
            answer.update(
                outcome="crash", message="%s: %s" % (type(error).__name__, short(str(error)))
            )
        answer["seconds"] = time.perf_counter() - start
        cr.rollback()
    answer["fallback"] = any(
        "checking here" in record.getMessage() for record in logs.records[start_log:]
    )
    return answer


class PrintFileRun:
    """Part 2: hostile files uploaded on a print area (first upload) and over a good file."""

    def __init__(self, bench, registry, make_env, size, tag, logs):
        self.bench, self.registry, self.make_env = bench, registry, make_env
        self.size, self.tag, self.logs = size, tag, logs
        self.counts = Counter()
        self.slowest = (0.0, "")
        self.peak_child = (children_peak_rss_mb(), "(before)")

    def run(self):
        print("\n[2] Hostile print files through gelato.print.file (create and replace)")
        files = hostile_files(self.size["print_files"])
        with self.registry.cursor() as cr:
            products, good = setup_print_products(self.make_env(cr), self.tag)
            self.good_id = good.id
            self.empty_placement = products[1].gelato_placement_ids.id
            product_ids = products.ids
        self.good_before = read_good_file(self.registry, self.make_env, self.good_id)
        self_before = self_rss_mb()
        try:
            for label, filename, data, expectation, *more in files:
                self.upload(label, filename, data, expectation, *more)
        finally:
            with self.registry.cursor() as cr:
                self.make_env(cr)["product.template"].browse(product_ids).unlink()
                cr.commit()
        self.report(len(files), self_rss_mb() - self_before)

    def upload(self, label, filename, data, expectation, more=None):
        vals = {"datas": base64.b64encode(data), "filename": filename, **(more or {})}
        answers = {}
        for action, target in (("create", self.empty_placement), ("replace", self.good_id)):
            answer = answers[action] = try_upload(
                self.registry, self.make_env, self.logs, action, vals, target
            )
            self.judge(label, action, expectation, answer)
            if action == "replace":
                kept = read_good_file(self.registry, self.make_env, self.good_id)
                if kept != self.good_before:
                    self.counts["good file lost"] += 1
                    self.bench.problem(
                        "print file %r: the good file on the print area was not kept" % label
                    )
        outcomes = "/".join(sorted({answer["outcome"] for answer in answers.values()}))
        create = answers["create"]
        # The reasons, without the first line (it names the file and the print area).
        detail = create["message"].split("\n", 1)[-1].replace("\n", " ") or create["stored"]
        print(
            "  %-42s %-8s %5.2fs  %s"
            % (
                short(label, 42),
                outcomes,
                max(answer["seconds"] for answer in answers.values()),
                short(detail, 110),
            ),
            flush=True,
        )

    def judge(self, label, action, expectation, answer):
        counts, problem = self.counts, self.bench.problem
        counts["tried"] += 1
        counts[answer["outcome"]] += 1
        if answer["seconds"] > self.slowest[0]:
            self.slowest = (answer["seconds"], label)
        peak = children_peak_rss_mb()
        if peak > self.peak_child[0]:
            self.peak_child = (peak, label)
        reasons = answer["message"].split("\n", 1)[-1]
        if answer["outcome"] == "crash":
            problem("print file %r (%s): crash: %s" % (label, action, answer["message"]))
        elif answer["outcome"] == "refused" and not readable(reasons):
            problem(
                "print file %r (%s): refused without a clear message: %s"
                % (label, action, short(answer["message"]))
            )
        elif answer["outcome"] == "accepted" and expectation == "refuse":
            counts["accepted wrongly"] += 1
            problem("print file %r (%s) was accepted: %s" % (label, action, answer["stored"]))
        if answer["fallback"]:
            problem(
                "print file %r (%s): checked inside the Odoo process (the isolated check could "
                "not start)" % (label, action)
            )
        if answer["seconds"] > 90:
            problem(
                "print file %r (%s): the check took %.0f s" % (label, action, answer["seconds"])
            )

    def report(self, files, self_growth):
        counts, bench = self.counts, self.bench
        print(
            "  tried %s uploads (%s files x create/replace): %s refused, %s accepted (%s wrongly),"
            " %s crashed; good file lost %s times"
            % (
                counts["tried"],
                files,
                counts["refused"],
                counts["accepted"],
                counts["accepted wrongly"],
                counts["crash"],
                counts["good file lost"],
            )
        )
        bench.record("print files: uploads tried", counts["tried"], "uploads")
        bench.record("print files: refused", counts["refused"], "uploads")
        bench.record(
            "print files: accepted wrongly", counts["accepted wrongly"], "uploads", note="goal: 0"
        )
        bench.record("print files: crashes", counts["crash"], "uploads", note="goal: 0")
        bench.record(
            "print files: good file lost", counts["good file lost"], "times", note="goal: 0"
        )
        bench.record(
            "print files: slowest check", self.slowest[0], "s", note=short(self.slowest[1], 40)
        )
        bench.record(
            "print files: peak memory of a check process",
            self.peak_child[0],
            "MB",
            note=short(self.peak_child[1], 40),
        )
        bench.record(
            "print files: memory growth of the Odoo process",
            max(0.0, self_growth),
            "MB",
            note="peak RSS (the files are made here)",
        )
        if self_growth > 512:
            bench.problem("the Odoo process grew by %.0f MB checking print files" % self_growth)


# =============================================================================================
# Part 3: a Gelato that answers garbage
# =============================================================================================

GARBAGE = {
    "html": [{"kind": "html"}],
    "empty": [{"kind": "empty"}],
    "wrong_json": [{"kind": "wrong_json", "body": "OK"}],
    "truncated": [{"kind": "truncated"}],
}
GARBAGE_DELETE = [
    ("html", {"kind": "html"}),
    ("wrong_json", {"kind": "wrong_json", "body": "OK"}),
    ("truncated", {"kind": "truncated"}),
    ("wrong_json []", {"kind": "wrong_json", "body": []}),
    ("wrong_json 5", {"kind": "wrong_json", "body": 5}),
]
# Shape-specific wrong JSON per endpoint (full size only).
WRONG_JSON = {
    "quote": [[], {"quotes": "none"}, {"quotes": [{"shipmentMethods": "x"}]}, None],
    "template": [
        {"variants": "none"},
        {"variants": [5]},
        {"variants": [{"productUid": 5}]},
        {"variants": [{"productUid": "p", "imagePlaceholders": "front"}]},
        {"variants": [{"productUid": "p", "imagePlaceholders": [{"printArea": ["front"]}]}]},
    ],
    "catalogs": [{"data": "none"}, 5],
    "search": [{"orders": "none"}, [], {"orders": [{"id": 5}]}, {"orders": [5]}],
    "order": [{"id": 5}, [], {"id": ["x"]}, {"id": "   "}, {"items": "x"}],
}


def garbage_faults(size, endpoint_kind):
    """The faults to arm for one endpoint: ``[(label, spec)]``."""
    faults = []
    for kind, specs in GARBAGE.items():
        for spec in specs:
            faults.append((kind, spec))
    if size["garbage"] == "all":
        for body in WRONG_JSON.get(endpoint_kind, []):
            faults.append(
                (
                    "wrong_json %s" % short(json.dumps(body), 40),
                    {"kind": "wrong_json", "body": body},
                )
            )
        faults.append(("html with HTTP 502", {"kind": "html", "status": 502}))
    return faults


def setup_orders_env(env, tag, sandbox_url, base_url):
    """The company pointed at the sandbox, a customer, a Gelato poster with its print file."""
    company = env.company
    saved = {
        "gelato_api_key": company.sudo().gelato_api_key,
        "gelato_api_url": company.sudo().gelato_api_url,
        "gelato_approval_mode": company.gelato_approval_mode,
        "web.base.url": env["ir.config_parameter"].get_param("web.base.url"),
    }
    point_company_at_sandbox(env, sandbox_url, base_url)
    customer = create_customer(env)
    template_data = template_fixture(POSTER_TEMPLATE)
    template = env["product.template"].create(
        {
            "name": "Bad input Gelato poster %s" % tag,
            "type": "consu",
            "list_price": 20,
            "gelato_template_ref": POSTER_TEMPLATE,
        }
    )
    template._gelato_apply_template_data(template_data)
    env["gelato.print.file"].create(
        {
            "placement_id": template.gelato_placement_ids.id,
            "datas": base64.b64encode(solid_png(1890, 2520)),
            "filename": "poster.png",
        }
    )
    carrier = env.ref("gelato_connector.delivery_carrier_gelato_standard")
    env.cr.commit()
    return saved, customer.id, template.id, carrier.id


def restore_company(registry, make_env, saved):
    with registry.cursor() as cr:
        env = make_env(cr)
        env.company.write({key: value for key, value in saved.items() if key != "web.base.url"})
        env["ir.config_parameter"].set_param("web.base.url", saved["web.base.url"])
        cr.commit()


class GarbageRun:
    """Part 3: the connector's calls against a sandbox armed with garbage answers."""

    def __init__(self, bench, registry, make_env, sandbox, size, tag, logs, ids):
        self.bench, self.registry, self.make_env = bench, registry, make_env
        self.sandbox, self.size, self.tag, self.logs = sandbox, size, tag, logs
        self.customer_id, self.template_id, self.carrier_id = ids
        self.tried = Counter()
        self.outcomes = Counter()
        self.messages = defaultdict(Counter)

    # --- helpers ---------------------------------------------------------------------------

    def arm(self, endpoint, spec, when="before", count=1):
        self.sandbox.admin("faults", {**spec, "endpoint": endpoint, "when": when, "count": count})

    def clear(self):
        self.sandbox.admin("faults", method="DELETE")

    def problem(self, text):
        self.outcomes["problem"] += 1
        self.bench.problem(text)

    def note(self, area, message):
        self.messages[area][short(message.replace("\n", " "), 140)] += 1

    def watch_errors(self, label, start):
        for record in self.logs.errors(start):
            self.problem("%s: an error was logged: %s" % (label, short(record.getMessage(), 200)))

    def env(self, cr):
        return self.make_env(cr)

    def quotation(self, env, with_carrier=True):
        order = env["sale.order"].create(
            {
                "partner_id": self.customer_id,
                "client_order_ref": "bad-input %s" % self.tag,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": env["product.template"]
                            .browse(self.template_id)
                            .product_variant_id.id,
                            "product_uom_qty": 1,
                        },
                    )
                ],
            }
        )
        if with_carrier:
            order.set_delivery_line(env["delivery.carrier"].browse(self.carrier_id), 5.0)
        return order

    def send_job(self, order_ids, rounds=3):
        """The send job on these orders, one committed batch per round (the post-commit hook
        promotes the drafts the batch created, as under the cron runner)."""
        for _round in range(rounds):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                batch = env["sale.order"]._gelato_lock_orders_to_send(
                    len(order_ids), order_ids=order_ids
                )
                batch._gelato_send()
                cr.commit()
            if not batch:
                return

    def order_state(self, order_id):
        with self.registry.cursor() as cr:
            order = self.env(cr)["sale.order"].browse(order_id)
            return {
                "name": order.name,
                "state": order.state,
                "gelato_state": order.gelato_state,
                "last_error": order.gelato_last_error or "",
                "gelato_orders": [
                    (g.gelato_id, g.order_type, g.fulfillment_status)
                    for g in order.gelato_order_ids
                ],
            }

    def make_due(self, order_id):
        """Let the back-off delay pass."""
        from odoo import fields

        with self.registry.cursor() as cr:
            self.env(cr)["sale.order"].browse(order_id).write(
                {"gelato_next_attempt": fields.Datetime.subtract(fields.Datetime.now(), seconds=5)}
            )
            cr.commit()

    def counters(self, reference):
        return self.sandbox.admin("counters")["ordersByReference"].get(reference, {})

    # --- rates, templates, connection test -------------------------------------------------

    def rates(self):
        faults = garbage_faults(self.size, "quote")
        faults.append(("truncated (after)", {"kind": "truncated", "_when": "after"}))
        for label, fault in faults:
            spec = dict(fault)
            when = spec.pop("_when", "before")
            self.tried["live rate"] += 1
            start = len(self.logs.records)
            with self.registry.cursor() as cr:
                env = self.env(cr)
                order = self.quotation(env, with_carrier=False)
                carrier = env["delivery.carrier"].browse(self.carrier_id)
                self.arm("POST /v4/orders:quote", spec, when)
                try:
                    rate = carrier.rate_shipment(order)
                except Exception as error:
                    self.problem(
                        "live rate, %s: raised %s: %s" % (label, type(error).__name__, error)
                    )
                    cr.rollback()
                    continue
                finally:
                    self.clear()
                cr.rollback()
            if rate.get("success") or not readable(rate.get("error_message")):
                self.problem("live rate, %s: answered %s" % (label, short(repr(rate))))
            elif "again" not in rate["error_message"]:
                # Garbage is passing: a rate that says "not available" hides the method.
                self.problem("live rate, %s: misleading answer %r" % (label, rate["error_message"]))
            else:
                self.note("live rate", rate["error_message"])
            self.watch_errors("live rate, %s" % label, start)

    def template_snapshot(self, template):
        template.invalidate_recordset()
        return (
            template.name,
            template.write_date,
            template.gelato_template_ref,
            sorted(template.product_variant_ids.mapped(lambda p: (p.id, p.gelato_product_uid))),
            sorted(
                template.gelato_placement_ids.mapped(
                    lambda p: (p.id, p.print_area, p.width_mm, p.height_mm)
                )
            ),
            sorted(template.gelato_print_file_ids.ids),
            len(template.message_ids),
            template.attribute_line_ids.ids,
        )

    def template_sync(self):
        faults = garbage_faults(self.size, "template")
        faults.append(("truncated (after)", {"kind": "truncated", "_when": "after"}))
        from odoo.exceptions import UserError

        for label, fault in faults:
            spec = dict(fault)
            when = spec.pop("_when", "before")
            start = len(self.logs.records)
            # The button (it commits the notification's transaction) and the method.
            for way in ("button", "method"):
                self.tried["template sync"] += 1
                with self.registry.cursor() as cr:
                    template = self.env(cr)["product.template"].browse(self.template_id)
                    before = self.template_snapshot(template)
                    self.arm("GET /v1/templates/*", spec, when)
                    try:
                        if way == "button":
                            action = template.action_gelato_sync_template()
                            params = action.get("params", {})
                            if params.get("type") != "danger" or not readable(
                                params.get("message")
                            ):
                                self.problem(
                                    "template sync (button), %s: %s" % (label, short(repr(params)))
                                )
                            else:
                                self.note("template sync", params["message"])
                            cr.commit()
                        else:
                            template._gelato_sync_template()
                            self.problem("template sync, %s: no error raised" % label)
                    except UserError as error:
                        if way == "button" or not readable(error.args[0]):
                            self.problem(
                                "template sync (%s), %s: %s" % (way, label, short(error.args[0]))
                            )
                        else:
                            self.note("template sync", error.args[0])
                        cr.rollback()
                    except Exception as error:
                        self.problem(
                            "template sync (%s), %s: raised %s: %s"
                            % (way, label, type(error).__name__, short(str(error)))
                        )
                        cr.rollback()
                    finally:
                        self.clear()
                with self.registry.cursor() as cr:
                    after = self.template_snapshot(
                        self.env(cr)["product.template"].browse(self.template_id)
                    )
                if after != before:
                    self.problem(
                        "template sync (%s), %s: the product changed: %s -> %s"
                        % (way, label, short(repr(before), 200), short(repr(after), 200))
                    )
            self.watch_errors("template sync, %s" % label, start)

    def connection_test(self):
        from odoo.exceptions import UserError

        for label, spec in garbage_faults(self.size, "catalogs"):
            self.tried["connection test"] += 1
            start = len(self.logs.records)
            with self.registry.cursor() as cr:
                company = self.env(cr).company
                self.arm("GET /v3/catalogs", spec)
                try:
                    company._gelato_test_connection()
                    self.problem("connection test, %s: reported a working key" % label)
                except UserError as error:
                    if readable(error.args[0]):
                        self.note("connection test", error.args[0])
                    else:
                        self.problem("connection test, %s: %s" % (label, short(error.args[0])))
                except Exception as error:
                    self.problem(
                        "connection test, %s: raised %s: %s"
                        % (label, type(error).__name__, short(str(error)))
                    )
                finally:
                    self.clear()
                    cr.rollback()
            self.watch_errors("connection test, %s" % label, start)

    # --- sending orders ---------------------------------------------------------------------

    def confirmed_order(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            order = self.quotation(env)
            order.action_confirm()
            if order.gelato_state != "queued":
                raise RuntimeError("order %s is %s, not queued" % (order.name, order.gelato_state))
            cr.commit()
            return order.id

    def send_scenario(self, label, attempts):
        """Garbage on the first attempts (one list of faults per attempt): the order stays
        queued with a readable error; once Gelato behaves it ends sent with one Gelato order."""
        self.tried["send order"] += 1
        start = len(self.logs.records)
        order_id = self.confirmed_order()
        for number, faults in enumerate(attempts):
            if number:
                self.make_due(order_id)
            for endpoint, spec, when in faults:
                self.arm(endpoint, spec, when)
            self.send_job([order_id], rounds=1)
            self.clear()
            self.check_garbage_attempt(label, order_id)
        for _attempt in range(3):
            if self.order_state(order_id)["gelato_state"] != "queued":
                break
            self.make_due(order_id)
            self.send_job([order_id])
        self.check_sent_once(label, order_id)
        self.watch_errors("send, %s" % label, start)
        return order_id

    def check_garbage_attempt(self, label, order_id):
        state = self.order_state(order_id)
        if state["gelato_state"] == "queued":
            if readable(state["last_error"]):
                self.note("send order", state["last_error"])
            else:
                self.problem("send, %s: unreadable error %r" % (label, state["last_error"]))
        elif state["gelato_state"] == "sent" and self.one_order(state["name"]):
            self.outcomes["send: garbage harmless"] += 1
        else:
            self.problem(
                "send, %s: %s is %s after the garbage (expected queued): %s"
                % (label, state["name"], state["gelato_state"], short(state["last_error"]))
            )

    def check_sent_once(self, label, order_id):
        state = self.order_state(order_id)
        name = state["name"]
        types = [gelato_order[1] for gelato_order in state["gelato_orders"]]
        if state["gelato_state"] != "sent":
            self.outcomes["send: lost"] += 1
            self.problem(
                "send, %s: %s ended %s, not sent: %s"
                % (label, name, state["gelato_state"], short(state["last_error"]))
            )
        elif not self.one_order(name):
            self.outcomes["send: duplicated"] += 1
            self.problem("send, %s: %s has Gelato counters %s" % (label, name, self.counters(name)))
        elif types != ["order"]:
            self.problem("send, %s: %s records Gelato orders %s" % (label, name, types))
        else:
            self.outcomes["send: sent once"] += 1

    def one_order(self, reference):
        counters = self.counters(reference)
        return (
            counters.get("live") == 1
            and counters.get("drafts") == 0
            and counters.get("orders") == 1
        )

    def sending(self):
        sent = []
        scenarios = []
        for label, spec in garbage_faults(self.size, "search"):
            scenarios.append(("search, %s" % label, [("POST /v4/orders:search", spec, "before")]))
        whens = ("before", "after")
        for label, spec in garbage_faults(self.size, "order"):
            for when in whens:
                scenarios.append(
                    ("create, %s (%s)" % (label, when), [("POST /v4/orders", spec, when)])
                )
                scenarios.append(
                    ("promote, %s (%s)" % (label, when), [("PATCH /v4/orders/*", spec, when)])
                )
        if self.size["garbage"] != "all":
            # Short: the four kinds on the search, create (after) and promotion (after).
            scenarios = [
                s
                for s in scenarios
                if s[0].startswith("search")
                or (s[0].startswith(("create", "promote")) and s[0].endswith("(after)"))
            ]
        for label, faults in scenarios:
            sent.append(self.send_scenario(label, [faults]))
        # Garbage on the clean-up calls of the next attempt: deleting the draft left by a lost
        # create answer, fetching the order a lost promotion answer placed.
        # Gelato answers a deletion with no body (204): an empty or JSON-object answer looks
        # like success, so only answers of another type are garbage there.
        delete_kinds = [(label, spec) for label, spec in GARBAGE_DELETE]
        get_kinds = garbage_faults(self.size, "order")
        if self.size["garbage"] != "all":
            delete_kinds, get_kinds = delete_kinds[:2], get_kinds[:2]
        for label, spec in delete_kinds:
            self.send_scenario(
                "delete leftover draft, %s" % label,
                [
                    [("POST /v4/orders", {"kind": "empty"}, "after")],
                    [("DELETE /v4/orders/*", spec, "before")],
                ],
            )
        for label, spec in get_kinds:
            self.send_scenario(
                "get promoted order, %s" % label,
                [
                    [("PATCH /v4/orders/*", {"kind": "empty"}, "after")],
                    [("GET /v4/orders/*", spec, "before")],
                ],
            )
        return sent

    # --- refresh and cancel ----------------------------------------------------------------

    def refresh(self, order_id):
        from odoo.exceptions import UserError

        for label, spec in garbage_faults(self.size, "order"):
            self.tried["refresh"] += 1
            start = len(self.logs.records)
            before = self.order_state(order_id)
            with self.registry.cursor() as cr:
                order = self.env(cr)["sale.order"].browse(order_id)
                self.arm("GET /v4/orders/*", spec)
                try:
                    order.action_gelato_refresh()
                    self.problem("refresh, %s: no error raised" % label)
                except UserError as error:
                    if readable(error.args[0]):
                        self.note("refresh", error.args[0])
                    else:
                        self.problem("refresh, %s: %s" % (label, short(error.args[0])))
                except Exception as error:
                    self.problem(
                        "refresh, %s: raised %s: %s"
                        % (label, type(error).__name__, short(str(error)))
                    )
                finally:
                    self.clear()
                    cr.rollback()
            after = self.order_state(order_id)
            if after != before:
                self.problem("refresh, %s: the order changed: %s -> %s" % (label, before, after))
            self.watch_errors("refresh, %s" % label, start)

    def cancel(self, order_ids):
        """Garbage answering the cancel (before: not cancelled at Gelato; after: cancelled
        there, the answer lost); the order stays as it is, and cancelling again works."""
        from odoo.exceptions import UserError

        faults = garbage_faults(self.size, "order")
        plan = [(label, spec, when) for label, spec in faults for when in ("before", "after")]
        if self.size["garbage"] != "all":
            plan = [p for p in plan if p[2] == "after"][:2]
        for (label, spec, when), order_id in zip(plan, order_ids, strict=False):
            self.tried["cancel"] += 1
            start = len(self.logs.records)
            before = self.order_state(order_id)
            with self.registry.cursor() as cr:
                order = self.env(cr)["sale.order"].browse(order_id)
                self.arm("POST /v4/orders/*:cancel", spec, when)
                try:
                    order.with_context(disable_cancel_warning=True).action_cancel()
                    cr.commit()
                    self.problem("cancel, %s (%s): no error raised" % (label, when))
                except UserError as error:
                    cr.rollback()
                    if readable(error.args[0]):
                        self.note("cancel", error.args[0])
                    else:
                        self.problem("cancel, %s (%s): %s" % (label, when, short(error.args[0])))
                except Exception as error:
                    cr.rollback()
                    self.problem(
                        "cancel, %s (%s): raised %s: %s"
                        % (label, when, type(error).__name__, short(str(error)))
                    )
                finally:
                    self.clear()
            after = self.order_state(order_id)
            if after != before:
                self.problem(
                    "cancel, %s (%s): the order changed: %s -> %s" % (label, when, before, after)
                )
            # Gelato behaves again: cancelling works, here and there.
            with self.registry.cursor() as cr:
                order = self.env(cr)["sale.order"].browse(order_id)
                try:
                    order.with_context(disable_cancel_warning=True).action_cancel()
                    cr.commit()
                except Exception as error:
                    cr.rollback()
                    self.problem(
                        "cancel, %s (%s): cancelling again failed: %s"
                        % (label, when, short(str(error)))
                    )
            after = self.order_state(order_id)
            remote = [
                o
                for o in self.sandbox.admin("orders")["orders"]
                if o.get("orderReferenceId") == after["name"]
            ]
            statuses = sorted(o.get("fulfillmentStatus") for o in remote)
            if (after["state"], after["gelato_state"]) != ("cancel", "cancelled") or statuses != [
                "canceled"
            ]:
                self.problem(
                    "cancel, %s (%s): ended %s/%s here, %s at Gelato"
                    % (label, when, after["state"], after["gelato_state"], statuses)
                )
            else:
                self.outcomes["cancel: cancelled on both sides"] += 1
            self.watch_errors("cancel, %s (%s)" % (label, when), start)


def run_garbage(bench, registry, make_env, server, size, tag, logs):
    print("\n[3] A Gelato that answers garbage (html, empty, wrong_json, truncated)")
    with Sandbox() as sandbox:
        with registry.cursor() as cr:
            saved, *ids = setup_orders_env(make_env(cr), tag, sandbox.url, server.url)
        try:
            garbage = GarbageRun(bench, registry, make_env, sandbox, size, tag, logs, ids)
            with timer() as elapsed:
                garbage.rates()
                garbage.template_sync()
                garbage.connection_test()
                sent = garbage.sending()
                if sent:
                    garbage.refresh(sent[0])
                garbage.cancel(sent[1:])
            faults = sandbox.admin("counters")["faults"]
        finally:
            restore_company(registry, make_env, saved)
    print("  tried (%.0f s):" % elapsed())
    for area, count in sorted(garbage.tried.items()):
        print("    %-48s %6d" % (area, count))
    print(
        "  faults applied by the sandbox: %s"
        % ", ".join("%s %s" % (count, kind) for kind, count in sorted(faults.items()))
    )
    for outcome, count in sorted(garbage.outcomes.items()):
        print("    %-48s %6d" % (outcome, count))
    print("  messages shown (distinct):")
    for area, messages in sorted(garbage.messages.items()):
        for message, count in messages.most_common(4):
            print("    %-16s %3dx %s" % (area, count, message))
    bench.record("garbage: calls tried", sum(garbage.tried.values()), "calls")
    bench.record("garbage: orders sent exactly once", garbage.outcomes["send: sent once"], "orders")
    bench.record("garbage: orders lost", garbage.outcomes["send: lost"], "orders", note="goal: 0")
    bench.record(
        "garbage: orders duplicated at Gelato",
        garbage.outcomes["send: duplicated"],
        "orders",
        note="goal: 0",
    )
    bench.record("garbage: problems", garbage.outcomes["problem"], "findings", note="goal: 0")


# =============================================================================================


def run(size="full"):
    """The bad-input run at ``size`` ("full": make bench, "short": make test, < 60 s).

    :return: the :class:`common.Bench`; ``bench.problems`` lists everything lost, duplicated
        or wrong.
    """
    params = SIZES[size]
    parts = {
        part.strip()
        for part in os.environ.get("BENCH_BAD_INPUT_PARTS", "1,2,3").split(",")
        if part.strip()
    }
    bench = Bench("bad_input" if size == "full" else "bad_input_%s" % size)
    print("bench_bad_input, size %s (%s)" % (size, machine_note()), flush=True)
    conf, db = bench_database()
    registry, make_env = odoo_env(conf, db, log_level="warn")
    tag = "bi%s" % int(time.time() * 1000)
    log_dir = Path(tempfile.mkdtemp(prefix="bench_bad_input_"))
    seconds = {}

    def timed(part, function, *args):
        start = time.perf_counter()
        function(*args)
        seconds[part] = time.perf_counter() - start

    server = contextlib.nullcontext()
    if "1" in parts or "3" in parts:
        # The webhook secret first: the server's workers load it when they start.
        with registry.cursor() as cr:
            make_env(cr).company.write(
                {"gelato_webhook_secret": SECRET, "gelato_webhook_header": "signature"}
            )
        server = OdooServer(conf, db, workers=2, log_path=log_dir / "odoo.log")
    with LogWatch() as logs, server:
        if "1" in parts:
            timed("1", WebhookFuzz(bench, registry, make_env, server, params, tag).run)
        if "2" in parts:
            timed("2", PrintFileRun(bench, registry, make_env, params, tag, logs).run)
        if "3" in parts:
            timed("3", run_garbage, bench, registry, make_env, server, params, tag, logs)
        for record in logs.errors()[:MAX_DETAILED]:
            bench.problem("an error was logged in this process: %s" % short(record.getMessage()))
    server_errors = server_log_errors(log_dir / "odoo.log")
    bench.record("Odoo server: errors logged", len(server_errors), "lines", note="goal: 0")
    if server_errors:
        bench.problem(
            "the Odoo server logged %s error(s) (kept in %s), first: %s"
            % (len(server_errors), log_dir / "odoo.log", short(server_errors[0], 300))
        )
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    print(
        "\n  %s problem(s) in %.0f s (%s)"
        % (
            len(bench.problems),
            time.time() - bench.started,
            ", ".join("part %s: %.0f s" % item for item in sorted(seconds.items())),
        ),
        flush=True,
    )
    bench.results_path = bench.write()
    return bench


def server_log_errors(path):
    """The ERROR and CRITICAL lines of the Odoo server's log."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", errors="replace") as log:
        return [line.strip() for line in log if " ERROR " in line or " CRITICAL " in line]


def main():
    size = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SIZE", "full")
    if size not in SIZES:
        raise SystemExit("usage: bench_bad_input.py [full|short]")
    bench = run(size)
    print("  written to %s" % bench.results_path.relative_to(REPO_ROOT))
    sys.exit(1 if bench.problems else 0)


if __name__ == "__main__":
    main()
