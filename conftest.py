"""Repository-wide pytest rules.

A skipped test is not a pass: Odoo skips HttpCase and browser tests when Chromium, the
websocket-client package or the HTTP server is missing, and reports success. Here every skip
becomes a failure that says why, so `make test` cannot go green without running everything.
"""

import pytest

try:
    import odoo.tools
except ImportError:  # the sandbox's own tests also run without Odoo
    odoo = None
else:
    # pytest-odoo imports Odoo's test framework before its test mode is on, and Odoo then logs
    # an error with a stack trace; import it here in test mode, as Odoo's own runner does.
    odoo.tools.config["test_enable"] = True
    import odoo.tests

    odoo.tools.config["test_enable"] = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = "Skipped tests count as failures in this project: %s" % (reason,)
