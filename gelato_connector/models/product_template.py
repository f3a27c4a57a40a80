import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# Problems listed in one error message before "and N more".
MAX_LISTED_PROBLEMS = 15


class ProductTemplate(models.Model):
    _inherit = "product.template"

    gelato_template_ref = fields.Char(
        string="Gelato Template",
        tracking=True,
        help="The template ID copied from Gelato (Templates, ⋮ menu, Copy Template ID). "
        "Synchronize to create the variants and print areas from it.",
    )
    gelato_is_product = fields.Boolean(
        string="Gelato Product",
        compute="_compute_gelato_is_product",
        store=True,
        index=True,
        help="Printed and shipped by Gelato (the product has a Gelato template).",
    )
    gelato_product_uid = fields.Char(
        string="Gelato Product UID",
        compute="_compute_gelato_product_uid",
        help="Gelato's product UID of the single variant (see each variant otherwise).",
    )
    gelato_placement_ids = fields.One2many(
        string="Gelato Print Areas",
        comodel_name="gelato.placement",
        inverse_name="product_tmpl_id",
    )
    gelato_print_file_ids = fields.One2many(
        string="Print Images",
        comodel_name="gelato.print.file",
        inverse_name="product_tmpl_id",
        help="One file per print area for all variants; a file with a variant overrides it for "
        "that variant. The starred file is the product's image.",
    )
    gelato_missing_print_files = fields.Text(
        string="Missing Print Files", compute="_compute_gelato_missing_print_files"
    )

    # === COMPUTE METHODS === #

    @api.depends("gelato_template_ref")
    def _compute_gelato_is_product(self):
        for template in self:
            template.gelato_is_product = bool((template.gelato_template_ref or "").strip())

    @api.depends("product_variant_ids.gelato_product_uid")
    def _compute_gelato_product_uid(self):
        for template in self:
            variants = template.product_variant_ids
            template.gelato_product_uid = (
                variants.gelato_product_uid if len(variants) == 1 else False
            )

    @api.depends(
        "gelato_template_ref",
        "gelato_print_file_ids.check_state",
        "gelato_print_file_ids.product_id",
        "gelato_placement_ids",
        "product_variant_ids.gelato_placements",
        "product_variant_ids.gelato_product_uid",
    )
    def _compute_gelato_missing_print_files(self):
        for template in self:
            problems = (
                template.product_variant_ids._gelato_orderability_problems()
                if template.gelato_is_product and template.id
                else []
            )
            template.gelato_missing_print_files = "\n".join(truncate_problems(self.env, problems))

    # === ACTION METHODS === #

    def action_gelato_sync_template(self):
        """Synchronize the product with its Gelato template and tell the user how it went.

        :return: a notification action (danger when nothing could be changed).
        """
        self.ensure_one()
        # Before anything goes to Gelato: a user who may not edit the product spends no call.
        self.check_access("write")
        try:
            result = self._gelato_sync_template()
        except UserError as error:
            return _notification(
                self.env._("Could not synchronize with Gelato"),
                error.args[0],
                "danger",
                sticky=True,
            )
        message = self._gelato_describe_sync(result)
        if not result["changes"]:
            message = " ".join(filter(None, [self.env._("Already up to date."), message]))
        # Something to look at (a preview not fetched, print files removed): a warning, kept
        # on screen, not a green toast that carries a failure.
        warned = bool(result["notes"])
        return _notification(
            self.env._("Synchronized with Gelato, with warnings")
            if warned
            else self.env._("Synchronized with Gelato"),
            message,
            "warning" if warned else "success",
            sticky=warned,
            next_action={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    # === BUSINESS METHODS: orderability === #

    def _gelato_order_print_areas(self):
        """The print areas whose file comes with each order line rather than from the product
        (``gelato.line.print.file``): made by the customer, found in the merchant's storage.

        The product needs no print file there to be ordered (one it has is not used there: a
        product keeps fallback files only on the other areas); the order is sent once its line
        has one. Features extend this (the core has none).

        :return: Gelato print area names (e.g. ``{"default"}``).
        :rtype: set[str]
        """
        self.ensure_one()
        return set()

    def _gelato_check_publishable(self):
        """Raise when a Gelato product cannot be sold online yet (a variant lacks files).

        :raise UserError: naming each variant and its missing print areas.
        """
        problems = self.filtered(
            "gelato_is_product"
        ).product_variant_ids._gelato_orderability_problems()
        if problems:
            raise UserError(
                self.env._(
                    "This Gelato product cannot be published yet:\n%(problems)s\nUpload the "
                    "missing print files on the product (Sales tab, Gelato section).",
                    problems="\n".join(truncate_problems(self.env, problems)),
                )
            )

    # === BUSINESS METHODS: messages === #

    @api.model
    def _gelato_template_error_message(self, error):
        """The user's message for a :class:`~odoo.addons.gelato_connector.lib.templates.GelatoTemplateError`, in the user's language."""
        messages = {
            "not_a_template": lambda: self.env._(
                "Gelato's answer for template %(ref)s is not a template.", **error.params
            ),
            "no_variants": lambda: self.env._(
                "Gelato's template %(ref)s has no variants to sell.", **error.params
            ),
            "no_uid": lambda: self.env._(
                "Variant %(variant)s of Gelato template %(ref)s has no product UID.", **error.params
            ),
            "bad_option": lambda: self.env._(
                "Variant %(variant)s of Gelato template %(ref)s has an option without a name or a "
                "value.",
                **error.params,
            ),
            "option_twice": lambda: self.env._(
                "Variant %(variant)s of Gelato template %(ref)s has the option %(option)s twice.",
                **error.params,
            ),
            "missing_option": lambda: self.env._(
                "Variant %(variant)s of Gelato template %(ref)s has no value for %(options)s, which "
                "other variants have: its options cannot be mapped to product attributes.",
                **error.params,
            ),
            "same_options": lambda: self.env._(
                "Variants %(first)s and %(second)s of Gelato template %(ref)s have the same "
                "options: they cannot be told apart.",
                **error.params,
            ),
        }
        return messages[error.code]()


def truncate_problems(env, problems):
    """At most MAX_LISTED_PROBLEMS problems, and how many more."""
    if len(problems) <= MAX_LISTED_PROBLEMS:
        return problems
    return [
        *problems[:MAX_LISTED_PROBLEMS],
        env._("… and %(count)s more.", count=len(problems) - MAX_LISTED_PROBLEMS),
    ]


def _notification(title, message, kind, sticky=False, next_action=None):
    params = {"title": title, "message": message, "type": kind, "sticky": sticky}
    if next_action:
        params["next"] = next_action
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
