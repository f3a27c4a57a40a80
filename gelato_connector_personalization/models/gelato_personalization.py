import base64
import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, consteq

from odoo.addons.gelato_connector.lib import print_file_check, print_files

from ..lib import const, layout
from ..lib.renderer import RenderError, run_render

_logger = logging.getLogger(__name__)

PERSONALIZATION_STATES = [
    ("pending", "Waiting for the customer"),
    ("done", "Personalised"),
    ("cancelled", "Cancelled"),
]


def hash_token(token):
    """What is stored of a link's token: its SHA-256 (tokens are looked up by it)."""
    return hashlib.sha256(token.encode()).hexdigest()


class GelatoPersonalization(models.Model):
    """A customer's personalisation of one order line: the link they receive, what they typed
    and uploaded, and its state.

    Field names are a contract (other tooling reads them over JSON-RPC): ``sale_line_id``,
    ``state`` (pending, done, cancelled), ``access_url``, ``expiry_date``, ``link_count``,
    ``completed_date``.

    The link carries a random token (256 bits), checked in constant time; it expires after the
    company's validity (7 days by default, Gelato's), when a new one is issued and mailed. Old
    tokens are kept only as hashes (``gelato.personalization.link``) to tell the customer their
    link expired.
    """

    _name = "gelato.personalization"
    _description = "Gelato Personalisation"
    _order = "id desc"

    sale_line_id = fields.Many2one(
        string="Order Line",
        comodel_name="sale.order.line",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    order_id = fields.Many2one(
        related="sale_line_id.order_id", store=True, index=True, string="Order"
    )
    company_id = fields.Many2one(related="sale_line_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    user_id = fields.Many2one(related="order_id.user_id", string="Salesperson")
    product_id = fields.Many2one(related="sale_line_id.product_id")
    product_tmpl_id = fields.Many2one(related="sale_line_id.product_id.product_tmpl_id")
    state = fields.Selection(
        selection=PERSONALIZATION_STATES, default="pending", required=True, readonly=True
    )
    access_token = fields.Char(
        string="Token",
        copy=False,
        readonly=True,
        groups="sales_team.group_sale_salesman",
    )
    access_url = fields.Char(
        string="Link",
        compute="_compute_access_url",
        help="The customer's personalisation page (no login needed); it expires.",
    )
    expiry_date = fields.Datetime(string="Link Expires", readonly=True, copy=False)
    link_count = fields.Integer(
        string="Links Issued", readonly=True, default=0, help="A new link replaces the last."
    )
    completed_date = fields.Datetime(string="Completed", readonly=True, copy=False)
    mail_due_date = fields.Datetime(
        string="Link Mail Due",
        readonly=True,
        help="When the link is mailed (the company's delay after the order).",
    )
    mail_sent_date = fields.Datetime(string="Link Mailed", readonly=True)
    texts = fields.Json(readonly=True, copy=False)
    uploads = fields.Json(readonly=True, copy=False, help="{box id: attachment id}")
    text_summary = fields.Text(string="Customer Texts", compute="_compute_text_summary")
    upload_ids = fields.Many2many(
        string="Customer Images", comodel_name="ir.attachment", compute="_compute_upload_ids"
    )
    print_file_ids = fields.One2many(
        string="Print Files",
        related="sale_line_id.gelato_line_file_ids",
        help="The files rendered from the personalisation (or the default design), as Gelato "
        "receives them.",
    )
    link_ids = fields.One2many(
        string="Links",
        comodel_name="gelato.personalization.link",
        inverse_name="personalization_id",
    )

    _sql_constraints = [
        ("sale_line_unique", "UNIQUE(sale_line_id)", "An order line has one personalisation."),
    ]

    # === COMPUTE METHODS === #

    @api.depends("access_token", "state")
    def _compute_access_url(self):
        for personalization in self:
            token = personalization.sudo().access_token
            personalization.access_url = (
                "%s/gelato/personalize/%s" % (personalization.get_base_url(), token)
                if token and personalization.state == "pending"
                else False
            )

    @api.depends("texts")
    def _compute_text_summary(self):
        for personalization in self:
            boxes = personalization._gelato_boxes().filtered(lambda b: b.kind == "text")
            values = personalization._gelato_merged_texts()
            personalization.text_summary = "\n".join(
                "%s: %s" % (box._gelato_label(), values.get(str(box.id), "")) for box in boxes
            )

    @api.depends("uploads")
    def _compute_upload_ids(self):
        for personalization in self:
            ids = [int(i) for i in (personalization.uploads or {}).values()]
            personalization.upload_ids = self.env["ir.attachment"].sudo().browse(ids).exists()

    @api.depends("sale_line_id")
    def _compute_display_name(self):
        for personalization in self:
            line = personalization.sale_line_id
            personalization.display_name = "%s - %s" % (
                line.order_id.name,
                line.product_id.display_name,
            )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        personalizations = super().create(vals_list)
        personalizations._gelato_issue_link()
        return personalizations

    # === ACTION METHODS === #

    def action_gelato_resend_link(self):
        """Mail the current link again (to the customer or the salesperson, per the settings)."""
        pending = self.filtered(lambda p: p.state == "pending")
        if not pending:
            raise UserError(
                self.env._("Only personalisations waiting for the customer have a link.")
            )
        pending.check_access("write")
        pending.sudo()._gelato_send_link_mail()
        return True

    def action_gelato_reissue_link(self):
        """A new link (the old one then says it expired), mailed right away."""
        pending = self.filtered(lambda p: p.state == "pending")
        if not pending:
            raise UserError(
                self.env._("Only personalisations waiting for the customer have a link.")
            )
        pending.check_access("write")
        pending.sudo()._gelato_issue_link()
        pending.sudo()._gelato_send_link_mail(new_link=True)
        return True

    def action_gelato_open_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.order_id.id,
            "view_mode": "form",
        }

    # === BUSINESS METHODS: links === #

    def _gelato_issue_link(self):
        """A new token for each personalisation, valid for the company's validity period."""
        now = fields.Datetime.now()
        Link = self.env["gelato.personalization.link"].sudo()
        for personalization in self:
            company = personalization.company_id
            token = secrets.token_urlsafe(32)  # 256 bits
            start = max(now, personalization.mail_due_date or now)
            expiry = start + timedelta(days=company._gelato_personalization_validity_days())
            Link.create(
                {
                    "personalization_id": personalization.id,
                    "token_hash": hash_token(token),
                    "expiry_date": expiry,
                }
            )
            personalization.sudo().write(
                {
                    "access_token": token,
                    "expiry_date": expiry,
                    "link_count": personalization.link_count + 1,
                }
            )
        if self:
            self._gelato_trigger_cron(min(self.mapped("expiry_date")))

    @api.model
    def _gelato_find_by_token(self, token):
        """The personalisation a link's token opens, and what the page shows.

        :return: ``(personalization sudo, status)`` with status ``open``, ``expired``, ``done``
            or ``cancelled``; ``(empty, None)`` for a token never issued.
        """
        empty = self.sudo().browse()
        if not token or len(token) > 100:
            return empty, None
        link = (
            self.env["gelato.personalization.link"]
            .sudo()
            .search([("token_hash", "=", hash_token(token))], limit=1)
        )
        # sudo: the customer has no user; the token is their only right, to this one line.
        personalization = link.personalization_id.sudo()
        if not link or not personalization:
            return empty, None
        if personalization.state == "done":
            return personalization, "done"
        if personalization.state == "cancelled":
            return personalization, "cancelled"
        current = personalization.access_token and consteq(personalization.access_token, token)
        if not current or personalization.expiry_date <= fields.Datetime.now():
            return personalization, "expired"
        return personalization, "open"

    def _gelato_trigger_cron(self, at):
        # sudo: the customer and salespeople do not read crons; they only ask it to run.
        cron = self.env.ref("gelato_connector_personalization.ir_cron_gelato_personalization")
        cron.sudo()._trigger(at=at)

    def _gelato_send_link_mail(self, new_link=False):
        """One mail per order with the links of its pending personalisations."""
        template_xmlid = (
            "gelato_connector_personalization.mail_template_gelato_personalization_new_link"
            if new_link
            else "gelato_connector_personalization.mail_template_gelato_personalization_link"
        )
        now = fields.Datetime.now()
        for order, personalizations in self.grouped("order_id").items():
            order._gelato_personalization_mail(template_xmlid)
            personalizations.write({"mail_sent_date": now})

    # === BUSINESS METHODS: the editor === #

    def _gelato_boxes(self):
        """The layout boxes of the product, in order (sudo: the customer reads them)."""
        self.ensure_one()
        return self.product_tmpl_id.sudo().gelato_personalization_box_ids

    def _gelato_placements(self):
        """The print areas the customer personalises (the boxes' areas, in order)."""
        self.ensure_one()
        return self.product_tmpl_id.sudo()._gelato_personalizable_placements()

    def _gelato_area_size(self, placement):
        """The line's variant's size of a print area, in mm."""
        own = (self.product_id.sudo().gelato_placements or {}).get(placement.print_area) or {}
        return own.get("width") or placement.width_mm, own.get("height") or placement.height_mm

    def _gelato_merged_texts(self, texts=None):
        """The text of each text box: the customer's, else the box's default text."""
        self.ensure_one()
        given = texts if texts is not None else (self.texts or {})
        result = {}
        for box in self._gelato_boxes().filtered(lambda b: b.kind == "text"):
            value = given.get(str(box.id))
            result[str(box.id)] = (
                value
                if isinstance(value, str)
                else box.with_context(lang=self.partner_id.lang).default_text or ""
            )
        return result

    def _gelato_check_texts(self, texts):
        """Length limits; the characters a font cannot draw are found by the render.

        :return: ``{box id: message}``.
        """
        errors = {}
        for box in self._gelato_boxes().filtered(lambda b: b.kind == "text"):
            value = texts.get(str(box.id)) or ""
            if len(value) > box.max_chars:
                errors[str(box.id)] = self.env._(
                    "%(label)s: at most %(max)s characters (%(count)s typed).",
                    label=box._gelato_label(),
                    max=box.max_chars,
                    count=len(value),
                )
        return errors

    def _gelato_render(self, texts, dpi, image_format="png"):
        """Render every personalised print area with these texts and the uploaded images.

        :return: ``[{"placement": gelato.placement, "image": bytes, "problems": {box id:
            message}}]``.
        :raise UserError: when an image cannot be read or the renderer fails.
        """
        self.ensure_one()
        texts = self._gelato_merged_texts(texts)
        uploads = self.uploads or {}
        attachments = self.env["ir.attachment"].sudo()
        boxes = self._gelato_boxes()
        results = []
        for placement in self._gelato_placements():
            width, height = self._gelato_area_size(placement)
            scale_x = width / placement.width_mm if placement.width_mm else 1.0
            scale_y = height / placement.height_mm if placement.height_mm else 1.0
            items = []
            for box in boxes.filtered(lambda b, p=placement: b.placement_id == p):
                item = {
                    "id": box.id,
                    "kind": box.kind,
                    "x_mm": box.x_mm * scale_x,
                    "y_mm": box.y_mm * scale_y,
                    "width_mm": box.width_mm * scale_x,
                    "height_mm": box.height_mm * scale_y,
                }
                if box.kind == "image":
                    attachment = attachments.browse(uploads.get(str(box.id)) or []).exists()
                    item.update(
                        fit=box.fit,
                        image=attachment.datas.decode() if attachment else None,
                    )
                else:
                    item.update(
                        text=texts.get(str(box.id), ""),
                        font=box._gelato_font_path(box.font),
                        font_size=box.font_size * min(scale_x, scale_y),
                        color=box.color,
                        align=box.align,
                    )
                items.append(item)
            spec = layout.render_spec(
                width,
                height,
                items,
                dpi,
                background=self._gelato_default_design(placement),
                image_format=image_format,
            )
            try:
                image, problems = run_render(spec)
            except RenderError as error:
                _logger.info("Personalisation %s not rendered: %s", self.id, error)
                raise UserError(self._gelato_render_error_message(error.code)) from error
            results.append(
                {
                    "placement": placement,
                    "image": image,
                    "problems": self._gelato_problem_messages(problems),
                }
            )
        return results

    def _gelato_default_design(self, placement):
        """The product's print file of an area (PNG/JPEG), drawn under the boxes, or None."""
        files = self.product_tmpl_id.sudo().gelato_print_file_ids.filtered(
            lambda f: f.placement_id == placement
            and f.product_id in (self.product_id, self.env["product.product"])
            and f.file_type in ("png", "jpeg")
            and f.check_state != "error"
        )
        file = files.sorted(lambda f: not f.product_id)[:1]  # the variant's own file wins
        return file.datas.decode() if file and file.datas else None

    def _gelato_problem_messages(self, problems):
        boxes = self._gelato_boxes()
        messages = {}
        for problem in problems:
            box = boxes.filtered(lambda b, p=problem: b.id == p.get("box"))
            label = box._gelato_label() if box else ""
            if problem["code"] == "missing_glyphs":
                message = self.env._(
                    "%(label)s: the font cannot print %(chars)s; use other characters.",
                    label=label,
                    chars=" ".join(problem.get("chars", "")),
                )
            else:
                message = self.env._(
                    "%(label)s: the text does not fit its space; make it shorter.", label=label
                )
            messages.setdefault(str(problem.get("box")), message)
        return messages

    def _gelato_render_error_message(self, code):
        if code == "too_many_pixels":
            return self.env._("Your image has too many pixels; upload a smaller one.")
        if code == "unreadable":
            return self.env._("Your image could not be read; upload it again as PNG or JPEG.")
        return self.env._("The preview could not be made right now. Please try again in a moment.")

    def _gelato_preview(self, texts):
        """The live preview: each area rendered by the print-file renderer at a low resolution.

        :return: ``{"areas": [{"name", "image": data URL}], "errors": {box id: message}}``.
        """
        self.ensure_one()
        texts = {str(k): v for k, v in (texts or {}).items() if isinstance(v, str)}
        errors = self._gelato_check_texts(texts)
        areas = []
        for result in self._gelato_render(texts, const.PREVIEW_DPI, image_format="jpeg"):
            areas.append(
                {
                    "name": result["placement"].name,
                    "image": "data:image/jpeg;base64,%s"
                    % base64.b64encode(result["image"]).decode(),
                }
            )
            for box_id, message in result["problems"].items():
                errors.setdefault(box_id, message)
        return {"areas": areas, "errors": errors}

    def _gelato_upload(self, box_id, raw, filename):
        """Store a customer image for an image box, after checking it in the isolated checker.

        :return: an error message, or None when stored (the previous image is replaced).
        """
        self.ensure_one()
        product = self.product_tmpl_id.sudo()
        box = self._gelato_boxes().filtered(lambda b: b.id == box_id and b.kind == "image")
        if not box or not product.gelato_personalization_upload:
            return self.env._("This product takes no image.")
        max_mb = product.gelato_personalization_max_upload_mb or const.DEFAULT_MAX_UPLOAD_MB
        if len(raw) > max_mb * 1024 * 1024:
            return self.env._(
                "Your image is %(size)s MB; the limit is %(max)s MB. Upload a smaller one.",
                size=round(len(raw) / 1048576, 1),
                max=max_mb,
            )
        file_type = print_file_check.detect_type(raw)
        if file_type not in const.UPLOAD_TYPES:
            return self.env._("Upload a PNG or JPEG image (this file is not one).")
        width, height = self._gelato_area_size(box.placement_id)
        scale = min(
            width / box.placement_id.width_mm if box.placement_id.width_mm else 1.0,
            height / box.placement_id.height_mm if box.placement_id.height_mm else 1.0,
        )
        # Checked under a name of its real type: a phone's file named .jpg holding a PNG is
        # still a good photo (the print file rendered from it is a PNG anyway).
        result = print_files.check_print_file(
            raw, "upload.%s" % file_type, box.width_mm * scale, box.height_mm * scale
        )
        if result["width_px"] * result["height_px"] > const.MAX_UPLOAD_PIXELS:
            return self.env._(
                "Your image has %(mpx)s megapixels; the limit is %(max)s. Upload a smaller one.",
                mpx=round(result["width_px"] * result["height_px"] / 1e6),
                max=round(const.MAX_UPLOAD_PIXELS / 1e6),
            )
        if result["status"] == "error":
            messages = self.env["gelato.print.file"]._gelato_check_messages(
                result, levels=("error",)
            )
            return self.env._(
                "This image cannot be printed: %(reasons)s", reasons=" ".join(messages)
            )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename or "image.%s" % result["file_type"],
                    "raw": raw,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        uploads = dict(self.uploads or {})
        previous = self.env["ir.attachment"].sudo().browse(uploads.get(str(box.id)) or []).exists()
        uploads[str(box.id)] = attachment.id
        self.uploads = uploads
        previous.unlink()
        return None

    def _gelato_lock(self):
        """Lock the personalisation row until the transaction ends (two completions at once:
        the second waits, then sees the first's result)."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            SQL("SELECT id FROM gelato_personalization WHERE id = %s FOR UPDATE", self.id)
        )
        self.invalidate_recordset()

    def _gelato_complete(self, texts):
        """The customer finished: render each area at 300 dpi, attach the files to the line,
        and let the order go on once all its lines are personalised.

        :return: ``{"done": True}`` or ``{"errors": {box id: message}}``.
        """
        self.ensure_one()
        self._gelato_lock()
        if self.state != "pending":
            return {"done": self.state == "done", "already": True}
        texts = {str(k): v for k, v in (texts or {}).items() if isinstance(v, str)}
        errors = self._gelato_check_texts(texts)
        if errors:
            return {"errors": errors}
        rendered = self._gelato_render(texts, const.PRINT_DPI)
        for result in rendered:
            errors.update(result["problems"])
        if errors:
            return {"errors": errors}
        line = self.sale_line_id.sudo()
        try:
            for result in rendered:
                line._gelato_attach_print_file(
                    result["placement"].print_area,
                    result["image"],
                    "%s-%s.png" % (line.order_id.name, result["placement"].print_area),
                    "personalization",
                    source_ref=str(self.id),
                )
        except ValidationError as error:
            _logger.warning("Personalisation %s rendered an unusable file: %s", self.id, error)
            self.order_id.sudo()._gelato_schedule_activity(
                self.env._("Gelato: personalisation not printable"),
                self.env._(
                    "The file rendered for %(line)s could not be used: %(reason)s",
                    line=line.display_name,
                    reason=error.args[0],
                ),
            )
            raise UserError(
                self.env._(
                    "Your personalisation could not be saved. We have been told and will contact you."
                )
            ) from error
        self.write(
            {
                "state": "done",
                "texts": texts,
                "completed_date": fields.Datetime.now(),
            }
        )
        self.sudo().write({"access_token": False})
        order = self.order_id.sudo()
        order._gelato_post_note(
            self.env._(
                "%(product)s was personalised by the customer.",
                product=line.product_id.display_name,
            )
        )
        order._gelato_personalization_done()
        return {"done": True}

    # === BUSINESS METHODS: cancelling === #

    def _gelato_cancel(self):
        """Kill the links: the pages then say the link is no longer valid."""
        pending = self.filtered(lambda p: p.state == "pending")
        pending.sudo().write({"state": "cancelled", "access_token": False})

    # === CRON === #

    @api.model
    def _cron_gelato_personalization(self):
        """Mail the links that are due, and issue (and mail) new links for expired ones."""
        now = fields.Datetime.now()
        due = self.search(
            [
                ("state", "=", "pending"),
                ("mail_sent_date", "=", False),
                ("mail_due_date", "<=", now),
            ]
        )
        due._gelato_send_link_mail()
        expired = self.search([("state", "=", "pending"), ("expiry_date", "<=", now)])
        if expired:
            # The seed: "After expiry, a new link is sent automatically".
            expired._gelato_issue_link()
            expired._gelato_send_link_mail(new_link=True)
        upcoming = self.search(
            [("state", "=", "pending"), ("mail_sent_date", "=", False)],
            order="mail_due_date",
            limit=1,
        )
        if upcoming.mail_due_date:
            self._gelato_trigger_cron(upcoming.mail_due_date)
        return due | expired
