"""Faults on demand, latency and call counters."""

import http.client
import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from sandbox_support import API_KEY


def _counts(sandbox):
    return sandbox.admin("GET", "counters")


@pytest.mark.parametrize("kind", ["500", "502"])
def test_server_errors_before_any_effect(sandbox, payloads, kind):
    sandbox.admin("POST", "faults", {"kind": kind, "count": 2, "endpoint": "POST /v4/orders"})
    for _ in range(2):
        reply = sandbox.api("POST", "/v4/orders", payloads.order("SO-F5"))
        assert reply.status == int(kind)
        assert reply.body["message"]
    assert sandbox.admin("GET", "orders")["orders"] == []
    assert sandbox.api("POST", "/v4/orders", payloads.order("SO-F5")).status == 200
    assert sandbox.admin("GET", "faults")["faults"] == []
    counts = _counts(sandbox)
    assert counts["calls"]["POST /v4/orders"] == 3
    assert counts["ordersByReference"]["SO-F5"]["creates"] == 1


def test_429_with_retry_after(sandbox):
    sandbox.admin("POST", "faults", {"kind": "429", "retry_after": 7})
    reply = sandbox.api("GET", "/v3/catalogs")
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "7"
    assert reply.body["message"]
    assert sandbox.api("GET", "/v3/catalogs").status == 200


def test_429_default_retry_after_comes_from_config(sandbox):
    sandbox.admin("POST", "config", {"retry_after": 3})
    sandbox.admin("POST", "faults", {"kind": "429"})
    assert sandbox.api("GET", "/v3/catalogs").headers["Retry-After"] == "3"


def test_hang_outlasts_the_client_timeout(sandbox, payloads):
    sandbox.admin("POST", "faults", {"kind": "hang", "hang_seconds": 1.0})
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        sandbox.api("POST", "/v4/orders", payloads.order("SO-HANG"), timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert sandbox.admin("GET", "orders")["orders"] == []


def test_hang_then_close_without_answer(sandbox):
    sandbox.admin("POST", "faults", {"kind": "hang", "hang_seconds": 0.2})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        sandbox.api("GET", "/v3/catalogs", timeout=5)


def test_drop_closes_the_connection_without_a_response(sandbox, payloads):
    sandbox.admin("POST", "faults", {"kind": "drop", "endpoint": "POST /v4/orders"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        sandbox.api("POST", "/v4/orders", payloads.order("SO-DROP"))
    assert sandbox.admin("GET", "orders")["orders"] == []
    assert sandbox.api("POST", "/v4/orders", payloads.order("SO-DROP")).status == 200


def test_drop_after_create_still_creates_the_order(sandbox, payloads):
    sandbox.admin(
        "POST", "faults", {"kind": "drop", "endpoint": "POST /v4/orders", "when": "after"}
    )
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        sandbox.api("POST", "/v4/orders", payloads.order("SO-AFTER"))
    found = sandbox.api("POST", "/v4/orders:search", {"orderReferenceIds": ["SO-AFTER"]}).body
    assert len(found["orders"]) == 1
    assert found["orders"][0]["fulfillmentStatus"] == "created"
    assert _counts(sandbox)["ordersByReference"]["SO-AFTER"]["orders"] == 1


def test_500_after_promote_still_promotes(sandbox, create_order):
    draft = create_order("SO-AFTER-P", orderType="draft")
    sandbox.admin(
        "POST", "faults", {"kind": "500", "endpoint": "PATCH /v4/orders/{id}", "when": "after"}
    )
    reply = sandbox.api("PATCH", f"/v4/orders/{draft['id']}", {"orderType": "order"})
    assert reply.status == 500
    assert sandbox.status_of(draft["id"]) == "created"


def test_fault_scoped_to_an_endpoint_spares_others(sandbox, create_order):
    order = create_order("SO-SCOPE")
    sandbox.admin("POST", "faults", {"kind": "502", "endpoint": "GET /v4/orders/*", "count": 1})
    assert sandbox.api("GET", "/v3/catalogs").status == 200
    assert sandbox.api("POST", "/v4/orders:search", {}).status == 200
    assert sandbox.api("GET", f"/v4/orders/{order['id']}").status == 502
    assert sandbox.api("GET", f"/v4/orders/{order['id']}").status == 200


def test_faults_can_be_listed_and_cleared(sandbox):
    added = sandbox.admin("POST", "faults", {"kind": "500", "count": 3})
    assert added["remaining"] == 3
    assert [f["kind"] for f in sandbox.admin("GET", "faults")["faults"]] == ["500"]
    sandbox.admin("DELETE", "faults")
    assert sandbox.api("GET", "/v3/catalogs").status == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "404"},
        {"kind": "500", "count": 0},
        {"kind": "500", "when": "later"},
        {"kind": "500", "endpoint": "/v4/orders"},
        {"kind": "random"},
        {"kind": "random", "rate": 0},
        {"kind": "random", "rate": 1.5},
        {"kind": "random", "rate": 0.5, "kinds": []},
        {"kind": "random", "rate": 0.5, "kinds": ["random"]},
        {"kind": "random", "rate": 0.5, "seed": "x"},
        {"kind": "500", "when": "random"},
        {"kind": "500", "status": 200},
        {"kind": "html", "status": 99},
        {"kind": "html", "body": {}},
    ],
)
def test_bad_fault_specs_are_rejected(sandbox, spec):
    assert sandbox.admin_reply("POST", "faults", spec).status == 400


