"""How Gelato's fulfilment statuses move (never backwards) and aggregate over split orders."""

from . import const


def gelato_status_moves_forward(old, new):
    """Whether a Gelato fulfilment status may replace the current one (never backwards).

    Normal statuses only move up in :data:`const.FULFILLMENT_STATUS_RANK`; ``on_hold``,
    ``failed`` and ``canceled`` may interrupt any order that is not finished; ``returned``
    follows a shipment; an order on hold may resume with any status but ``draft``; nothing
    follows ``canceled``, ``failed`` or ``returned``.
    """
    ranks = const.FULFILLMENT_STATUS_RANK
    if not new or new == old:
        allowed = False
    elif not old:
        allowed = True
    elif old in const.FINAL_FULFILLMENT_STATUSES:
        allowed = False
    elif new == "returned":
        allowed = old in const.DELIVERED_FULFILLMENT_STATUSES or old == "on_hold"
    elif old == "delivered":
        allowed = False
    elif new in ("on_hold", "failed", "canceled"):
        allowed = True
    elif old == "on_hold":
        allowed = new in ranks and ranks[new] > ranks["draft"]
    else:
        # A status this connector does not know is ignored rather than guessed.
        allowed = new in ranks and ranks[new] > ranks.get(old, -1)
    return allowed


def aggregate_fulfillment_status(statuses):
    """One status for a sale order sent as several Gelato orders (Gelato split it).

    A failed, held or returned part needs attention and wins; canceled parts count only when
    all are canceled; otherwise the order is as far as its least advanced part.
    """
    statuses = [status for status in statuses if status]
    if not statuses:
        return False
    for exceptional in ("failed", "on_hold", "returned"):
        if exceptional in statuses:
            return exceptional
    live = [status for status in statuses if status != "canceled"]
    if not live:
        return "canceled"
    ranks = const.FULFILLMENT_STATUS_RANK
    return min(live, key=lambda status: ranks.get(status, 0))
