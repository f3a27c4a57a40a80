import json
import logging
import secrets
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..exceptions import GelatoApiError
from ..lib import const, responses

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    gelato_api_key = fields.Char(
        string="Gelato API Key",
        groups="base.group_system",
        copy=False,
        help="Created in Gelato's dashboard under Developer > API keys.",
    )
    gelato_webhook_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="The header value Gelato sends with every webhook call (Developer > Webhooks > "
        "Authorization).",
    )
    gelato_webhook_header = fields.Char(
        string="Gelato Webhook Header Name",
        default=const.WEBHOOK_DEFAULT_HEADER,
        groups="base.group_system",
        help="The header name entered in Gelato's webhook form ('signature' by default).",
    )
    gelato_api_url = fields.Char(
        string="Gelato API Base URL",
        groups="base.group_system",
        help="Technical: send every Gelato call to this base URL instead of Gelato's "
        "*.gelatoapis.com hosts (e.g. the local Gelato sandbox). Leave empty in production.",
    )

    gelato_public_base_url = fields.Char(
        string="Gelato Public Base URL",
        help="The address at which Gelato downloads print files from this Odoo, e.g. "
        "https://shop.example.com. Leave empty to use the web.base.url system parameter. "
        "It must be reachable from the internet.",
    )
    gelato_file_url_validity_days = fields.Integer(
        string="Print File Link Validity (days)",
        default=const.PRINT_FILE_URL_VALIDITY_DAYS,
        help="How long the signed links sent to Gelato for downloading print files work "
        "(1 to 30 days; a line's links also stop a week after Gelato printed it).",
    )

    gelato_approval_mode = fields.Selection(
        string="Gelato Order Approval",
        selection=[("automatic", "Automatic"), ("manual", "Manual")],
        default="automatic",
        required=True,
        help="Automatic: confirmed orders are sent to Gelato right away. Manual: confirmed "
        "orders wait for someone to click Approve on the order.",
    )
    gelato_shipping_policy = fields.Selection(
        string="Gelato Orders Without Shipping",
        selection=[
            ("require", "Refuse to confirm them"),
            ("warn", "Confirm them and warn the salesperson"),
        ],
        default="require",
        required=True,
        help="A Gelato order confirmed without a Gelato shipping method is still shipped: "
        "Gelato picks the method and charges you for it, while the customer paid no shipping. "
        "Refuse: such an order cannot be confirmed until a Gelato shipping method is added. "
        "Warn: it is confirmed (e.g. orders from another channel that charges shipping its own "
        "way) and the salesperson gets an activity.",
    )
    gelato_approver_group_id = fields.Many2one(
        string="Gelato Approvers",
        comodel_name="res.groups",
        default=lambda self: self.env.ref("sales_team.group_sale_manager", False),
        help="With manual approval, who may approve orders for Gelato. Empty: any salesperson "
        "who may edit the order.",
    )
    gelato_company_info_issues = fields.Text(
        string="Gelato Company Information Issues",
        compute="_compute_gelato_company_info_issues",
        help="What is missing from the company name and billing address, which must match the "
        "Gelato account.",
    )

    _sql_constraints = [
        (
            "gelato_file_url_validity_days_positive",
            "CHECK(gelato_file_url_validity_days IS NULL OR gelato_file_url_validity_days > 0)",
            "The validity of print file links must be at least one day.",
        ),
    ]

    # === COMPUTE METHODS === #

    @api.depends("name", "street", "city", "zip", "country_id", "state_id")
    def _compute_gelato_company_info_issues(self):
        for company in self:
            company.gelato_company_info_issues = "\n".join(
                company._gelato_get_company_info_issues()
            )

    # === CONSTRAINT METHODS === #

    @api.constrains("gelato_file_url_validity_days")
    def _check_gelato_file_url_validity_days(self):
        """Print-file links are bearer links: their life is bounded."""
        for company in self:
            days = company.gelato_file_url_validity_days
            if not 1 <= days <= const.PRINT_FILE_URL_MAX_VALIDITY_DAYS:
                raise ValidationError(
                    self.env._(
                        "Print file links of %(company)s must work between 1 and %(max)s days "
                        "(Gelato downloads the files within hours of an order).",
                        company=company.name,
                        max=const.PRINT_FILE_URL_MAX_VALIDITY_DAYS,
                    )
                )

    @api.constrains("gelato_webhook_secret")
    def _check_gelato_webhook_secret(self):
        """A webhook secret is the only thing that authenticates Gelato: strong, and one
        company's own (events are routed to the company whose secret they carry)."""
        for company in self.sudo():  # sudo: the secret is readable by administrators only
            secret = company.gelato_webhook_secret
            if not secret:
                continue
            if (
                len(secret) < const.WEBHOOK_SECRET_MIN_LENGTH
                or len(set(secret)) < const.WEBHOOK_SECRET_MIN_DISTINCT
            ):
                raise ValidationError(
                    self.env._(
                        "The Gelato webhook secret of %(company)s is too weak: use at least "
                        "%(length)s characters, not a repeated pattern. Click Generate for a "
                        "strong one, then paste it into Gelato's webhook form.",
                        company=company.name,
                        length=const.WEBHOOK_SECRET_MIN_LENGTH,
                    )
                )
            if company.search_count(
                [("gelato_webhook_secret", "=", secret), ("id", "!=", company.id)], limit=1
            ):
                raise ValidationError(
                    self.env._(
                        "Another company already uses this Gelato webhook secret: each company "
                        "needs its own, or Gelato's events for %(company)s would reach the "
                        "other. Click Generate for a new one.",
                        company=company.name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        if any(vals.get("gelato_webhook_secret") for vals in vals_list):
            self.env.registry.clear_cache()  # see write()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if {"gelato_webhook_secret", "gelato_webhook_header"} & set(vals):
            # The webhook authenticates against a cached list of secrets.
            self.env.registry.clear_cache()
        return res

    # === BUSINESS METHODS === #

    def _gelato_get_public_base_url(self):
        """The base URL Gelato reaches this Odoo at (no trailing slash)."""
        self.ensure_one()
        base = (self.gelato_public_base_url or "").strip() or self.get_base_url() or ""
        return base.rstrip("/")

    def _gelato_get_company_info_issues(self):
        """What is missing from the company name and billing address.

        Gelato's connector documentation: the company name and billing address in the Gelato
        account must match the company's in Odoo for orders to be confirmed and sent.

        :return: a list of readable lines (empty when complete).
        """
        self.ensure_one()
        labels = self.fields_get(
            ["name", "street", "city", "zip", "country_id", "state_id"], ["string"]
        )
        missing = [
            labels[fname]["string"]
            for fname in ("name", "street", "city", "zip", "country_id")
            if not self[fname]
        ]
        if self.country_id.code in const.STATE_REQUIRED_COUNTRIES and not self.state_id:
            missing.append(labels["state_id"]["string"])
        return [self.env._("%(field)s is missing.", field=label) for label in missing]

    def _gelato_check_company_info(self):
        """Raise a UserError when the company name or billing address is incomplete."""
        for company in self:
            issues = company._gelato_get_company_info_issues()
            if issues:
                raise UserError(
                    self.env._(
                        "The company %(company)s cannot send orders to Gelato: its name and "
                        "billing address must be complete and match the Gelato account.\n"
                        "%(issues)s\nComplete them in Settings > Companies.",
                        company=company.name or "",
                        issues="\n".join("- %s" % issue for issue in issues),
                    )
                )

    def _gelato_generate_webhook_secret(self):
        """Set a new strong random webhook secret (to paste into Gelato's webhook form)."""
        self.ensure_one()
        self.sudo().gelato_webhook_secret = secrets.token_urlsafe(32)  # sudo: field is admin-only

    def _gelato_build_url(self, service, path):
        """Return the URL of ``path`` on one of Gelato's services (honouring the override)."""
        host, version = const.API_SERVICES[service]
        base = (self.sudo().gelato_api_url or "").strip().rstrip("/")  # sudo: admin-only field
        return "%s/%s/%s" % (base or host, version, path.lstrip("/"))

    def _gelato_make_request(
        self, service, path, payload=None, method="POST", params=None, timeout=None
    ):
        """The one seam through which the connector talks to Gelato.

        :param str service: ``order``, ``product``, ``shipment`` or ``ecommerce``.
        :param str path: the path after the version, e.g. ``orders`` or ``templates/<id>``.
        :param dict payload: JSON body (not sent with GET).
        :param str method: HTTP method.
        :param dict params: query-string parameters.
        :param timeout: seconds (or a ``(connect, read)`` pair); defaults to
            :data:`const.REQUEST_TIMEOUT`.
        :return: the decoded JSON answer (``{}`` for an empty 2xx answer).
        :raise GelatoApiError: on any failure; ``retryable`` tells whether to try again later.
        """
        self.ensure_one()
        url = self._gelato_build_url(service, path)
        if (urlsplit(url).hostname or "").endswith(".invalid"):
            # data/neutralize.sql: a copy of the database does not call Gelato.
            raise GelatoApiError(
                self.env._(
                    "This database is a neutralised copy: it does not call Gelato. To use it "
                    "with Gelato on purpose, an administrator sets the Gelato API base URL "
                    "(Settings > Sales > Gelato, in developer mode; empty means Gelato itself) and an "
                    "API key."
                )
            )
        api_key = self.sudo().gelato_api_key  # sudo: the key is readable by administrators only
        if not api_key:
            raise GelatoApiError(
                self.env._(
                    "No Gelato API key is set for %(company)s. Add it in Settings > Sales > Gelato.",
                    company=self.name,
                )
            )
        headers = {"X-API-KEY": api_key, "Accept": "application/json"}
        _logger.debug(
            "Gelato request %s %s params=%s payload=%s",
            method,
            responses.mask_signed_links(url),
            params,
            json.dumps(responses.mask_payload(payload)) if payload else None,
        )
        try:
            response = requests.request(
                method,
                url,
                json=payload if method != "GET" else None,
                params=params,
                headers=headers,
                timeout=timeout or const.REQUEST_TIMEOUT,
            )
        except requests.exceptions.Timeout as error:
            _logger.warning("Gelato did not answer %s %s in time", method, url)
            raise GelatoApiError(
                self.env._("Gelato did not answer in time. It will be tried again later."),
                retryable=True,
            ) from error
        except requests.exceptions.RequestException as error:
            _logger.warning(
                "Could not reach Gelato for %s %s: %s", method, url, type(error).__name__
            )
            raise GelatoApiError(
                self.env._(
                    "Could not reach Gelato (%(error)s). Check the server's internet access; "
                    "it will be tried again later.",
                    error=type(error).__name__,
                ),
                retryable=True,
            ) from error

        _logger.debug(
            "Gelato answered %s %s: %s %s",
            method,
            url,
            response.status_code,
            responses.mask_error_body(response.text) if response.status_code >= 400 else "",
        )
        if response.status_code >= 400:
            raise self._gelato_error_from_response(response)
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError as error:
            _logger.warning("Gelato answered %s %s with a body that is not JSON", method, url)
            raise GelatoApiError(
                self.env._(
                    "Gelato answered with something that is not JSON (HTTP %(status)s). "
                    "It will be tried again later.",
                    status=response.status_code,
                ),
                status_code=response.status_code,
                retryable=True,
            ) from error

    def _gelato_error_from_response(self, response):
        """Turn an HTTP error answer from Gelato into a :class:`GelatoApiError`."""
        status = response.status_code
        gelato_message = responses.extract_error_message(response.text)
        retryable = responses.is_retryable_status(status)
        retry_after = None
        if status == 429:
            try:
                retry_after = float(response.headers.get("Retry-After", ""))
            except ValueError:
                retry_after = None
        if status == 401:
            message = self.env._(
                "Gelato refused the API key (HTTP 401%(detail)s). Check the key in Settings > "
                "Sales > Gelato, or create a new one in Gelato's dashboard (Developer > API keys).",
                detail=": %s" % gelato_message.rstrip(".") if gelato_message else "",
            )
        elif retryable:
            message = self.env._(
                "Gelato is unavailable right now (HTTP %(status)s%(detail)s). "
                "It will be tried again later.",
                status=status,
                detail=": %s" % gelato_message.rstrip(".") if gelato_message else "",
            )
        else:
            message = self.env._(
                "Gelato refused the request (HTTP %(status)s): %(detail)s",
                status=status,
                detail=gelato_message or response.reason or self.env._("no details given"),
            )
        _logger.info(
            "Gelato error HTTP %s on %s: %s",
            status,
            response.request.path_url if response.request else "",
            gelato_message,
        )
        return GelatoApiError(
            message,
            status_code=status,
            retryable=retryable,
            gelato_message=gelato_message,
            retry_after=retry_after,
        )

    def _gelato_unexpected_answer(self, detail):
        """The error for a 2xx answer whose JSON is not shaped as Gelato documents it.

        :param str detail: what is wrong (technical, e.g. "orders is not a list").
        :return: a retryable :class:`GelatoApiError` (a proxy or an outage may cause it).
        """
        _logger.warning("Gelato answered with an unexpected body: %s", detail)
        return GelatoApiError(
            self.env._(
                "Gelato answered with something unexpected (%(detail)s). Try again later; "
                "background jobs try again on their own.",
                detail=detail,
            ),
            retryable=True,
        )

    def _gelato_test_connection(self):
        """Call Gelato with the configured key; raise :class:`GelatoApiError` on failure.

        :return: the number of product catalogs the key can see.
        """
        self.ensure_one()
        catalogs = self._gelato_make_request("product", "catalogs", method="GET")
        if isinstance(catalogs, dict) and isinstance(catalogs.get("data"), list):
            catalogs = catalogs["data"]
        if not isinstance(catalogs, list):
            raise self._gelato_unexpected_answer("the catalog list is not a list")
        return len(catalogs)
