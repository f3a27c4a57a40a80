import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..lib import const
from ..lib.log_throttle import LogThrottle

_logger = logging.getLogger(__name__)
_REFUSED_WEBHOOK_LOG = LogThrottle(interval=60.0)


class GelatoController(http.Controller):
    """Public endpoints Gelato calls: the webhook and the signed print-file URLs."""

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
        Then the event is recorded once (by its id, one ``INSERT … ON CONFLICT DO NOTHING``)
        and the inbox job is woken up: it applies the event later, from what Gelato's API says
        about the order. No record is read or written here, so Gelato's deliveries (and its
        retries) never wait behind the processing of an order.

        :return: 200 once the event is recorded (or is a duplicate, or ignored), 403 when the
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
            log_it, suppressed = _REFUSED_WEBHOOK_LOG.allow()
            if log_it:
                # Anyone can post here: one line a minute, not one per request.
                _logger.warning(
                    "Gelato webhook refused: missing or wrong authorization header "
                    "(%s more refused since the last such line)",
                    suppressed,
                )
            return self._gelato_answer(403, "forbidden")

        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            _logger.info("Gelato webhook: the body is not JSON; ignored")
            return self._gelato_answer(400, "body is not JSON")
        except RecursionError:
            _logger.info("Gelato webhook: the body is nested too deeply to read; ignored")
            return self._gelato_answer(400, "body is nested too deeply")

        event_model_sudo._gelato_receive(company_id, payload, own_transaction=True)
        return self._gelato_answer(200, "ok")

    @staticmethod
    def _gelato_answer(status, message):
        return request.make_json_response({"message": message}, status=status)

    @http.route(
        [
            "%s/<int:attachment_id>/<int:line_id>/<int:expires>/<string:signature>/<string:filename>"
            % const.PRINT_FILE_ROUTE,
            # Links made before links carried their order line.
            "%s/<int:attachment_id>/<int:expires>/<string:signature>/<string:filename>"
            % const.PRINT_FILE_ROUTE,
        ],
        type="http",
        auth="public",
        methods=["GET", "HEAD"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def gelato_print_file(
        self, attachment_id, expires, signature, filename=None, line_id=None, **kwargs
    ):
        """Serve a print file to Gelato when the link's signature is valid and not expired.

        The signature (``signing.sign_print_file``) covers the attachment id, the order line
        and the expiry, so none can be changed; the filename is cosmetic. Only print files (the
        products' and the order lines') are ever served, and a line's no longer once Gelato
        printed it (plus a grace period).
        """
        PrintFile = request.env["gelato.print.file"].sudo()  # sudo: Gelato is not a user
        verdict = PrintFile._gelato_check_link(attachment_id, expires, signature, line_id=line_id)
        if verdict != "ok":
            _logger.info(
                "Refused a print file request for attachment %s (%s)", attachment_id, verdict
            )
            return request.make_response(
                "This print file link is invalid or has expired."
                if verdict == "invalid"
                else "This order line was printed: its print files are no longer served.",
                headers=[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Cache-Control", "no-store"),
                ],
                status=403 if verdict == "invalid" else 410,
            )
        # sudo: the signature is the authorisation.
        attachment = request.env["ir.attachment"].sudo().browse(attachment_id).exists()
        if (
            not attachment
            or attachment.res_model not in (PrintFile._name, "gelato.line.print.file")
            or attachment.res_field != "datas"
            or not request.env[attachment.res_model].sudo().browse(attachment.res_id).exists()
        ):
            return request.make_response(
                "This print file no longer exists.",
                headers=[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Cache-Control", "no-store"),
                ],
                status=404,
            )
        stream = request.env["ir.binary"]._get_stream_from(attachment, "raw")
        stream.download_name = filename or stream.download_name
        return stream.get_response(as_attachment=False, immutable=False)
