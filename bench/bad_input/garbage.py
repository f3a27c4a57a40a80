"""Part 3 of the bad-input run: a Gelato answering garbage (see bench/bench_bad_input.py)."""

import base64
import json
from collections import Counter, defaultdict

from common import Sandbox, create_customer, point_company_at_sandbox, template_fixture, timer

from .shared import POSTER_TEMPLATE, readable, short, solid_png

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

    def expect_user_error(self, area, label, call, silent="no error raised"):
        """``call()`` must fail with a UserError whose message is readable (noted under
        ``area``); returning (``silent`` says what that means), raising anything else or an
        unreadable message is a problem, reported as ``"<area>, <label>: ..."``."""
        from odoo.exceptions import UserError

        try:
            call()
            self.problem("%s, %s: %s" % (area, label, silent))
        except UserError as error:
            if readable(error.args[0]):
                self.note(area, error.args[0])
            else:
                self.problem("%s, %s: %s" % (area, label, short(error.args[0])))
        except Exception as error:
            self.problem(
                "%s, %s: raised %s: %s" % (area, label, type(error).__name__, short(str(error)))
            )

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
        for label, spec in garbage_faults(self.size, "catalogs"):
            self.tried["connection test"] += 1
            start = len(self.logs.records)
            with self.registry.cursor() as cr:
                company = self.env(cr).company
                self.arm("GET /v3/catalogs", spec)
                try:
                    self.expect_user_error(
                        "connection test",
                        label,
                        company._gelato_test_connection,
                        silent="reported a working key",
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
        for label, spec in garbage_faults(self.size, "order"):
            self.tried["refresh"] += 1
            start = len(self.logs.records)
            before = self.order_state(order_id)
            with self.registry.cursor() as cr:
                order = self.env(cr)["sale.order"].browse(order_id)
                self.arm("GET /v4/orders/*", spec)
                try:
                    self.expect_user_error("refresh", label, order.action_gelato_refresh)
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

        def cancel_and_commit(order, cr):
            order.with_context(disable_cancel_warning=True).action_cancel()
            cr.commit()

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
                    self.expect_user_error(
                        "cancel",
                        "%s (%s)" % (label, when),
                        lambda order=order, cr=cr: cancel_and_commit(order, cr),
                    )
                finally:
                    # Nothing to undo once cancelling committed; the failed cancel's otherwise.
                    cr.rollback()
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
