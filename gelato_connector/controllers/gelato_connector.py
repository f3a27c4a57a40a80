import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from odoo.addons.gelato_connector import const

_logger = logging.getLogger(__name__)


class GelatoController(http.Controller):
    @http.route(
        const.WEBHOOK_ROUTE,
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        max_content_length=const.WEBHOOK_MAX_BODY_BYTES,
    )
    def gelato_webhook(self):
        """Receive an event from Gelato.

        The caller is authenticated first (the configured header compared in constant time with
        each company's secret); nothing about the payload is read from the database before.
        Then the event is recorded once (by its id) and applied.

        :return: 200 once the event is accepted (applied, duplicate, or ignored), 403 when the
            caller is not authenticated, 413 for an oversized body, 400 for a body that is not
            JSON. Gelato retries on anything but 2xx.
        """
        httprequest = request.httprequest
        try:
            body = httprequest.get_data()
        except RequestEntityTooLarge:
            return self._gelato_answer(413, "body too large")

        event_model_sudo = request.env["gelato.webhook.event"].sudo()  # sudo: auth="none" route
        company_id = event_model_sudo._gelato_authenticate(httprequest.headers)
        if not company_id:
            _logger.warning("Gelato webhook refused: missing or wrong authorization header")
            return self._gelato_answer(403, "forbidden")

        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            _logger.info("Gelato webhook: the body is not JSON; ignored")
            return self._gelato_answer(400, "body is not JSON")

        event_model_sudo._gelato_receive(company_id, payload)
        return self._gelato_answer(200, "ok")

    @staticmethod
    def _gelato_answer(status, message):
        return request.make_json_response({"message": message}, status=status)
