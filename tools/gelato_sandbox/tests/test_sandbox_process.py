"""The process: command line, state file across restarts, clean exit on signals."""

import json
import signal

from sandbox_support import API_KEY, http


def test_state_file_survives_a_restart(start_sandbox, payloads, tmp_path):
    state = tmp_path / "state.json"
    first = start_sandbox("--state-file", str(state))
    order = first.api("POST", "/v4/orders", payloads.order("SO-KEEP")).body
    draft = first.api("POST", "/v4/orders", payloads.order("SO-KEEP-D", orderType="draft")).body
    first.admin("POST", f"orders/{order['id']}/advance", {"to": "printed"})
    saved = json.loads(state.read_text())
    assert set(saved["orders"]) == {order["id"], draft["id"]}
    assert first.stop() == 0

    second = start_sandbox("--state-file", str(state))
    kept = second.api("GET", f"/v4/orders/{order['id']}").body
    assert kept["fulfillmentStatus"] == "printed"
    assert kept["items"] == [{**item, "fulfillmentStatus": "printed"} for item in order["items"]]
    assert second.status_of(draft["id"]) == "draft"
    found = second.api("POST", "/v4/orders:search", {"orderReferenceIds": ["SO-KEEP"]}).body
    assert [o["id"] for o in found["orders"]] == [order["id"]]
    counters = second.admin("GET", "counters")["ordersByReference"]
    assert counters["SO-KEEP"]["orders"] == 1
    assert counters["SO-KEEP-D"]["drafts"] == 1
    # Promoting after the restart works on the reloaded draft.
    assert second.api("PATCH", f"/v4/orders/{draft['id']}", {"orderType": "order"}).status == 200
    second.admin("POST", "reset")
    assert json.loads(state.read_text())["orders"] == {}


def test_without_state_file_a_restart_forgets(start_sandbox, payloads):
    first = start_sandbox()
    order = first.api("POST", "/v4/orders", payloads.order("SO-GONE")).body
    first.stop()
    second = start_sandbox()
    assert second.api("GET", f"/v4/orders/{order['id']}").status == 404


def test_sigint_exits_cleanly(start_sandbox):
    process = start_sandbox()
    process.proc.send_signal(signal.SIGINT)
    assert process.proc.wait(timeout=10) == 0


def test_health_and_listening_line(start_sandbox):
    process = start_sandbox()
    assert process.base_url.startswith("http://127.0.0.1:")
    assert not process.base_url.endswith(":0")
    assert http("GET", f"{process.base_url}/_sandbox/health").body["status"] == "ok"
    assert process.api("GET", "/v3/catalogs", key=API_KEY).status == 200
