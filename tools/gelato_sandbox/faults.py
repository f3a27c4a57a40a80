"""Faults on demand: the next N matching API calls fail in a chosen way.

A fault matches every API call, or only those named by ``endpoint``: ``"POST /v4/orders"``
(a route template as the counters show it), a concrete path (``"GET /v4/orders/<uuid>"``) or
a glob (``"GET /v4/orders/*"``, ``"* /v3/*"``). ``when: "before"`` (default) fails the call
before it has any effect; ``when: "after"`` lets the call take effect, then fails the answer
(e.g. the order is created but the client never hears of it).
"""

import fnmatch
import itertools
import threading

from .errors import ApiError

KINDS = ("500", "502", "429", "hang", "drop")
WHENS = ("before", "after")


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._ids = itertools.count(1)

    def add(self, spec):
        """Register a fault from its JSON description; return it."""
        if not isinstance(spec, dict):
            raise ApiError(400, "fault: expected a JSON object")
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ApiError(400, f"fault: kind must be one of {', '.join(KINDS)}")
        when = spec.get("when", "before")
        if when not in WHENS:
            raise ApiError(400, "fault: when must be 'before' or 'after'")
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ApiError(400, "fault: count must be an integer >= 1")
        endpoint = spec.get("endpoint")
        if endpoint is not None and (not isinstance(endpoint, str) or " " not in endpoint):
            raise ApiError(400, "fault: endpoint must look like 'METHOD /path'")
        fault = {"kind": kind, "when": when, "remaining": count, "endpoint": endpoint}
        retry_after = spec.get("retry_after")
        if retry_after is not None:
            if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
                raise ApiError(400, "fault: retry_after must be a whole number of seconds >= 0")
            fault["retry_after"] = retry_after
        hang_seconds = spec.get("hang_seconds")
        if hang_seconds is not None:
            if (
                isinstance(hang_seconds, bool)
                or not isinstance(hang_seconds, (int, float))
                or hang_seconds < 0
            ):
                raise ApiError(400, "fault: hang_seconds must be a number >= 0")
            fault["hang_seconds"] = hang_seconds
        with self._lock:
            fault["id"] = next(self._ids)
            self._faults.append(fault)
        return dict(fault)

    def list(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def clear(self):
        with self._lock:
            self._faults.clear()

    def take(self, method, path, template):
        """Consume one use of the first fault matching this call; return a copy or None."""
        with self._lock:
            for fault in self._faults:
                if _matches(fault["endpoint"], method, path, template):
                    fault["remaining"] -= 1
                    if fault["remaining"] == 0:
                        self._faults.remove(fault)
                    return dict(fault)
        return None


def _matches(endpoint, method, path, template):
    if endpoint is None:
        return True
    want_method, _, pattern = endpoint.partition(" ")
    if want_method.upper() not in ("*", method):
        return False
    pattern = pattern.strip()
    return pattern in (template, path) or fnmatch.fnmatchcase(path, pattern)
