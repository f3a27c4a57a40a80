"""Repository-wide pytest rules.

A skipped test is not a pass: Odoo skips HttpCase and browser tests when Chromium, the
websocket-client package or the HTTP server is missing, and reports success. Here every skip
becomes a failure that says why, so `make test` cannot go green without running everything.
"""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = "Skipped tests count as failures in this project: %s" % (reason,)
