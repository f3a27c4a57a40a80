"""At most one log line per interval for events anyone can cause (e.g. refused webhooks)."""

import threading
import time


class LogThrottle:
    """Lets one occurrence through per ``interval`` seconds (per process) and counts the rest,
    so that the next line logged can say how many were left out."""

    def __init__(self, interval=60.0, clock=time.monotonic):
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._next = None
        self._suppressed = 0

    def allow(self):
        """Record one occurrence.

        :return: ``(log_it, suppressed)``: whether to log this one, and how many were not
            logged since the last one that was.
        """
        with self._lock:
            now = self.clock()
            if self._next is not None and now < self._next:
                self._suppressed += 1
                return False, self._suppressed
            suppressed, self._suppressed = self._suppressed, 0
            self._next = now + self.interval
            return True, suppressed
