"""Signed checkout links written back into a DAM: ``/gelato/dam/checkout/<asset>/<sig>``.

The signature (HMAC-SHA256 with the core's print-file signing key, which a neutralised copy
replaces) covers the asset and the product it was configured as: a link cannot be edited into
another asset's or product's. It does not expire (it lives in the DAM); configuring the asset as
another product, or a new key, makes the old links invalid.
"""

import hashlib
import hmac


def sign_checkout(secret, asset_id, product_tmpl_id):
    if not secret:
        raise ValueError("A secret is required to sign checkout links.")
    message = "gelato_connector_dam.checkout:%d:%d" % (int(asset_id), int(product_tmpl_id))
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def verify_checkout(secret, asset_id, product_tmpl_id, signature):
    if not secret or not product_tmpl_id or not isinstance(signature, str) or len(signature) != 64:
        return False
    expected = sign_checkout(secret, asset_id, product_tmpl_id)
    return hmac.compare_digest(expected, signature.lower())
