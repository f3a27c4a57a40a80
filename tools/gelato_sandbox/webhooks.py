"""Outgoing webhooks: an ordered outbox, delivered by one background thread.

Like Gelato: JSON POST to the configured URL with the configured header carrying the secret
verbatim; any 2xx is success; otherwise the event is retried (``webhook_attempts`` tries in
all, ``webhook_retry_delay`` seconds apart). Events go out one at a time in order of emission,
so a retried event holds back the ones behind it.

The log keeps one *delivery* per send of an event: a re-sent event (same ``id``) gets a second
delivery. ``hold()`` parks new deliveries until ``release()`` queues them in a chosen order.
"""

import json
import logging
import random
import threading
import urllib.error
import urllib.request
from collections import deque

from .util import now_iso

_logger = logging.getLogger(__name__)
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
RELEASE_ORDERS = ("fifo", "reverse", "shuffle")


class WebhookDispatcher:
    def __init__(self, config):
        self.config = config
        self._cond = threading.Condition()
        self._deliveries = []  # every delivery ever queued, in order (the log)
        self._outbox = deque()
        self._held = []
        self._holding = False
        self._busy = False
        self._stopped = False
        self._generation = 0  # bumped by reset() so an in-flight delivery is abandoned
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()

    # === Producing === #

    def emit(self, payload, resend=False):
        """Queue ``payload`` (held instead when hold mode is on); return the delivery."""
        with self._cond:
            delivery = {
                "delivery": len(self._deliveries) + 1,
                "eventId": payload["id"],
                "event": payload["event"],
                "orderId": payload.get("orderId"),
                "resend": resend,
                "state": "held" if self._holding else "queued",
                "queuedAt": now_iso(),
                "attempts": [],
                "payload": payload,
            }
            self._deliveries.append(delivery)
            (self._held if self._holding else self._outbox).append(delivery)
            self._cond.notify_all()
            return delivery

    def resend(self, event_id):
        """Send a past event again, with the same ``id`` (Gelato's duplicate deliveries)."""
        with self._cond:
            past = next((d for d in self._deliveries if d["eventId"] == event_id), None)
            if past is None:
                return None
            return self.emit(past["payload"], resend=True)

    def hold(self):
        with self._cond:
            self._holding = True

    def release(self, order="fifo", seed=None):
        """Stop holding and queue the held deliveries in ``order`` (fifo, reverse, shuffle)."""
        with self._cond:
            held, self._held, self._holding = self._held, [], False
            if order == "reverse":
                held.reverse()
            elif order == "shuffle":
                random.Random(seed).shuffle(held)
            for delivery in held:
                delivery["state"] = "queued"
            self._outbox.extend(held)
            self._cond.notify_all()
            return [d["eventId"] for d in held]

    # === Observing === #

    def snapshot(self, since=0, payloads=True):
        """The log: deliveries numbered above ``since``, with or without their payloads."""
        with self._cond:
            deliveries = self._deliveries[since:] if since > 0 else self._deliveries
            if not payloads:
                deliveries = [
                    {key: value for key, value in d.items() if key != "payload"} for d in deliveries
                ]
            return {
                "holding": self._holding,
                "held": len(self._held),
                "queued": len(self._outbox) + (1 if self._busy else 0),
                "total": len(self._deliveries),
                "deliveries": json.loads(json.dumps(deliveries)),
            }

    def wait_idle(self, timeout):
        """Block until nothing is queued or being sent (held events don't count)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._outbox and not self._busy, timeout=timeout)

    def reset(self):
        with self._cond:
            self._deliveries.clear()
            self._outbox.clear()
            self._held.clear()
            self._holding = False
            self._generation += 1
            self._cond.notify_all()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    # === Delivering === #

    def _run(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopped or self._outbox)
                if self._stopped:
                    return
                delivery = self._outbox.popleft()
                delivery["state"] = "sending"
                self._busy = True
                generation = self._generation
            try:
                self._deliver(delivery, generation)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _deliver(self, delivery, generation):
        config = self.config
        if not config.webhook_url:
            delivery["state"] = "skipped"
            _logger.info("webhook %s not sent: no webhook_url", delivery["eventId"])
            return
        body = json.dumps(delivery["payload"]).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "gelato-sandbox/1.0"}
        if config.webhook_secret:
            headers[config.webhook_header] = config.webhook_secret
        for attempt in range(1, config.webhook_attempts + 1):
            status, error = self._post(config.webhook_url, body, headers)
            delivered = status is not None and 200 <= status < 300
            with self._cond:
                if generation != self._generation:
                    return
                delivery["attempts"].append(
                    {"attempt": attempt, "at": now_iso(), "status": status, "error": error}
                )
                _logger.info(
                    "webhook %s %s attempt %d: %s",
                    delivery["eventId"],
                    delivery["event"],
                    attempt,
                    status if error is None else error,
                )
                if delivered:
                    delivery["state"] = "delivered"
                    return
                if attempt == config.webhook_attempts:
                    delivery["state"] = "failed"
                    return
                delivery["state"] = "retrying"
                interrupted = self._cond.wait_for(
                    lambda: self._stopped or generation != self._generation,
                    timeout=config.webhook_retry_delay,
                )
                if interrupted:
                    return

    def _post(self, url, body, headers):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.config.webhook_timeout) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
