"""Reliability run "Bad input": hostile webhooks, hostile print files, a Gelato answering garbage.

Three parts, each printing what it tried (counts per kind) and what was lost, duplicated or
wrong (the goal: nothing; every such finding is a problem and the run fails):

1. **Webhook fuzz** through a real Odoo server (2 HTTP workers) on the bench database:
   hypothesis-generated bodies posted to ``/gelato/webhook`` (10,000 examples at full size):
   Gelato events with values replaced or removed, arbitrary JSON, raw bytes, strings
   PostgreSQL cannot store (NUL, lone surrogates), deep nesting; right, wrong and missing
   secrets under several header names. Never a 5xx; unauthenticated requests always 403 and
   they write nothing (database snapshot before and after, fresh cursor); authenticated ones
   only 200/400/413. Mixed in: real events for real orders (sent in shuffled order, some
   twice or more); at the end each order's status, tracking and delivery window are what the
   valid events imply (nothing lost) and each valid event id is recorded exactly once
   (nothing duplicated).
2. **Hostile print files** through ``gelato.print.file`` create and write, as a user uploads
   them: truncated PNG/JPEG/PDF, decompression bombs, wrong extensions, empty and random
   files, PDFs with a corrupt xref or a huge page count, hostile file names. Each is refused
   with a clear message (no crash, no MemoryError or timeout in the Odoo process), the check's
   time and memory stay bounded, and the good file already on the print area is kept when a
   bad replacement is refused.
3. **A Gelato that answers garbage** (the sandbox's ``html``, ``empty``, ``wrong_json`` and
   ``truncated`` faults, before and after the call took effect where that means something):
   live rates, template synchronisation, the connection test, sending orders (the send job
   run in this process, each batch committed; promotion by the post-commit hook), refresh
   and cancel. Rates fail with a readable message, syncs change nothing, orders stay queued
   with a readable error and, once Gelato behaves, end sent with exactly one Gelato order.

Sizes: ``full`` (``make bench``) and ``short`` (``make test``, under a minute). Run with
`make bench` (or `make bench ARGS=bench/bench_bad_input.py`), or directly against a database
with gelato_connector: BENCH_DB=... BENCH_ODOO_CONF=... python bench/bench_bad_input.py
[short] (or BENCH_SIZE=short). BENCH_BAD_INPUT_PARTS=1,3 runs only some parts.

The code is in bench/bad_input/: one module per part (webhook_fuzz.py, print_files.py,
garbage.py), what they share (shared.py) and the run of the three (runner.py).
"""

from bad_input.runner import main, run

__all__ = ["main", "run"]

if __name__ == "__main__":
    main()
