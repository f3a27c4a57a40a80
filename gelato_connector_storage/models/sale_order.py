from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _gelato_needs_artwork(self):
        """Override of `gelato_connector`: the order waits while a Gelato line whose artwork
        comes from storage lacks its file for one of those print areas."""
        res = super()._gelato_needs_artwork()
        return res or any(line._gelato_artwork_missing_areas() for line in self.order_line)

    def _gelato_artwork_positions(self):
        """``{line id: position}`` of the order's Gelato lines, from 1 (by sequence)."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: line._gelato_is_gelato_line())
        ordered = lines.sorted(lambda line: (line.sequence, line.id))
        return {line.id: position for position, line in enumerate(ordered, 1)}

    def _gelato_artwork_rejected_summary(self):
        return self.env._("Gelato: artwork file rejected")

    def _gelato_storage_advance(self, approve):
        """Move on the orders whose artwork is now complete.

        :param approve: the orders whose artwork a connection matching orders pending approval
            (``match_pending_approval``) completed: the scan's match approves them, as Gelato's
            own remote storage "adds the artwork and fulfils the order". Other orders that
            need approval wait for it.
        """
        for order in self:
            if order.gelato_state not in ("pending_artwork", "pending_approval"):
                continue
            if order._gelato_needs_artwork():
                continue
            order._gelato_close_rejected_activities()
            if order.gelato_state == "pending_artwork":
                order._gelato_advance_state()
            if order.gelato_state == "pending_approval" and order in approve:
                order._gelato_post_note(
                    self.env._("Approved for Gelato by the artwork scan: every file is there.")
                )
                order._gelato_advance_state()

    def _gelato_close_rejected_activities(self):
        summary = self._gelato_artwork_rejected_summary()
        self.activity_ids.filtered(lambda a: a.summary == summary).action_feedback(
            feedback=self.env._("Every artwork file is now attached.")
        )
