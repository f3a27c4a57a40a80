"""A file of a storage connection that matched an order line: the scan's work item and its
memory (key and ETag), so a file is downloaded once per version."""

import logging
import posixpath

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_unique_index

from ..lib import clients, const

_logger = logging.getLogger(__name__)


class GelatoStorageFile(models.Model):
    _name = "gelato.storage.file"
    _description = "Gelato Artwork Storage File"
    _order = "id desc"
    _rec_name = "key"

    storage_id = fields.Many2one(
        string="Storage", comodel_name="gelato.storage", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="storage_id.company_id", store=True, index=True)
    scan_id = fields.Many2one(
        string="Scan",
        comodel_name="gelato.storage.scan",
        ondelete="set null",
        index="btree_not_null",
        help="The last scan that handled this file.",
    )
    key = fields.Char(string="File", required=True)
    etag = fields.Char(string="Version (ETag)")
    size = fields.Integer(string="Size (bytes)")
    sale_line_id = fields.Many2one(
        string="Order Line", comodel_name="sale.order.line", required=True, ondelete="cascade"
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", store=True, index=True)
    print_area = fields.Char(required=True)
    state = fields.Selection(
        selection=[
            ("pending", "To process"),
            ("attached", "Attached"),
            ("rejected", "Rejected"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="pending",
    )
    reason = fields.Text(help="Why the file was rejected or ignored.")
    processed_at = fields.Datetime(string="Processed")

    def init(self):
        # One record per file of a connection: its memory of the version processed.
        create_unique_index(
            self.env.cr, "gelato_storage_file_storage_key_uniq", self._table, ["storage_id", "key"]
        )
        # The batches' query: pending files by order.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS gelato_storage_file_pending_idx
                ON gelato_storage_file (order_id) WHERE state = 'pending'
            """
        )

    # === BUSINESS METHODS: what a listing found === #

    @api.model
    def _gelato_source_ref(self, storage, key, etag):
        """What the line's print file records as its origin (key and version)."""
        return "%s:%s@%s" % (storage.id, key, etag)

    @api.model
    def _gelato_take_found(self, storage, scan, found):
        """Record the files a listing matched; those new or changed become pending.

        :param dict found: ``{(sale.order.line id, print area): object}`` (see
            :meth:`~.clients.S3Storage.iter_objects`).
        :return: the files to process.
        """
        if not found:
            return self.browse()
        existing = {
            file.key: file
            for file in self.search(
                [
                    ("storage_id", "=", storage.id),
                    ("key", "in", [item["key"] for item in found.values()]),
                ]
            )
        }
        lines = self.env["sale.order.line"].browse({line_id for line_id, _area in found})
        current_refs = lines._gelato_storage_source_refs()
        to_create = []
        to_process = self.browse()
        for (line_id, area), item in found.items():
            file = existing.get(item["key"])
            if (
                file
                and file.etag == item["etag"]
                and file.sale_line_id.id == line_id
                and file.print_area == area
                and (
                    file.state in ("pending", "rejected")
                    or (
                        file.state == "attached"
                        and current_refs.get((line_id, area))
                        == self._gelato_source_ref(storage, item["key"], item["etag"])
                    )
                )
            ):
                continue
            values = {
                "scan_id": scan.id,
                "etag": item["etag"],
                "size": item["size"],
                "sale_line_id": line_id,
                "print_area": area,
                "state": "pending",
                "reason": False,
                "processed_at": False,
            }
            if file:
                file.write(values)
                to_process |= file
            else:
                to_create.append({**values, "storage_id": storage.id, "key": item["key"]})
        return to_process | self.create(to_create)

    # === BUSINESS METHODS: processing === #

    @api.model
    def _gelato_pending_condition(self, storage=None):
        condition = SQL(
            "f.state = 'pending' AND f.storage_id IN "
            "(SELECT id FROM gelato_storage WHERE active AND outage_since IS NULL)"
        )
        if storage:
            condition = SQL("%s AND f.storage_id = %s", condition, storage.id)
        return condition

    @api.model
    def _gelato_count_pending(self, storage=None):
        self.env["gelato.storage.file"].flush_model()
        self.env["gelato.storage"].flush_model(["active", "outage_since"])
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM gelato_storage_file f WHERE %s",
                self._gelato_pending_condition(storage),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _gelato_process_batch(self, storage=None, batch_size=None):
        """Process the pending files of a batch of orders no other transaction holds.

        The orders are locked ``FOR UPDATE SKIP LOCKED``: two scans (or the scan and Scan
        now) never process the same line at once; a locked order's files wait for the next
        batch. An order whose lines all have their artwork then moves on.

        :return: the files processed.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("gelato_connector_storage.scan_batch_size", const.SCAN_BATCH_SIZE)
        )
        self.flush_model()
        self.env["gelato.storage"].flush_model(["active", "outage_since"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM sale_order
                 WHERE id IN (SELECT f.order_id FROM gelato_storage_file f WHERE %s)
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                self._gelato_pending_condition(storage),
                batch_size,
            )
        )
        order_ids = [row[0] for row in self.env.cr.fetchall()]
        if not order_ids:
            return self.browse()
        domain = [("order_id", "in", order_ids), ("state", "=", "pending")]
        if storage:
            domain.append(("storage_id", "=", storage.id))
        files = self.search(domain, order="order_id, sale_line_id, id")
        done = self.browse()
        for storage_files in files.grouped("storage_id").values():
            done |= storage_files._gelato_process_storage_files()
        orders = self.env["sale.order"].browse(order_ids)
        attached = done.filtered(lambda f: f.state == "attached")
        orders._gelato_storage_advance(
            attached.filtered(lambda f: f.storage_id.match_pending_approval).order_id
        )
        done.scan_id._gelato_finish_if_done()
        return done

    def _gelato_process_storage_files(self):
        """Process files of one connection; a failure of the whole connection stops it (the
        files stay pending for the next run) and is reported once per outage."""
        storage = self.storage_id
        storage.ensure_one()
        storage = storage.with_company(storage.company_id)
        max_bytes = storage._gelato_max_file_bytes()
        done = self.browse()
        try:
            client = storage._gelato_client()
            for file in self:
                file._gelato_process(client, max_bytes)
                done |= file
        except clients.StorageError as error:
            message = storage._gelato_error_message(error)
            _logger.warning(
                "Storage %s (id %s) failed during a scan: %s", storage.name, storage.id, message
            )
            storage._gelato_report_outage(message)
        return done

    def _gelato_process(self, client, max_bytes):
        """Download one file, check it and attach it to its line's print area.

        :raise StorageError: when the connection itself fails (not only this file).
        """
        self.ensure_one()
        line = self.sale_line_id
        storage = self.storage_id
        if (
            line.order_id.gelato_state not in storage._gelato_matched_states()
            or self.print_area not in line._gelato_storage_print_areas()
        ):
            self._gelato_set_done("ignored", self.env._("The order no longer waits for this file."))
            return
        filename = posixpath.basename(self.key)
        if self.size and self.size > max_bytes:
            self._gelato_reject(self._gelato_too_large_message(max_bytes))
            return
        try:
            raw = client.download(self.key, max_bytes)
        except clients.StorageError as error:
            if error.code == "too_large":
                self._gelato_reject(self._gelato_too_large_message(max_bytes))
                return
            if error.code == "not_found":
                self._gelato_set_done(
                    "ignored", self.env._("The file was removed before download.")
                )
                return
            raise
        try:
            with self.env.cr.savepoint():
                line._gelato_attach_print_file(
                    self.print_area,
                    raw,
                    filename,
                    "storage",
                    source_ref=self._gelato_source_ref(storage, self.key, self.etag),
                )
        except ValidationError as error:
            self._gelato_reject(error.args[0])
            return
        self._gelato_set_done("attached", False)
        line.order_id._gelato_post_note(
            self.env._(
                "Artwork %(file)s from %(storage)s attached to %(product)s (line %(position)s, "
                "print area %(area)s).",
                file=filename,
                storage=storage.name,
                product=line.product_id.display_name,
                position=line._gelato_artwork_position(),
                area=self.print_area,
            )
        )

    def _gelato_too_large_message(self, max_bytes):
        return self.env._(
            "The file is larger than %(limit)s MB: export it smaller (or compressed) and upload "
            "it again.",
            limit=max_bytes // (1024 * 1024),
        )

    def _gelato_set_done(self, state, reason):
        self.write({"state": state, "reason": reason, "processed_at": fields.Datetime.now()})
        if state in ("attached", "rejected") and self.scan_id:
            self.scan_id[state] += 1

    def _gelato_reject(self, reason):
        """A file that cannot be printed: said on the order (chatter and an activity for the
        salesperson); the line keeps waiting for a corrected file."""
        self._gelato_set_done("rejected", reason)
        line = self.sale_line_id
        order = line.order_id
        filename = posixpath.basename(self.key)
        order._gelato_post_note(
            Markup("%s<br/>%s")
            % (
                self.env._(
                    "The artwork file %(file)s from %(storage)s was rejected; the order waits "
                    "for a corrected file with the same name:",
                    file=filename,
                    storage=self.storage_id.name,
                ),
                reason,
            )
        )
        note = self.env._(
            "%(file)s (%(product)s, print area %(area)s): %(reason)s\nUpload a corrected file "
            "with the same name; the next scan picks it up.",
            file=filename,
            product=line.product_id.display_name,
            area=self.print_area,
            reason=reason,
        )
        summary = order._gelato_artwork_rejected_summary()
        existing = order.activity_ids.filtered(lambda a: a.summary == summary)
        if existing:
            existing[0].note = note
        else:
            order._gelato_schedule_activity(summary, note)
