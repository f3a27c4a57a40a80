"""The personalisation's pure logic: no Odoo import anywhere in this package.

- ``const``: fonts offered (with their licences), limits, defaults.
- ``layout``: the default layout of a product's areas, and a layout turned into a render spec.
- ``render``: the renderer itself, run as a separate, resource-limited process.
- ``renderer``: runs ``render`` in that process.
"""
