"""gelato_sandbox: a stateful HTTP stand-in for the Gelato print-on-demand API.

Run it with ``PYTHONPATH=tools python -m gelato_sandbox``; see README.md.
"""