def test_faults_do_not_touch_the_admin_api(sandbox):
    sandbox.admin("POST", "faults", {"kind": "500"})
    assert sandbox.admin("GET", "health")["status"] == "ok"
    assert sandbox.admin("GET", "faults")["faults"][0]["remaining"] == 1


def test_latency_is_added_to_every_api_call(sandbox):
    sandbox.admin("POST", "config", {"latency_ms": 300})
    started = time.monotonic()
    assert sandbox.api("GET", "/v3/catalogs").status == 200
    assert time.monotonic() - started >= 0.3
    sandbox.admin("POST", "config", {"latency_ms": 0})
    started = time.monotonic()
    sandbox.api("GET", "/v3/catalogs")
    assert time.monotonic() - started < 0.3


def test_latency_from_the_command_line(start_sandbox):
    process = start_sandbox("--latency-ms", "250")
    started = time.monotonic()
    assert process.api("GET", "/v3/catalogs").status == 200
    assert time.monotonic() - started >= 0.25


def test_counters_per_route_template_and_reference(sandbox, create_order):
    first = create_order("SO-CNT")
    sandbox.api("GET", f"/v4/orders/{first['id']}")
    sandbox.api("GET", f"/v4/orders/{first['id']}")
    sandbox.api("GET", "/v3/catalogs", key=None)
    draft = create_order("SO-CNT-2", orderType="draft")
    sandbox.api("PATCH", f"/v4/orders/{draft['id']}", {"orderType": "order"})
    counts = _counts(sandbox)
    assert counts["calls"] == {
        "POST /v4/orders": 2,
        "GET /v4/orders/{id}": 2,
        "GET /v3/catalogs": 1,
        "PATCH /v4/orders/{id}": 1,
    }
    assert counts["ordersByReference"] == {
        "SO-CNT": {
            "creates": 1,
            "deletedDrafts": 0,
            "orders": 1,
            "drafts": 0,
            "splitParts": 0,
            "live": 1,
        },
        "SO-CNT-2": {
            "creates": 1,
            "deletedDrafts": 0,
            "orders": 1,
            "drafts": 0,
            "splitParts": 0,
            "live": 1,
        },
    }


def test_reset_clears_state_but_keeps_config(sandbox, create_order):
    sandbox.admin("POST", "config", {"latency_ms": 1})
    create_order("SO-RESET")
    sandbox.admin("POST", "faults", {"kind": "500"})
    sandbox.admin("POST", "reset")
    assert sandbox.admin("GET", "orders")["orders"] == []
    assert sandbox.admin("GET", "faults")["faults"] == []
    assert sandbox.admin("GET", "counters") == {"calls": {}, "ordersByReference": {}, "faults": {}}
    assert sandbox.admin("GET", "downloads")["downloads"] == []
    assert sandbox.admin("GET", "webhooks")["deliveries"] == []
    assert sandbox.admin("GET", "config")["latency_ms"] == 1


def test_config_rejects_unknown_keys_and_bad_types(sandbox):
    assert sandbox.admin_reply("POST", "config", {"nope": 1}).status == 400
    assert sandbox.admin_reply("POST", "config", {"latency_ms": "slow"}).status == 400
    assert sandbox.admin_reply("POST", "config", {"webhook_attempts": 0}).status == 400
    assert sandbox.admin_reply("POST", "config", {"api_keys": []}).status == 400


def test_api_keys_can_change_at_runtime(sandbox):
    sandbox.admin("POST", "config", {"api_keys": ["rotated"]})
    assert sandbox.api("GET", "/v3/catalogs", key=API_KEY).status == 401
    assert sandbox.api("GET", "/v3/catalogs", key="rotated").status == 200


# === Answers that are not what the API promises === #


