"""Part 1 of the bad-input run: the webhook fuzz (see bench/bench_bad_input.py)."""

import copy
import datetime
import json
import random
import time
from collections import Counter

import requests
from common import SANDBOX_API_KEY, PrintFileServer, Sandbox, timer
from gelato_sandbox.shapes import FULFILLMENT_STATUSES, RECIPIENT, example_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .shared import MAX_DETAILED, SECRET, short

POSTER_UID = "flat_300x400-mm_170-gsm-65lb-uncoated_4-0_ver"

WEBHOOK_ROUTE = "/gelato/webhook"
WEBHOOK_MAX_BODY = 256 * 1024


# Gelato's events (tools/gelato_sandbox/shapes.py, shared with
# gelato_connector/tests/test_gelato_webhook_fuzz.py), about an unknown Gelato order, to mutate.
FAKE_EVENTS = example_events("FUZZ-S00001")
# Every status Gelato gives (the connector knows each): an authenticated mutated event about a
# real order gets "created" instead (below every real order's status), so it cannot move the
# order and the expected end state stays what the valid events imply.
KNOWN_STATUSES = FULFILLMENT_STATUSES
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


def prepare_webhook_orders(env, tag, count, sandbox, file_url):
    """``count`` confirmed orders sent to Gelato (the sandbox; one line each, a Gelato order
    each), the customer without e-mail (no mail to send).

    The webhook's events are applied from what Gelato's API answers: each order is placed at
    the sandbox, which then ships it (its parcel's tracking, the delivery window of
    :func:`valid_events`), and delivers every other one, or moves the item of every third one
    to in transit alone — the state the valid events announce.
    """
    env.company.write(
        {
            "gelato_webhook_secret": SECRET,
            "gelato_webhook_header": "signature",
            "gelato_api_key": SANDBOX_API_KEY,
            "gelato_api_url": sandbox.url,
        }
    )
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
        line = order.order_line
        remote = _gelato_place(sandbox, order.name, str(line.id), file_url)
        gelato_order = env["gelato.order"].create(
            {
                "sale_order_id": order.id,
                "gelato_id": remote["id"],
                "order_type": "order",
                "fulfillment_status": "created",
            }
        )
        line.write(
            {
                "gelato_order_id": gelato_order.id,
                "gelato_item_id": remote["items"][0]["id"],
                "gelato_status": "created",
            }
        )
        entry = {
            "id": order.id,
            "name": order.name,
            "line": line.id,
            "gelato_id": remote["id"],
            "index": index,
        }
        shipped = sandbox.admin("orders/%s/advance" % remote["id"], {"to": "shipped"})
        entry["tracking_code"] = shipped["shipment"]["packages"][0]["trackingCode"]
        max_date = _max_date(index)
        sandbox.admin(
            "orders/%s/delivery-estimate" % remote["id"],
            {
                "minDeliveryDate": (max_date - datetime.timedelta(days=3)).isoformat(),
                "maxDeliveryDate": max_date.isoformat(),
            },
        )
        if index % 2 == 0:
            sandbox.admin("orders/%s/advance" % remote["id"], {"to": "delivered"})
        elif index % 3 == 1:
            sandbox.admin(
                "orders/%s/items/%s/status" % (remote["id"], line.id), {"to": "in_transit"}
            )
        orders.append(entry)
    env.cr.commit()
    return orders


def _gelato_place(sandbox, reference, item_reference, file_url):
    """Place an order at the sandbox as the connector would (``POST /v4/orders``)."""
    response = requests.post(
        sandbox.url + "/v4/orders",
        json={
            "orderType": "order",
            "orderReferenceId": reference,
            "customerReferenceId": "bad-input",
            "currency": "EUR",
            "items": [
                {
                    "itemReferenceId": item_reference,
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
    return response.json()


def _max_date(index):
    return datetime.date(2030, 1, 10) + datetime.timedelta(days=index)


def valid_events(tag, order):
    """The real events of one order, and the state they lead to (whatever their order)."""
    i, line, gid, ref = order["index"], str(order["line"]), order["gelato_id"], order["name"]
    # What the events claim about the parcel; what counts is Gelato's own (the order's).
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

    max_date = _max_date(i)
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
        "tracking_code": order["tracking_code"],
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
        # Gelato (the sandbox) holds the real orders: the inbox job asks it what is true.
        self.sandbox = Sandbox().__enter__()
        self.files = PrintFileServer()
        with registry.cursor() as cr:
            self.orders = prepare_webhook_orders(
                make_env(cr), tag, size["orders"], self.sandbox, self.files.url
            )
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

        try:
            self._run(fuzz)
        finally:
            self.files.stop()
            self.sandbox.__exit__(None, None, None)

    def _run(self, fuzz):
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
        self.apply_inbox()
        self.check_outcome()

    def apply_inbox(self):
        """Run the inbox job (the server here has no cron worker) until it has applied every
        received event, one committed batch at a time, as the cron runner does."""
        with timer() as elapsed:
            for _batch in range(1000):
                with self.registry.cursor() as cr:
                    Event = self.make_env(cr)["gelato.webhook.event"]
                    if not Event._cron_gelato_process_webhook_events():
                        break
        self.bench.record("webhook fuzz: inbox job, seconds to apply", elapsed(), "s")

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
