"""The customer's personalisation page, reached by the link of the mail (no login).

The token in the URL is the customer's only right: it opens one personalisation (one order
line) while it is current and not expired. Nothing else of the order is shown. The routes take
no cookie-based authority, so they need no CSRF token: whoever can post to them already holds
the link.
"""

import collections
import logging
import threading
import time

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from ..lib import const

_logger = logging.getLogger(__name__)

# The largest request an upload may be (the product's own limit is checked after).
MAX_UPLOAD_REQUEST = 64 * 1024 * 1024

# Recent preview times per personalisation, in this worker process (see _gelato_may_preview).
_PREVIEWS = collections.defaultdict(collections.deque)
_PREVIEWS_LOCK = threading.Lock()


def _gelato_may_preview(personalization_id, now=None):
    """Whether this personalisation may have one more preview now: at most
    ``const.PREVIEW_MAX_PER_MINUTE`` a minute, counted per worker process (a bound on what
    one link can make the server render, not an exact quota)."""
    now = time.monotonic() if now is None else now
    with _PREVIEWS_LOCK:
        calls = _PREVIEWS[personalization_id]
        while calls and now - calls[0] > 60:
            calls.popleft()
        if len(calls) >= const.PREVIEW_MAX_PER_MINUTE:
            return False
        calls.append(now)
        if len(_PREVIEWS) > 10000:  # forget the links nobody previews any more
            for key in [k for k, v in _PREVIEWS.items() if not v or now - v[-1] > 60]:
                del _PREVIEWS[key]
        return True


class GelatoPersonalizationPortal(http.Controller):
    def _gelato_open(self, token, statuses=("open",)):
        personalization, status = request.env["gelato.personalization"]._gelato_find_by_token(token)
        if status is None:
            raise NotFound()
        if status not in statuses:
            return personalization, status
        return personalization.with_context(lang=personalization.partner_id.lang or None), status

    def _gelato_closed_answer(self, status):
        messages = {
            "expired": request.env._("This link has expired. A new link was sent to you by email."),
            "done": request.env._("This product is already personalised. Thank you!"),
            "cancelled": request.env._("This link is no longer valid."),
        }
        return {"closed": status, "error": messages[status]}

    @http.route(
        "/gelato/personalize/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        # As Odoo's own portal pages: with the Website app installed, its layout needs the
        # website of the request (without it, the flag does nothing).
        website=True,
        sitemap=False,
    )
    def gelato_personalize(self, token, **_kwargs):
        personalization, status = self._gelato_open(token)
        if status == "expired" and personalization.expiry_date <= fields.Datetime.now():
            # The current link expired and the cron has not issued the next one yet: now.
            personalization._gelato_trigger_cron(fields.Datetime.now())
        if status != "open":
            # No data of the order on these pages: only what the link's holder must know.
            return request.render(
                "gelato_connector_personalization.personalization_closed_page",
                {"status": status},
                headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
            )
        boxes = personalization._gelato_boxes()
        product = personalization.product_tmpl_id.sudo()
        values = {
            "personalization": personalization,
            "token": token,
            "product": product,
            "placements": personalization._gelato_placements(),
            "text_boxes": boxes.filtered(lambda b: b.kind == "text"),
            "image_boxes": boxes.filtered(lambda b: b.kind == "image")
            if product.gelato_personalization_upload
            else boxes.browse(),
            "texts": personalization._gelato_merged_texts(),
            "max_upload_mb": product.gelato_personalization_max_upload_mb
            or const.DEFAULT_MAX_UPLOAD_MB,
        }
        return request.render(
            "gelato_connector_personalization.personalization_page",
            values,
            headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
        )

    @http.route(
        "/gelato/personalize/<string:token>/upload",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        max_content_length=MAX_UPLOAD_REQUEST,
        sitemap=False,
    )
    def gelato_personalize_upload(self, token, box_id=None, image=None, **_kwargs):
        personalization, status = self._gelato_open(token)
        if status != "open":
            return request.make_json_response(self._gelato_closed_answer(status))
        if not image or not hasattr(image, "read") or not (box_id or "").isdigit():
            return request.make_json_response(
                {"error": request.env._("Choose an image to upload.")}
            )
        raw = image.read(MAX_UPLOAD_REQUEST + 1)
        error = personalization._gelato_upload(int(box_id), raw, image.filename)
        if error:
            return request.make_json_response({"error": error})
        return request.make_json_response({"ok": True})

    @http.route(
        "/gelato/personalize/<string:token>/preview",
        type="json",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def gelato_personalize_preview(self, token, texts=None, **_kwargs):
        personalization, status = self._gelato_open(token)
        if status != "open":
            return self._gelato_closed_answer(status)
        if not _gelato_may_preview(personalization.id):
            return {
                "error": request.env._(
                    "Too many previews in a short time: wait a moment, then try again."
                )
            }
        try:
            return personalization._gelato_preview(texts if isinstance(texts, dict) else {})
        except UserError as error:
            return {"error": error.args[0]}

    @http.route(
        "/gelato/personalize/<string:token>/complete",
        type="json",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def gelato_personalize_complete(self, token, texts=None, **_kwargs):
        personalization, status = self._gelato_open(token, statuses=("open", "done"))
        if status == "done":
            # A second click, or a second tab: the first completion stands.
            return {"done": True, "already": True}
        if status != "open":
            return self._gelato_closed_answer(status)
        try:
            return personalization._gelato_complete(texts if isinstance(texts, dict) else {})
        except UserError as error:
            return {"error": error.args[0]}
