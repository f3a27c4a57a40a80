"""The connector's pure logic: no Odoo import anywhere in this package.

Each module is importable (and tested) without Odoo or a database; translated messages live
with the models that show them, these modules return codes and parameters.

- ``const``: Gelato's constants (statuses, address rules, limits, timeouts).
- ``responses``: reading Gelato's HTTP answers (retryable statuses, error messages, masking).
- ``templates``: turning a Gelato template into variants and placements.
- ``print_files``: the isolated print-file check and preview (runs ``print_file_check``).
- ``print_file_check``: the checker itself, run as a separate, resource-limited process.
- ``text``: text as PostgreSQL can store it; links as customers may be shown them.
- ``log_throttle``: at most one log line a minute for what anyone can cause.
- ``signing``: signed, expiring print-file URLs.
- ``addresses``: Gelato's address rules.
- ``statuses``: how Gelato's fulfilment statuses move and aggregate.
- ``orders``: Gelato's order answers, back-off and shipping rates.
- ``webhooks``: webhook events as received (identity, what the payload alone tells).
"""
