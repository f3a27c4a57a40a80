"""Gelato's shipping quotes, shared by all workers: each live ``orders:quote`` call is a row.

A successful answer (only what the rates need) is served again until it expires; every live
call, answered or not, counts towards the shopper's limit per cart. Rows are purged daily.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib import const, orders

_logger = logging.getLogger(__name__)


class GelatoQuoteCache(models.Model):
    _name = "gelato.quote.cache"
    _description = "Gelato Shipping Quote"
    _order = "id desc"
    _log_access = False  # called_at says when; who asked does not matter

    key = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="Hash of what was quoted (products, quantities, recipient, currency, company).",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
        help="The order (cart) whose rate request made the call: shoppers' calls are limited "
        "per cart.",
    )
    called_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    expires_at = fields.Datetime(
        readonly=True,
        help="Until when the answer is served again. Empty for a call that failed (never served).",
    )
    answer = fields.Json(
        readonly=True,
        help="Gelato's quotes as the rates read them (shipment methods by facility; item "
        "references by position in the request).",
    )

    # === BUSINESS METHODS === #

    @api.model
    def _gelato_int_param(self, name, default):
        value = self.env["ir.config_parameter"].sudo().get_param(name)
        try:
            return int(value) if value not in (None, False, "") else default
        except ValueError:
            return default

    @api.model
    def _gelato_ttl(self):
        """Seconds a successful quote is served again (0: not at all)."""
        return max(
            0,
            self._gelato_int_param(
                "gelato_connector.quote_cache_ttl", const.QUOTE_CACHE_TTL_SECONDS
            ),
        )

    @api.model
    def _gelato_limit(self):
        """``(calls, seconds)``: live quote calls a shopper may cause per cart in that window."""
        calls = self._gelato_int_param(
            "gelato_connector.quote_limit_per_cart", const.QUOTE_LIMIT_PER_CART
        )
        window = self._gelato_int_param(
            "gelato_connector.quote_limit_window", const.QUOTE_LIMIT_WINDOW_SECONDS
        )
        return max(calls, 0), max(window, 1)

    @api.model
    def _gelato_key(self, company, payload):
        """The cache key of ``payload`` quoted for ``company`` (and the API it talks to: a
        sandbox's prices are never served once the company points at Gelato)."""
        api_url = (company.sudo().gelato_api_url or "").strip()  # sudo: admin-only field
        return orders.quote_cache_key(payload, scope=(company.id, api_url))

    @api.model
    def _gelato_lookup(self, company, key):
        """The cached answer for ``key``, or None (a TTL lowered in the settings applies at
        once to the answers already kept)."""
        ttl = self._gelato_ttl()
        if not ttl:
            return None
        now = fields.Datetime.now()
        cached = self.search(
            [
                ("key", "=", key),
                ("company_id", "=", company.id),
                ("expires_at", ">", now),
                ("called_at", ">", now - timedelta(seconds=ttl)),
            ],
            limit=1,
        )
        return cached.answer if cached else None

    @api.model
    def _gelato_limit_reached(self, order):
        """Whether ``order`` (a cart) already made the live calls its window allows (a limit
        of 0 calls means no limit)."""
        calls, window = self._gelato_limit()
        if not calls or not order._origin.id:
            return False
        recent = self.search_count(
            [
                ("sale_order_id", "=", order._origin.id),
                ("called_at", ">", fields.Datetime.now() - timedelta(seconds=window)),
            ],
            limit=calls,
        )
        return recent >= calls

    @api.model
    def _gelato_record_call(self, company, key, order):
        """Record a live call before it is made (it counts even if it fails).

        :return: the row, to :meth:`_gelato_store` the answer in.
        """
        return self.create(
            {
                "key": key,
                "company_id": company.id,
                "sale_order_id": order._origin.id or False,
            }
        )

    def _gelato_store(self, answer):
        """Keep a successful ``answer`` (see :func:`orders.quotes_for_cache`) for the TTL."""
        self.ensure_one()
        ttl = self._gelato_ttl()
        if ttl:
            self.write(
                {"answer": answer, "expires_at": fields.Datetime.now() + timedelta(seconds=ttl)}
            )

    # === CRONS === #

    @api.model
    def _cron_purge_expired(self):
        """Delete the rows neither served (expired) nor counted (out of the window) any more,
        so that the table holds a few minutes of quotes, not their history."""
        _calls, window = self._gelato_limit()
        keep = max(self._gelato_ttl(), window, const.QUOTE_CACHE_TTL_SECONDS)
        limit_date = fields.Datetime.now() - timedelta(seconds=keep)
        self.flush_model()
        self.env.cr.execute(
            "DELETE FROM gelato_quote_cache WHERE called_at < %s AND "
            "(expires_at IS NULL OR expires_at < %s)",
            [limit_date, fields.Datetime.now()],
        )
        _logger.debug("Purged %s Gelato quotes", self.env.cr.rowcount)
