"""The DAM sync's logic without the ORM (only the core's pure lib is imported).

- ``const``: limits, timeouts, page sizes, each with the API fact behind it.
- ``errors``: :class:`DamError`, what a DAM call can end with (retryable or not).
- ``http``: what both clients share over ``requests`` (timeouts, capped streaming, back-off).
- ``bynder``: Bynder through the bynder-sdk package.
- ``webdam``: Webdam (Acquia DAM classic, REST API v2), a small client over ``requests``.
- ``sync``: what a listing means for the assets already imported (pure planning).
- ``checkout``: signed checkout links written back into the DAM.
"""
