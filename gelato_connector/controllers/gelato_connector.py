import logging

from odoo import http
from odoo.http import request

from .. import const, utils

_logger = logging.getLogger(__name__)


class GelatoController(http.Controller):
    """Public endpoints Gelato calls."""

    @http.route(
        "%s/<int:attachment_id>/<int:expires>/<string:signature>/<string:filename>"
        % const.PRINT_FILE_ROUTE,
        type="http",
        auth="public",
        methods=["GET", "HEAD"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def gelato_print_file(self, attachment_id, expires, signature, filename=None, **kwargs):
        """Serve a print file to Gelato when the link's signature is valid and not expired.

        The signature (``utils.sign_print_file``) covers the attachment id and the expiry, so
        neither can be changed; the filename is cosmetic. Only print files are ever served.
        """
        PrintFile = request.env["gelato.print.file"].sudo()  # sudo: Gelato is not a user
        if not utils.verify_print_file_signature(
            PrintFile._gelato_get_url_secret(), attachment_id, expires, signature
        ):
            _logger.info("Refused a print file request for attachment %s", attachment_id)
            return request.make_response(
                "This print file link is invalid or has expired.",
                headers=[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Cache-Control", "no-store"),
                ],
                status=403,
            )
        # sudo: the signature is the authorisation.
        attachment = request.env["ir.attachment"].sudo().browse(attachment_id).exists()
        if (
            not attachment
            or attachment.res_model != PrintFile._name
            or attachment.res_field != "datas"
            or not PrintFile.browse(attachment.res_id).exists()
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
