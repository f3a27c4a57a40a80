"""Faults on demand: the next N matching API calls fail in a chosen way, or a random share of
them does.

A fault matches every API call, or only those named by ``endpoint``: ``"POST /v4/orders"``
(a route template as the counters show it), a concrete path (``"GET /v4/orders/<uuid>"``) or
a glob (``"GET /v4/orders/*"``, ``"* /v3/*"``). ``when: "before"`` (default) fails the call
before it has any effect; ``when: "after"`` lets the call take effect, then fails the answer
(e.g. the order is created but the client never hears of it).

Kinds: ``500``, ``502``, ``429`` (error answers), ``hang`` and ``drop`` (no answer at all), and
answers that are not what the API promises, with a 2xx status by default: ``html`` (an HTML
page), ``empty`` (no body), ``wrong_json`` (JSON of the wrong type, ``body``), ``truncated``
(the JSON answer cut in the middle).

``kind: "random"`` fails a random share (``rate``) of the matching calls with a kind drawn
from ``kinds`` (and ``when: "random"`` draws before/after too); it stays armed until cleared
or, with ``count``, until it has fired ``count`` times.
"""

import collections
import fnmatch
import itertools
import random
import threading

from .errors import ApiError

ERROR_KINDS = ("500", "502", "429")
SILENT_KINDS = ("hang", "drop")
GARBAGE_KINDS = ("html", "empty", "wrong_json", "truncated")
KINDS = (*ERROR_KINDS, *SILENT_KINDS, *GARBAGE_KINDS, "random")
WHENS = ("before", "after")
RANDOM_WHENS = (*WHENS, "random")
# A random fault draws from these unless told otherwise: what a flaky network and an overloaded
# Gelato do (errors, rate limiting, timeouts, dropped connections).
DEFAULT_RANDOM_KINDS = ("500", "502", "429", "hang", "drop")


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._ids = itertools.count(1)
        self._fired = collections.Counter()  # "kind/when" -> faults applied since the reset

    def add(self, spec):
        """Register a fault from its JSON description; return it."""
        if not isinstance(spec, dict):
            raise ApiError(400, "fault: expected a JSON object")
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ApiError(400, f"fault: kind must be one of {', '.join(KINDS)}")
        when = spec.get("when", "before")
        if when not in (RANDOM_WHENS if kind == "random" else WHENS):
            raise ApiError(400, "fault: when must be 'before' or 'after' (or 'random')")
        count = spec.get("count", None if kind == "random" else 1)
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise ApiError(400, "fault: count must be an integer >= 1")
        endpoint = spec.get("endpoint")
        if endpoint is not None and (not isinstance(endpoint, str) or " " not in endpoint):
            raise ApiError(400, "fault: endpoint must look like 'METHOD /path'")
        fault = {"kind": kind, "when": when, "remaining": count, "endpoint": endpoint}
        fault.update(self._answer_options(spec, kind))
        if kind == "random":
            fault.update(self._random_spec(spec))
        with self._lock:
            fault["id"] = next(self._ids)
            self._faults.append(fault)
        return _public(fault)

    @staticmethod
    def _answer_options(spec, kind):
        """The optional settings of the failed answer: retry_after, hang_seconds, status, body."""
        options = {}
        retry_after = spec.get("retry_after")
        if retry_after is not None:
            if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
                raise ApiError(400, "fault: retry_after must be a whole number of seconds >= 0")
            options["retry_after"] = retry_after
        hang_seconds = spec.get("hang_seconds")
        if hang_seconds is not None:
            if not _is_number(hang_seconds) or hang_seconds < 0:
                raise ApiError(400, "fault: hang_seconds must be a number >= 0")
            options["hang_seconds"] = hang_seconds
        status = spec.get("status")
        if status is not None:
            if kind not in GARBAGE_KINDS:
                raise ApiError(400, "fault: status is only for html, empty, wrong_json, truncated")
            if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
                raise ApiError(400, "fault: status must be an HTTP status from 200 to 599")
            options["status"] = status
        if "body" in spec:
            if kind != "wrong_json":
                raise ApiError(400, "fault: body is only for wrong_json")
            options["body"] = spec["body"]
        return options

    @staticmethod
    def _random_spec(spec):
        rate = spec.get("rate")
        if not _is_number(rate) or not 0 < rate <= 1:
            raise ApiError(400, "fault: rate must be a number > 0 and <= 1")
        kinds = spec.get("kinds", list(DEFAULT_RANDOM_KINDS))
        allowed = (*ERROR_KINDS, *SILENT_KINDS, *GARBAGE_KINDS)
        if (
            not isinstance(kinds, list)
            or not kinds
            or not all(isinstance(k, str) and k in allowed for k in kinds)
        ):
            raise ApiError(400, f"fault: kinds must be a non-empty list of {', '.join(allowed)}")
        seed = spec.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ApiError(400, "fault: seed must be an integer")
        return {
            "rate": rate,
            "kinds": kinds,
            "seed": seed,
            "fired": 0,
            "_rng": random.Random(seed),
        }

    def list(self):
        with self._lock:
            return [_public(f) for f in self._faults]

    def fired(self):
        """How many faults were applied since the last reset, per ``kind/when``."""
        with self._lock:
            return dict(self._fired)

    def clear(self):
        with self._lock:
            self._faults.clear()

    def reset(self):
        with self._lock:
            self._faults.clear()
            self._fired.clear()

    def take(self, method, path, template):
        """Consume one use of the first fault matching this call; return a copy or None.

        A random fault that does not fire this time lets the call go on to the next fault.
        """
        with self._lock:
            for fault in self._faults:
                if not _matches(fault["endpoint"], method, path, template):
                    continue
                if fault["kind"] == "random":
                    chosen = self._draw(fault)
                    if chosen is None:
                        continue
                else:
                    chosen = _public(fault)
                if fault["remaining"] is not None:
                    fault["remaining"] -= 1
                    if fault["remaining"] == 0:
                        self._faults.remove(fault)
                self._fired["%s/%s" % (chosen["kind"], chosen["when"])] += 1
                return chosen
        return None

    @staticmethod
    def _draw(fault):
        """The concrete fault a random fault applies to this call, or None (the call passes)."""
        rng = fault["_rng"]
        if rng.random() >= fault["rate"]:
            return None
        fault["fired"] += 1
        chosen = {key: value for key, value in _public(fault).items() if key in ("id", "endpoint")}
        chosen.update(
            {
                "kind": rng.choice(fault["kinds"]),
                "when": rng.choice(WHENS) if fault["when"] == "random" else fault["when"],
                "random": True,
            }
        )
        for key in ("retry_after", "hang_seconds"):
            if key in fault:
                chosen[key] = fault[key]
        return chosen


def _public(fault):
    """The fault as the admin API shows it (without its random generator)."""
    return {key: value for key, value in fault.items() if not key.startswith("_")}


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _matches(endpoint, method, path, template):
    if endpoint is None:
        return True
    want_method, _, pattern = endpoint.partition(" ")
    if want_method.upper() not in ("*", method):
        return False
    pattern = pattern.strip()
    return pattern in (template, path) or fnmatch.fnmatchcase(path, pattern)
