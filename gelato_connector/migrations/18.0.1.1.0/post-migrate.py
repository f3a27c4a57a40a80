"""18.0.1.1.0: the webhook event log loses its single-column indexes on the company and the
type (each webhook request wrote them; the unique (company, event id) index serves the company,
and the type is only grouped by in the list). Odoo does not drop an index a field no longer
asks for, so this does."""

from odoo.tools import sql


def migrate(cr, version):
    for column in ("company_id", "event_type"):
        sql.drop_index(cr, "gelato_webhook_event__%s_index" % column, "gelato_webhook_event")
