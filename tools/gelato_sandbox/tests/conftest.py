"""Fixtures for the sandbox's own tests (helpers in sandbox_support.py)."""

import pytest
from sandbox_support import (
    API_KEY,
    BASE_CONFIG,
    SECOND_KEY,
    WEBHOOK_HEADER,
    WEBHOOK_SECRET,
    Payloads,
    Receiver,
    SandboxProcess,
    wait_until,
)


@pytest.fixture(scope="session")
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="session")
def start_sandbox(tmp_path_factory, receiver):
    """Factory: start another sandbox process with extra CLI arguments (stopped at the end)."""
    started = []
    log_dir = tmp_path_factory.mktemp("sandbox-logs")

    def start(*args):
        process = SandboxProcess(
            log_dir / f"sandbox-{len(started)}.log",
            "--api-key",
            API_KEY,
            "--api-key",
            SECOND_KEY,
            "--webhook-url",
            receiver.hook_url,
            "--webhook-header",
            WEBHOOK_HEADER,
            "--webhook-secret",
            WEBHOOK_SECRET,
            "--webhook-retry-delay",
            "0.1",
            "--download-timeout",
            "2",
            *args,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def shared_sandbox(start_sandbox):
    return start_sandbox()


@pytest.fixture
def sandbox(shared_sandbox, receiver):
    """The shared sandbox, reset to a blank state and the base settings for each test."""
    shared_sandbox.admin("POST", "config", {**BASE_CONFIG, "webhook_url": receiver.hook_url})
    shared_sandbox.admin("POST", "reset")
    receiver.reset()
    yield shared_sandbox
    # Let deliveries still in flight land now rather than in the next test's receiver.
    shared_sandbox.admin("POST", "webhooks/release", {"order": "fifo"})
    shared_sandbox.admin("POST", "webhooks/wait", {"timeout": 5})


@pytest.fixture(scope="session")
def payloads(receiver):
    return Payloads(receiver)


@pytest.fixture
def create_order(sandbox, payloads):
    """Create an order (``orderType`` order unless told) and return its JSON."""

    def create(reference="SO001", items=None, **overrides):
        reply = sandbox.api("POST", "/v4/orders", payloads.order(reference, items, **overrides))
        assert reply.status == 200, reply
        return reply.body

    return create


@pytest.fixture(scope="session")
def poll():
    return wait_until