def _raw(sandbox, method, path, body=None):
    """(status, content type, raw bytes) of an API call: the answer may not be JSON."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.base_url + path,
        data=data,
        method=method,
        headers={"X-API-KEY": API_KEY, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


def test_html_page_with_a_success_status(sandbox):
    sandbox.admin("POST", "faults", {"kind": "html", "endpoint": "GET /v3/catalogs"})
    status, content_type, body = _raw(sandbox, "GET", "/v3/catalogs")
    assert status == 200
    assert content_type.startswith("text/html")
    assert body.startswith(b"<!DOCTYPE html>")
    assert sandbox.api("GET", "/v3/catalogs").status == 200


def test_html_page_with_an_error_status(sandbox):
    sandbox.admin("POST", "faults", {"kind": "html", "status": 503})
    status, _content_type, body = _raw(sandbox, "GET", "/v3/catalogs")
    assert status == 503
    assert b"<html>" in body


def test_empty_answer(sandbox):
    sandbox.admin("POST", "faults", {"kind": "empty"})
    assert _raw(sandbox, "GET", "/v3/catalogs") == (200, None, b"")


@pytest.mark.parametrize("body", [None, [], "OK", 42, {"orders": "none", "id": 7}])
def test_wrong_json_answer(sandbox, body):
    sandbox.admin("POST", "faults", {"kind": "wrong_json", "body": body})
    status, content_type, raw = _raw(sandbox, "POST", "/v4/orders:search", {})
    assert (status, content_type) == (200, "application/json")
    assert json.loads(raw) == body


def test_wrong_json_default_is_a_string(sandbox):
    sandbox.admin("POST", "faults", {"kind": "wrong_json"})
    assert json.loads(_raw(sandbox, "GET", "/v3/catalogs")[2]) == "OK"


def test_garbage_after_create_still_creates_the_order(sandbox, payloads):
    for kind in ("html", "empty", "wrong_json", "truncated"):
        reference = f"SO-GARBAGE-{kind}"
        sandbox.admin(
            "POST", "faults", {"kind": kind, "endpoint": "POST /v4/orders", "when": "after"}
        )
        status, _content_type, raw = _raw(sandbox, "POST", "/v4/orders", payloads.order(reference))
        assert status == 200
        if kind == "truncated":
            with pytest.raises(ValueError):
                json.loads(raw)
            assert raw.startswith(b'{"id": ')
        assert _counts(sandbox)["ordersByReference"][reference]["orders"] == 1


# === Random faults === #


def test_random_faults_fail_about_the_rate_and_count_what_they_did(sandbox):
    sandbox.admin(
        "POST", "faults", {"kind": "random", "rate": 0.3, "kinds": ["500", "502"], "seed": 11}
    )
    statuses = [sandbox.api("GET", "/v3/catalogs").status for _ in range(200)]
    failed = [s for s in statuses if s != 200]
    assert set(failed) <= {500, 502}
    assert 30 <= len(failed) <= 90  # 60 expected
    [fault] = sandbox.admin("GET", "faults")["faults"]
    assert fault["fired"] == len(failed)
    assert fault["remaining"] is None, "stays armed until cleared"
    fired = _counts(sandbox)["faults"]
    assert fired.get("500/before", 0) + fired.get("502/before", 0) == len(failed)
    sandbox.admin("DELETE", "faults")
    assert all(sandbox.api("GET", "/v3/catalogs").status == 200 for _ in range(20))
    assert _counts(sandbox)["faults"] == fired, "clearing keeps the tally; reset clears it"


def test_random_faults_are_repeatable_with_a_seed(sandbox):
    def pattern():
        sandbox.admin("DELETE", "faults")
        sandbox.admin(
            "POST",
            "faults",
            {"kind": "random", "rate": 0.5, "kinds": ["500", "429"], "seed": 3},
        )
        return [sandbox.api("GET", "/v3/catalogs").status for _ in range(30)]

    first = pattern()
    assert pattern() == first
    assert {429, 500} <= set(first)


def test_random_faults_with_a_count_stop_after_firing_that_often(sandbox):
    sandbox.admin("POST", "faults", {"kind": "random", "rate": 1, "kinds": ["502"], "count": 3})
    statuses = [sandbox.api("GET", "/v3/catalogs").status for _ in range(6)]
    assert statuses == [502, 502, 502, 200, 200, 200]
    assert sandbox.admin("GET", "faults")["faults"] == []


def test_random_faults_scoped_to_an_endpoint(sandbox):
    sandbox.admin(
        "POST",
        "faults",
        {"kind": "random", "rate": 1, "kinds": ["500"], "endpoint": "POST /v4/orders:search"},
    )
    assert sandbox.api("GET", "/v3/catalogs").status == 200
    assert sandbox.api("POST", "/v4/orders:search", {}).status == 500


def test_random_faults_before_and_after(sandbox, payloads):
    """``when: random``: some calls fail before any effect, others after taking effect."""
    sandbox.admin(
        "POST",
        "faults",
        {"kind": "random", "rate": 1, "kinds": ["drop"], "when": "random", "seed": 5},
    )
    for index in range(16):
        with pytest.raises(
            (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)
        ):
            sandbox.api("POST", "/v4/orders", payloads.order(f"SO-RND-{index}"))
    fired = _counts(sandbox)["faults"]
    assert fired["drop/before"] + fired["drop/after"] == 16
    assert fired["drop/before"] and fired["drop/after"]
    created = len(sandbox.admin("GET", "orders")["orders"])
    assert created == fired["drop/after"], "only the 'after' calls took effect"


def test_random_timeouts_hold_the_connection(sandbox):
    sandbox.admin(
        "POST", "faults", {"kind": "random", "rate": 1, "kinds": ["hang"], "hang_seconds": 1.0}
    )
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        sandbox.api("GET", "/v3/catalogs", timeout=0.3)
    assert time.monotonic() - started < 0.9
