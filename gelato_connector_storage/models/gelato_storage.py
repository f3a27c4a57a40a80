"""A remote storage connection: where a merchant drops the artwork of orders, scanned hourly."""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib import clients, const, patterns

_logger = logging.getLogger(__name__)

# Orders the scan matches: waiting for artwork, and (``match_pending_approval``) waiting for
# approval, as Gelato's own feature matches "orders pending approval".
WAITING_STATES = ("pending_artwork",)
APPROVAL_STATE = "pending_approval"


class GelatoStorage(models.Model):
    _name = "gelato.storage"
    _description = "Gelato Artwork Storage"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        selection=[("s3", "S3-compatible bucket"), ("http", "Public web address")],
        required=True,
        default="s3",
        tracking=True,
        help="S3-compatible: AWS S3, MinIO, Wasabi, DigitalOcean Spaces, Google Cloud Storage "
        "(interoperability), IBM COS, Zadara... listed once per scan. Public web address: a "
        "location that cannot be listed; each expected file name is asked for.",
    )
    endpoint_url = fields.Char(
        string="Endpoint URL",
        tracking=True,
        help="Empty for AWS S3. Otherwise the store's address, e.g. http://minio.example.com:9000 "
        "or https://s3.eu-central-1.wasabisys.com.",
    )
    region = fields.Char(
        tracking=True, help="The bucket's region, e.g. eu-west-1 (any value for MinIO)."
    )
    bucket = fields.Char(tracking=True)
    prefix = fields.Char(
        string="Folder",
        tracking=True,
        help="Only files in this folder of the bucket are artwork (e.g. artwork/); files in "
        "sub-folders are not.",
    )
    access_key = fields.Char(tracking=True, help="Empty for a public bucket.")
    secret_key = fields.Char(groups="base.group_system", copy=False, prefetch=False)
    addressing_style = fields.Selection(
        selection=[("auto", "Automatic"), ("path", "Path"), ("virtual", "Virtual host")],
        required=True,
        default="auto",
        help="Path for MinIO and most self-hosted stores; automatic for AWS S3.",
    )
    base_url = fields.Char(
        string="Base URL",
        tracking=True,
        help="The public address the files are under, e.g. https://files.example.com/artwork/: "
        "the file S00042_1.png is then https://files.example.com/artwork/S00042_1.png.",
    )
    filename_pattern = fields.Char(
        string="File Name Pattern",
        required=True,
        default=const.DEFAULT_FILENAME_PATTERN,
        tracking=True,
        help="The name of each order line's file, without extension (.jpg, .jpeg, .png or .pdf, "
        "any case): {order_number} is the sale order's number, {order_item_number} the line's "
        "position among the order's Gelato lines (from 1), {print_area} Gelato's print area "
        "(for products with several print areas from storage). Constants are allowed, e.g. "
        "shop-{order_number}_{order_item_number}.",
    )
    match_pending_approval = fields.Boolean(
        string="Match Orders Pending Approval",
        tracking=True,
        help="Also match orders waiting for approval, as Gelato's remote storage does: when "
        "the scan completes their artwork, they are approved and sent. Leave it off to approve "
        "by hand.",
    )
    scan_ids = fields.One2many(comodel_name="gelato.storage.scan", inverse_name="storage_id")
    scan_count = fields.Integer(compute="_compute_scan_count")
    last_scan_id = fields.Many2one(
        string="Last Scan", comodel_name="gelato.storage.scan", readonly=True, copy=False
    )
    last_scan_state = fields.Selection(related="last_scan_id.state", string="Last Scan Result")
    outage_since = fields.Datetime(
        string="Failing Since",
        readonly=True,
        copy=False,
        help="Since when the scans fail on this connection (one activity per outage).",
    )
    last_error = fields.Text(readonly=True, copy=False)

    # === CONSTRAINT METHODS === #

    @api.constrains("filename_pattern")
    def _check_filename_pattern(self):
        for storage in self:
            try:
                patterns.validate_pattern(storage.filename_pattern)
            except patterns.PatternError as error:
                raise ValidationError(self._gelato_pattern_message(error)) from error

    @api.constrains("kind", "bucket", "base_url", "endpoint_url")
    def _check_location(self):
        for storage in self:
            if storage.kind == "s3":
                if not (storage.bucket or "").strip():
                    raise ValidationError(
                        self.env._("%(name)s: enter the bucket's name.", name=storage.name)
                    )
                if storage.endpoint_url and not storage.endpoint_url.startswith(
                    ("http://", "https://")
                ):
                    raise ValidationError(
                        self.env._(
                            "%(name)s: the endpoint URL must start with https:// (or http://).",
                            name=storage.name,
                        )
                    )
            elif not (storage.base_url or "").startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the base URL must be a web address starting with https:// "
                        "(or http://).",
                        name=storage.name,
                    )
                )

    # === COMPUTE METHODS === #

    @api.depends("scan_ids")
    def _compute_scan_count(self):
        counts = dict(
            self.env["gelato.storage.scan"]._read_group(
                [("storage_id", "in", self.ids)], ["storage_id"], ["__count"]
            )
        )
        for storage in self:
            storage.scan_count = counts.get(storage, 0)

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._gelato_clean_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._gelato_clean_vals(vals))

    @api.model
    def _gelato_clean_vals(self, vals):
        for field in ("endpoint_url", "region", "bucket", "access_key", "base_url"):
            if vals.get(field):
                vals[field] = vals[field].strip()
        if vals.get("secret_key"):
            vals["secret_key"] = vals["secret_key"].strip()
        if "filename_pattern" in vals:
            vals["filename_pattern"] = (vals["filename_pattern"] or "").strip()
        if vals.get("prefix"):
            vals["prefix"] = patterns.normalize_prefix(vals["prefix"])
        return vals

    # === ACTION METHODS === #

    def action_test_connection(self):
        """List a few keys (or ask the base URL) and say exactly what went wrong if anything.

        :return: a notification action.
        """
        self.ensure_one()
        try:
            client = self._gelato_client()
            if self.kind == "s3":
                keys = client.test()
                message = (
                    self.env._(
                        "Connected to bucket %(bucket)s: %(keys)s",
                        bucket=self.bucket,
                        keys=", ".join(keys),
                    )
                    if keys
                    else self.env._(
                        "Connected to bucket %(bucket)s: no file in it yet.", bucket=self.bucket
                    )
                )
            else:
                status = client.test()
                message = self.env._(
                    "%(url)s answers (HTTP %(status)s).", url=self.base_url, status=status
                )
        except clients.StorageError as error:
            return self._gelato_notification(
                self.env._("Connection failed"), self._gelato_error_message(error), "danger"
            )
        return self._gelato_notification(self.env._("Connection works"), message, "success")

    def action_scan_now(self):
        """Scan this connection now (the scheduled scan's code, in this transaction).

        :return: a notification with the scan's figures; the page reloads.
        """
        self.ensure_one()
        # A request has a time limit: what the first batches leave is for the scheduled
        # action, woken up now.
        scan = self._gelato_scan_now(max_batches=const.SCAN_NOW_MAX_BATCHES)
        if scan.state == "running":
            self.env.ref("gelato_connector_storage.ir_cron_gelato_scan_storages").sudo()._trigger()
        kind = {"done": "success", "failed": "danger"}.get(scan.state, "warning")
        return self._gelato_notification(
            self.env._("Scan of %(name)s", name=self.name),
            scan.summary,
            kind,
            next_action={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def action_view_scans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gelato_connector_storage.gelato_storage_scan_action"
        )
        action["domain"] = [("storage_id", "=", self.id)]
        action["context"] = {"default_storage_id": self.id}
        return action

    # === BUSINESS METHODS: the client === #

    def _gelato_client(self):
        """The storage client of this connection (the secret read in sudo: admin-only field)."""
        self.ensure_one()
        if self.kind == "http":
            return clients.HttpStorage(self.base_url)
        return clients.S3Storage(
            self.bucket,
            prefix=self.prefix,
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key=self.access_key,
            # sudo: the secret key is readable by administrators only (the scan runs as the cron)
            secret_key=self.sudo().secret_key,
            addressing_style=self.addressing_style,
        )

    def _gelato_max_file_bytes(self):
        megabytes = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("gelato_connector_storage.max_file_mb", const.MAX_FILE_MB)
        )
        try:
            return int(float(megabytes) * 1024 * 1024)
        except ValueError:
            return const.MAX_FILE_MB * 1024 * 1024

    # === BUSINESS METHODS: the scan === #

    def _gelato_scan_now(self, max_batches=None):
        """List this connection and process what it matched (all of it, or ``max_batches``
        batches), in this transaction.

        :return: the ``gelato.storage.scan``.
        :raise UserError: when another scan of this connection is running.
        """
        self.ensure_one()
        if not self._gelato_try_lock():
            raise UserError(
                self.env._(
                    "%(name)s is being scanned right now: its scan log will show the result in "
                    "a moment.",
                    name=self.name,
                )
            )
        scan = self._gelato_list()
        files = self.env["gelato.storage.file"]
        batches = 0
        while (max_batches is None or batches < max_batches) and files._gelato_process_batch(
            storage=self
        ):
            batches += 1
        return scan

    def _gelato_try_lock(self):
        """Lock the connection's listing for this transaction (two listings of one connection
        never run at once); False when another transaction holds it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", self._gelato_lock_key(), self.id)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _gelato_lock_key(self):
        # hashtext of a fixed name: one advisory-lock space for the storage listings.
        self.env.cr.execute("SELECT hashtext('gelato_connector_storage.scan')")
        return self.env.cr.fetchone()[0]

    def _gelato_list(self):
        """One listing pass: the files matching waiting order lines become pending files.

        A file already processed (same key and ETag) is left alone; a changed one (new ETag)
        for a line still waiting is processed again. Failures of the whole connection end the
        scan as failed, reported once per outage; no order changes.

        :return: the ``gelato.storage.scan`` (running until its files are processed).
        """
        self.ensure_one()
        scan = self.env["gelato.storage.scan"].create({"storage_id": self.id})
        self.last_scan_id = scan
        expected = self._gelato_expected_names()
        counts = {"listed": 0, "matched": 0, "unmatched": 0, "skipped": 0, "duplicates": 0}
        found = {}  # (line id, print area) -> object
        try:
            client = self._gelato_client()
            if self.kind == "s3":
                self._gelato_match_listing(client, expected, found, counts)
            else:
                self._gelato_match_probes(client, expected, found, counts)
        except clients.StorageError as error:
            message = self._gelato_error_message(error)
            _logger.warning("Storage scan of %s (id %s) failed: %s", self.name, self.id, message)
            scan._gelato_fail(message, counts)
            self._gelato_report_outage(message)
            return scan
        new_files = self.env["gelato.storage.file"]._gelato_take_found(self, scan, found)
        counts["matched"] = len(found)
        counts["already_processed"] = len(found) - len(new_files)
        scan.write(counts)
        self._gelato_end_outage()
        scan._gelato_finish_if_done()
        return scan

    def _gelato_match_listing(self, client, expected, found, counts):
        prefix = patterns.normalize_prefix(self.prefix)
        for item in client.iter_objects():
            counts["listed"] += 1
            parts = patterns.split_key(item["key"], prefix)
            if not parts:
                counts["skipped"] += 1
                continue
            target = expected.get(parts[0])
            if not target:
                counts["unmatched"] += 1
                continue
            self._gelato_keep_newest(found, target, item, counts)

    def _gelato_match_probes(self, client, expected, found, counts):
        for name, target in expected.items():
            for extension in const.EXTENSIONS:
                for variant in (extension, extension.upper()):
                    item = client.probe("%s.%s" % (name, variant))
                    counts["listed"] += 1
                    if item:
                        self._gelato_keep_newest(found, target, item, counts)
                        break
                if target in found:
                    break

    @staticmethod
    def _gelato_keep_newest(found, target, item, counts):
        """Two files for one line and print area (S1_1.png and S1_1.jpg): the newest wins."""
        current = found.get(target)
        if current is None:
            found[target] = item
            return
        counts["duplicates"] += 1
        if (item["last_modified"] or "") and str(item["last_modified"]) > str(
            current["last_modified"] or ""
        ):
            found[target] = item

    def _gelato_matched_states(self):
        """The ``gelato_state`` of the orders this connection's scan matches."""
        self.ensure_one()
        return WAITING_STATES + ((APPROVAL_STATE,) if self.match_pending_approval else ())

    def _gelato_waiting_lines(self):
        """The lines of this connection's company's orders that the scan matches (only
        those of products with artwork from storage get names)."""
        self.ensure_one()
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("gelato_state", "in", self._gelato_matched_states()),
            ]
        )
        return orders.order_line

    def _gelato_expected_names(self):
        """Every name (without extension) a waiting line's file may have.

        :return: ``{name: (sale.order.line id, print area)}``.
        """
        names = self._gelato_waiting_lines()._gelato_artwork_names_by_line(self.filename_pattern)
        return {
            name: (line_id, area)
            for line_id, by_area in names.items()
            for area, name in by_area.items()
        }

    def _gelato_purge_scans(self):
        """Keep the last scans of each connection (an hourly log grows by 8,760 a year)."""
        for storage in self:
            old = self.env["gelato.storage.scan"].search(
                [("storage_id", "=", storage.id), ("state", "!=", "running")],
                offset=const.SCAN_LOGS_KEPT,
                order="id desc",
            )
            old.unlink()

    # === BUSINESS METHODS: outages === #

    def _gelato_report_outage(self, message):
        """Record the failure; the first failure of an outage gets an activity."""
        self.ensure_one()
        first = not self.outage_since
        self.write(
            {"outage_since": self.outage_since or fields.Datetime.now(), "last_error": message}
        )
        if not first:
            return
        self.message_post(
            body=Markup("%s<br/>%s")
            % (self.env._("The artwork scan cannot read this storage:"), message),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
        user = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        self.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=self.env._("Artwork storage unreachable"),
            note=self.env._(
                "%(error)s\nOrders waiting for artwork stay waiting until the storage can be "
                "read again (Test connection, then Scan now).",
                error=message,
            ),
            user_id=user.id,
        )

    def _gelato_end_outage(self):
        self.ensure_one()
        if not self.outage_since:
            return
        self.write({"outage_since": False, "last_error": False})
        activities = self.activity_ids.filtered(
            lambda a: a.summary == self.env._("Artwork storage unreachable")
        )
        activities.action_feedback(feedback=self.env._("The storage can be read again."))

    # === BUSINESS METHODS: messages === #

    def _gelato_error_message(self, error):
        """The merchant's sentence for a :class:`~..lib.clients.StorageError`."""
        where = self.bucket if self.kind == "s3" else self.base_url
        messages = {
            "no_bucket": self.env._(
                "The bucket %(bucket)s does not exist at this endpoint (check its name and the "
                "endpoint URL).",
                bucket=self.bucket,
            ),
            "bad_credentials": self.env._(
                "The storage refused the access key or secret key (wrong, revoked or expired "
                "credentials)."
            ),
            "denied": self.env._(
                "Permission denied on %(where)s: the access key may not list or read it.",
                where=where,
            ),
            "wrong_region": self.env._(
                "The bucket %(bucket)s is in another region than %(region)s: set its region.",
                bucket=self.bucket,
                region=self.region or "-",
            ),
            "unreachable": self.env._(
                "The storage cannot be reached (endpoint unreachable): check the address and "
                "that the server is up."
            ),
            "tls": self.env._(
                "The secure connection (TLS) to the storage failed: its certificate is not "
                "valid for this address."
            ),
            "timeout": self.env._("The storage did not answer in time."),
            "bad_endpoint": self.env._("The endpoint URL cannot be used."),
            "too_large": self.env._("The file is larger than the limit."),
            "not_found": self.env._("The file is no longer there."),
        }
        message = messages.get(error.code) or self.env._("The storage answered with an error.")
        if error.detail:
            message = "%s (%s)" % (message, error.detail[:300])
        return message

    def _gelato_pattern_message(self, error):
        """The merchant's sentence for a :class:`~..lib.patterns.PatternError`."""
        params = error.params
        messages = {
            "empty": lambda: self.env._("Enter a file name pattern."),
            "unknown_token": lambda: self.env._(
                "{%(token)s} is not a token of file name patterns: use {order_number}, "
                "{order_item_number} and {print_area}.",
                token=params.get("token"),
            ),
            "missing_token": lambda: self.env._(
                "The file name pattern needs {%(token)s}: without it two lines would expect "
                "the same file.",
                token=params.get("token"),
            ),
            "repeated_token": lambda: self.env._(
                "{%(token)s} appears more than once in the file name pattern.",
                token=params.get("token"),
            ),
            "adjacent_tokens": lambda: self.env._(
                "Put a separator (e.g. _ or -) before {%(token)s}: tokens side by side make "
                "names of different lines alike (S1 line 11, S11 line 1).",
                token=params.get("token"),
            ),
            "bad_character": lambda: self.env._(
                "The character %(character)r cannot be used in file names: use letters, "
                "digits, - _ and . (folders go in the Folder field).",
                character=params.get("character"),
            ),
            "too_long": lambda: self.env._("The file name pattern is too long."),
        }
        message = messages.get(error.code)
        return message() if message else self.env._("The file name pattern is not valid.")

    @staticmethod
    def _gelato_notification(title, message, kind, next_action=None):
        params = {"title": title, "message": message, "type": kind, "sticky": kind == "danger"}
        if next_action:
            params["next"] = next_action
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    # === CRON === #

    @api.model
    def _cron_gelato_scan_storages(self, batch_size=None):
        """The hourly scan (scheduled action): one batch of matched files per call.

        A call that finds files still pending (from this run, or from a run that crashed)
        processes a batch of them; a call that finds none starts a new run: one listing pass
        per active connection, then a first batch. The runner commits after each call and
        calls again while the progress API reports files remaining.
        """
        files = self.env["gelato.storage.file"]
        batch = files._gelato_process_batch(batch_size=batch_size)
        if not batch and not files._gelato_count_pending():
            # Every active connection (the cron runs as the superuser: all companies).
            for storage in self.search([], order="id"):  # pylint: disable=no-search-all
                if storage._gelato_try_lock():
                    storage.with_company(storage.company_id)._gelato_list()
            batch = files._gelato_process_batch(batch_size=batch_size)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=files._gelato_count_pending()
        )
        return batch
