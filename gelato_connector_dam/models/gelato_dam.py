import json
import logging
import threading
import time

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import const, sync
from ..lib.bynder import BynderDam
from ..lib.errors import DamError
from ..lib.webdam import WebdamDam

_logger = logging.getLogger(__name__)

# Secrets: readable by administrators only, never logged, blanked by data/neutralize.sql.
SECRET_FIELDS = (
    "bynder_permanent_token",
    "client_secret",
    "webdam_password",
    "webdam_refresh_token",
    "token_data",
)
# A cron run stops after a batch once it has run this long; the cron is then called again
# right away (Odoo 18's progress API) and resumes where it stopped.
CRON_TIME_BUDGET = 120


class GelatoDam(models.Model):
    """A connection to a DAM (Bynder or Webdam) whose files carrying a tag are imported into
    the *DAM import* folder (``gelato.dam.asset``) to be configured as Gelato products.

    Field names and ``action_test_connection`` / ``action_sync_now`` are a contract: other
    tooling drives them over JSON-RPC.
    """

    _name = "gelato.dam"
    _description = "Gelato DAM Source"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        string="DAM",
        selection=[("bynder", "Bynder"), ("webdam", "Webdam")],
        required=True,
        default="bynder",
        tracking=True,
    )
    base_url = fields.Char(
        string="Address",
        tracking=True,
        help="Bynder: the portal, e.g. https://yourcompany.getbynder.com. Webdam: the API, "
        "https://apiv2.webdamdb.com (used when empty).",
    )
    tag = fields.Char(
        required=True,
        tracking=True,
        help="Files carrying this tag in the DAM (a Bynder tag, a Webdam keyword) are imported "
        "for print, e.g. Salesdemo.",
    )
    backlink_enabled = fields.Boolean(
        string="Write the Checkout Link Back",
        tracking=True,
        help="Write the Odoo checkout link of each configured file into a field of the DAM.",
    )
    backlink_field = fields.Char(
        tracking=True,
        help="Bynder: the name (or id) of a text metaproperty. Webdam: an XMP text field such "
        "as customfield1.",
    )
    last_sync = fields.Datetime(string="Last Synchronisation", readonly=True, copy=False)
    sync_interval = fields.Integer(
        string="Synchronise Every (hours)",
        default=1,
        help="How often the scheduled action synchronises this source.",
    )
    user_id = fields.Many2one(
        string="Responsible",
        comodel_name="res.users",
        default=lambda self: self.env.user,
        help="Gets an activity when a synchronisation fails.",
    )

    # Credentials.
    bynder_auth = fields.Selection(
        string="Bynder Authentication",
        selection=[
            ("permanent_token", "Permanent token"),
            ("client_credentials", "OAuth2 app (client credentials)"),
        ],
        default="permanent_token",
    )
    bynder_permanent_token = fields.Char(groups="base.group_system", copy=False)
    client_id = fields.Char(string="Client ID", groups="base.group_system", copy=False)
    client_secret = fields.Char(groups="base.group_system", copy=False)
    webdam_username = fields.Char(groups="base.group_system")
    webdam_password = fields.Char(groups="base.group_system", copy=False)
    webdam_refresh_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Instead of a username and password: a refresh token of the Webdam account.",
    )
    token_data = fields.Text(
        groups="base.group_system",
        copy=False,
        help="Technical: the current OAuth2 access token (refreshed before it expires).",
    )

    # Sync state.
    sync_cursor = fields.Datetime(
        string="Synchronised Up To",
        readonly=True,
        copy=False,
        help="Technical: the DAM's modification date up to which files were imported. The next "
        "run lists what changed since (minus an overlap window).",
    )
    last_reconcile = fields.Datetime(
        string="Last Full Listing",
        readonly=True,
        copy=False,
        help="Technical: when all tagged files were last listed (to archive the files untagged "
        "or deleted in the DAM).",
    )
    sync_state = fields.Selection(
        string="Synchronisation",
        selection=[("never", "Never run"), ("ok", "Up to date"), ("failed", "Failed")],
        default="never",
        readonly=True,
        copy=False,
    )
    last_error = fields.Text(readonly=True, copy=False)
    asset_ids = fields.One2many(
        string="Files", comodel_name="gelato.dam.asset", inverse_name="dam_id"
    )
    asset_count = fields.Integer(string="Files Imported", compute="_compute_asset_count")
    log_ids = fields.One2many(
        string="Synchronisation Log", comodel_name="gelato.dam.sync.log", inverse_name="dam_id"
    )

    _sql_constraints = [
        (
            "sync_interval_positive",
            "CHECK(sync_interval > 0)",
            "The synchronisation interval is at least one hour.",
        ),
    ]

    # === CONSTRAINT METHODS === #

    @api.constrains("backlink_enabled", "backlink_field")
    def _check_backlink_field(self):
        for dam in self:
            if dam.backlink_enabled and not (dam.backlink_field or "").strip():
                raise ValidationError(
                    self.env._(
                        "Name the DAM field that receives the checkout link (a Bynder "
                        "metaproperty, a Webdam field such as customfield1), or turn the "
                        "backlink off."
                    )
                )

    @api.constrains("tag")
    def _check_tag(self):
        for dam in self:
            if not (dam.tag or "").strip() or "," in dam.tag:
                raise ValidationError(
                    self.env._("The tag is one tag, without commas (e.g. Salesdemo).")
                )

    # === COMPUTE METHODS === #

    @api.depends("asset_ids")
    def _compute_asset_count(self):
        counts = dict(
            self.env["gelato.dam.asset"]._read_group(
                [("dam_id", "in", self.ids)], ["dam_id"], ["__count"]
            )
        )
        for dam in self:
            dam.asset_count = counts.get(dam, 0)

    # === CRUD METHODS === #

    def write(self, vals):
        if {"kind", "base_url", "bynder_auth", "client_id", "webdam_username"} & set(vals):
            # Another account: the token is the old account's.
            vals = dict(vals, token_data=False)
        if {"kind", "base_url", "tag"} & set(vals):
            # Other files: the next run lists them all (and archives those of the old tag).
            vals = dict(vals, sync_cursor=False, last_reconcile=False)
        return super().write(vals)

    # === ACTION METHODS === #

    def action_test_connection(self):
        """Sign in and list one tagged file; say how it went.

        :return: a notification action.
        """
        self.ensure_one()
        try:
            client = self._gelato_dam_client()
            client.test(self.tag.strip())
        except DamError as error:
            raise UserError(self._gelato_dam_error_message(error)) from error
        self._gelato_dam_save_token(client)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Connection works"),
                "message": self.env._(
                    "%(dam)s accepted the credentials and the tag %(tag)s can be searched.",
                    dam=self.name,
                    tag=self.tag,
                ),
                "type": "success",
                "sticky": False,
            },
        }

    def action_sync_now(self):
        """Synchronise now, with a full listing (files untagged or deleted are archived).

        :return: a notification action saying what the run did (the log is on the source).
        """
        self.ensure_one()
        log = self._gelato_dam_sync(full=True)
        kind = "danger" if log.state == "failed" else "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Synchronisation failed")
                if log.state == "failed"
                else self.env._("Synchronised"),
                "message": log.summary,
                "type": kind,
                "sticky": log.state == "failed",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_assets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "gelato_connector_dam.gelato_dam_asset_action"
        )
        action["domain"] = [("dam_id", "=", self.id)]
        action["context"] = {"default_dam_id": self.id}
        return action

    # === BUSINESS METHODS: clients === #

    def _gelato_dam_client(self):
        """The DAM client for this source (lib.bynder / lib.webdam).

        :raise DamError: ``bad_config`` when credentials are missing.
        """
        self.ensure_one()
        dam = self.sudo()  # sudo: the credentials are readable by administrators only
        try:
            token = json.loads(dam.token_data) if dam.token_data else None
        except ValueError:
            token = None
        if dam.kind == "bynder":
            if not (dam.base_url or "").strip():
                raise DamError("bad_config", "the portal address")
            if dam.bynder_auth == "client_credentials":
                return BynderDam(
                    dam.base_url,
                    client_id=dam.client_id,
                    client_secret=dam.client_secret,
                    token=token,
                )
            if not dam.bynder_permanent_token:
                raise DamError("bad_config", "a permanent token")
            return BynderDam(dam.base_url, permanent_token=dam.bynder_permanent_token)
        return WebdamDam(
            dam.base_url or const.WEBDAM_DEFAULT_URL,
            dam.client_id,
            dam.client_secret,
            username=dam.webdam_username,
            password=dam.webdam_password,
            refresh_token=dam.webdam_refresh_token,
            token=token,
        )

    def _gelato_dam_save_token(self, client):
        """Keep the client's current token (a new one was fetched or refreshed)."""
        token = getattr(client, "token", None) or None
        dam = self.sudo()  # sudo: the token is readable by administrators only
        value = json.dumps(token, sort_keys=True) if token else False
        if (dam.token_data or False) != value:
            dam.token_data = value

    def _gelato_dam_error_message(self, error):
        """What a :class:`DamError` means for the user, in their language."""
        detail = error.detail or ""
        messages = {
            "bad_config": lambda: self.env._(
                "%(dam)s is missing %(what)s: complete the connection's credentials.",
                dam=self.name,
                what=detail,
            ),
            "auth": lambda: self.env._(
                "%(dam)s refused the credentials (%(detail)s): check them on the connection.",
                dam=self.name,
                detail=detail,
            ),
            "token": lambda: self.env._(
                "%(dam)s refused to refresh the access token (%(detail)s): enter a new refresh "
                "token or a username and password.",
                dam=self.name,
                detail=detail,
            ),
            "unreachable": lambda: self.env._(
                "%(dam)s could not be reached (%(detail)s). It will be tried again at the next "
                "synchronisation.",
                dam=self.name,
                detail=detail,
            ),
            "tls": lambda: self.env._(
                "The certificate of %(dam)s could not be verified (%(detail)s): check the "
                "address, or the certificate authorities trusted by the server.",
                dam=self.name,
                detail=detail,
            ),
            "rate_limited": lambda: self.env._(
                "%(dam)s kept answering 'too many requests'. The next synchronisation resumes "
                "where this one stopped.",
                dam=self.name,
            ),
            "not_found": lambda: self.env._(
                "%(dam)s does not know this file (%(detail)s).", dam=self.name, detail=detail
            ),
            "too_big": lambda: self.env._(
                "The file is larger than %(max_mb)s MB: it is not imported.",
                max_mb=const.DOWNLOAD_MAX_BYTES // 1048576,
            ),
        }
        message = messages.get(error.code)
        if message:
            return message()
        return self.env._(
            "%(dam)s answered with an error (%(detail)s). It will be tried again at the next "
            "synchronisation.",
            dam=self.name,
            detail=detail or error.code,
        )

    # === BUSINESS METHODS: synchronisation === #

    def _gelato_dam_last_log(self):
        self.ensure_one()
        return self.env["gelato.dam.sync.log"].search(
            [("dam_id", "=", self.id)], order="id desc", limit=1
        )

    def _gelato_dam_reconcile_due(self):
        self.ensure_one()
        if not self.last_reconcile:
            return True
        age = fields.Datetime.now() - self.last_reconcile
        return age.total_seconds() >= const.RECONCILE_INTERVAL_HOURS * 3600

    def _gelato_dam_sync(self, full=False, commit=None, time_budget=None):
        """One synchronisation run: import what changed, archive what left, log it.

        Incremental: the files modified since the high-water mark (minus an overlap window)
        are listed; only new, re-tagged or replaced files are downloaded. A full listing (the
        button, and once a day) also archives the files that lost the tag or were deleted.
        Files are handled in batches, committed one by one (outside tests); the high-water mark
        moves with them, so a run that fails resumes after its last batch.

        :param bool full: list every tagged file.
        :param bool commit: commit after each batch (default: outside tests).
        :param float time_budget: stop after the batch that exceeds it (seconds); the log says
            how many files are left.
        :return: the ``gelato.dam.sync.log`` of the run.
        """
        self.ensure_one()
        if commit is None:
            commit = not getattr(threading.current_thread(), "testing", False)
        started = time.monotonic()
        log = self.env["gelato.dam.sync.log"].create(
            {"dam_id": self.id, "full": full or self._gelato_dam_reconcile_due()}
        )
        stats = {
            "imported": 0,
            "updated": 0,
            "unchanged": 0,
            "archived": 0,
            "failed": 0,
            "remaining": 0,
        }
        details = []
        client = None
        try:
            client = self._gelato_dam_client()
            run_started = fields.Datetime.now()
            items, to_download = self._gelato_dam_sync_plan(client, log, stats)
            self._gelato_dam_checkpoint(log, stats, details, commit)
            deadline = started + time_budget if time_budget else None
            self._gelato_dam_sync_files(client, log, to_download, stats, details, commit, deadline)
            if not stats["remaining"]:
                newest = max((item["modified"] for item in items), default=None)
                if newest and (not self.sync_cursor or newest > self.sync_cursor):
                    self.sync_cursor = newest
                if log.full:
                    self.last_reconcile = run_started
            self._gelato_dam_write_backlinks(client, details)
        except DamError as error:
            message = self._gelato_dam_error_message(error)
            _logger.warning("DAM sync of %s (id %s) failed: %s", self.name, self.id, error.code)
            self._gelato_dam_fail(log, stats, details, message)
        else:
            self.write(
                {"last_sync": fields.Datetime.now(), "sync_state": "ok", "last_error": False}
            )
            log.write(log._gelato_values(stats, details, state="done"))
        finally:
            if client is not None:
                log.api_calls = client.calls
                self._gelato_dam_save_token(client)
        if commit:
            # Per batch, as Odoo's own long crons do (mail queue): a run that stops keeps
            # what it did.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return log

    def _gelato_dam_sync_plan(self, client, log, stats):
        """List the DAM, archive what left, rename what only changed its metadata.

        :return: ``(items listed, items to download)``, oldest change first.
        """
        Asset = self.env["gelato.dam.asset"]
        tag = self.tag.strip()
        since = None if log.full else sync.listing_since(self.sync_cursor)
        items = list(client.list_tagged(tag, since))
        known = Asset._gelato_dam_known(self, [item["id"] for item in items])
        gone = Asset
        if log.full:
            gone = Asset.search(
                [
                    ("dam_id", "=", self.id),
                    ("state", "!=", "archived"),
                    ("external_id", "not in", [item["id"] for item in items]),
                ]
            )
        to_download, to_rename, _unchanged = sync.plan(items, known)
        if to_download:
            # Webdam's search may match names too: its keywords are read for these only.
            tagged = client.filter_tagged(to_download, tag)
            kept = {item["id"] for item in tagged}
            untagged = [item["id"] for item in to_download if item["id"] not in kept]
            if untagged:
                gone |= Asset.search(
                    [
                        ("dam_id", "=", self.id),
                        ("external_id", "in", untagged),
                        ("state", "!=", "archived"),
                    ]
                )
            to_download = tagged
        gone._gelato_dam_archive()
        stats["archived"] += len(gone)
        if to_rename:
            stats["updated"] += Asset._gelato_dam_rename(self, to_rename)
        stats["remaining"] = len(to_download)
        return items, to_download

    def _gelato_dam_sync_files(self, client, log, to_download, stats, details, commit, deadline):
        """Download, check and store the files in batches, committing and moving the
        high-water mark after each (a failed run resumes after its last batch)."""
        Asset = self.env["gelato.dam.asset"]
        done = 0
        for batch in sync.batches(to_download, const.SYNC_BATCH_SIZE):
            for item in batch:
                outcome, message = Asset._gelato_dam_import(self, client, item)
                stats[outcome] += 1
                if message:
                    details.append("%s: %s" % (item["file_name"], message))
            done += len(batch)
            stats["remaining"] = len(to_download) - done
            # Every file up to this one (oldest change first) is imported.
            newest = batch[-1]["modified"]
            self.sync_cursor = max(self.sync_cursor or newest, newest)
            self._gelato_dam_save_token(client)
            self._gelato_dam_checkpoint(log, stats, details, commit)
            self.env["ir.cron"]._notify_progress(done=done, remaining=stats["remaining"])
            if deadline and stats["remaining"] and time.monotonic() > deadline:
                return

    def _gelato_dam_checkpoint(self, log, stats, details, commit):
        log.write(log._gelato_values(stats, details))
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _gelato_dam_fail(self, log, stats, details, message):
        """Record a failed run: on the log, on the source (chatter) and as an activity of the
        responsible person (one open activity at a time)."""
        log.write(log._gelato_values(stats, [*details, message], state="failed"))
        self.write(
            {"sync_state": "failed", "last_error": message, "last_sync": fields.Datetime.now()}
        )
        self.message_post(
            body=self.env._("Synchronisation failed: %(message)s", message=message),
            subtype_xmlid="mail.mt_note",
        )
        activity_type = self.env.ref("mail.mail_activity_data_warning", raise_if_not_found=False)
        if (
            activity_type
            and self.user_id
            and not self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        ):
            self.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("DAM synchronisation failed"),
                note=message,
                user_id=self.user_id.id,
            )

    def _gelato_dam_write_backlinks(self, client, details):
        """Write the checkout link of configured files whose DAM field does not have it yet."""
        if not self.backlink_enabled or not (self.backlink_field or "").strip():
            return
        pending = self.env["gelato.dam.asset"].search(
            [
                ("dam_id", "=", self.id),
                ("backlink_pending", "=", True),
                ("state", "=", "ready"),
            ]
        )
        for asset in pending:
            try:
                client.write_backlink(
                    asset.external_id, self.backlink_field.strip(), asset.checkout_url
                )
            except DamError as error:
                if error.retryable:
                    raise
                details.append(
                    self.env._(
                        "%(file)s: the checkout link could not be written (%(reason)s).",
                        file=asset.name,
                        reason=self._gelato_dam_error_message(error),
                    )
                )
                continue
            asset.write({"backlink_written_url": asset.checkout_url, "backlink_pending": False})

    # === CRON === #

    @api.model
    def _cron_gelato_dam_sync(self):
        """Synchronise every source that is due (its interval passed, or its last run failed
        or did not finish), one after the other, each committed per batch."""
        now = fields.Datetime.now()
        due = self.search([("active", "=", True)]).filtered(
            lambda d: not d.last_sync
            or d.sync_state == "failed"
            or d._gelato_dam_last_log().remaining
            or (now - d.last_sync).total_seconds() >= d.sync_interval * 3600 - 60
        )
        started = time.monotonic()
        remaining = 0
        for index, dam in enumerate(due):
            budget = max(CRON_TIME_BUDGET - (time.monotonic() - started), 1)
            log = dam._gelato_dam_sync(time_budget=budget)
            remaining += log.remaining
            if time.monotonic() - started > CRON_TIME_BUDGET:
                remaining += len(due) - index - 1
                break
        # Files left (a long first import): the cron is called again right away.
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=remaining)
