from odoo import api, fields, models
from odoo.exceptions import UserError

from .product_template import truncate_problems


class ProductProduct(models.Model):
    _inherit = "product.product"

    gelato_product_uid = fields.Char(
        string="Gelato Product UID",
        copy=False,
        index="btree_not_null",
        help="Gelato's product for this variant, set by the template synchronisation.",
    )
    gelato_placements = fields.Json(
        string="Gelato Print Areas of the Variant",
        copy=False,
        help="Technical: {file type: {name, width, height}} as Gelato's template gives them for "
        "this variant (sizes in mm).",
    )
    gelato_archived_by_sync = fields.Boolean(
        copy=False,
        help="Technical: archived because Gelato's template no longer has this variant; "
        "restored if it comes back.",
    )
    gelato_variant_print_file_ids = fields.One2many(
        string="Variant Print Images",
        comodel_name="gelato.print.file",
        inverse_name="product_id",
        help="Files for this variant only; they replace the product's files of the same print "
        "area.",
    )
    gelato_variant_missing_print_files = fields.Text(
        string="Missing Print Files of the Variant",
        compute="_compute_gelato_variant_missing_print_files",
    )

    # === COMPUTE METHODS === #

    @api.depends(
        "gelato_placements",
        "gelato_product_uid",
        "gelato_variant_print_file_ids.check_state",
        "product_tmpl_id.gelato_print_file_ids.check_state",
        "product_tmpl_id.gelato_template_ref",
    )
    def _compute_gelato_variant_missing_print_files(self):
        for variant in self:
            problems = variant._gelato_orderability_problems() if variant.id else []
            variant.gelato_variant_missing_print_files = "\n".join(problems)

    # === BUSINESS METHODS === #

    def _gelato_get_missing_print_files(self):
        """Print areas of this variant that have no usable print file.

        A print area is covered by the variant's own file for it, else by the product's file;
        a file that failed its checks does not count.

        :return: the print areas' names (empty list: nothing missing).
        :rtype: list[str]
        """
        self.ensure_one()
        return self._gelato_missing_print_files_by_variant()[self.id]

    def _gelato_missing_print_files_by_variant(self):
        """:meth:`_gelato_get_missing_print_files` for many variants in a few queries.

        :return: ``{variant id: [print area names]}``.
        """
        # sudo: orderability is checked for salespeople and shop visitors alike, who need not
        # be allowed to read print files.
        variants_sudo = self.sudo()
        templates = variants_sudo.product_tmpl_id.filtered("gelato_is_product")
        files = (
            self.env["gelato.print.file"]
            .sudo()
            .search([("product_tmpl_id", "in", templates.ids), ("check_state", "!=", "error")])
        )
        covered = {
            (file.product_id.id or 0, file.product_tmpl_id.id, file.placement_id.print_area)
            for file in files
        }
        placements = {
            (placement.product_tmpl_id.id, placement.print_area): placement
            for placement in templates.gelato_placement_ids
        }
        result = {}
        for variant in variants_sudo:
            template = variant.product_tmpl_id
            missing = []
            if template.gelato_is_product:
                areas = sorted(
                    variant.gelato_placements or {},
                    key=lambda area, t=template.id: (
                        placements[(t, area)].sequence if (t, area) in placements else 1000,
                        area,
                    ),
                )
                per_line = template._gelato_order_print_areas()
                for area in areas:
                    if area in per_line:
                        continue  # the order line brings it (gelato.line.print.file)
                    if (variant.id, template.id, area) in covered or (
                        0,
                        template.id,
                        area,
                    ) in covered:
                        continue
                    placement = placements.get((template.id, area))
                    missing.append(placement.name if placement else area)
            result[variant.id] = missing
        return result

    def _gelato_orderability_problems(self):
        """Why each Gelato variant cannot be ordered yet (empty list: all can).

        :return: one human-readable line per variant with a problem.
        """
        problems = []
        missing_by_variant = self._gelato_missing_print_files_by_variant()
        for variant in self.sudo():  # sudo: see _gelato_missing_print_files_by_variant
            if not variant.product_tmpl_id.gelato_is_product:
                continue
            if not variant.gelato_product_uid:
                problems.append(
                    self.env._(
                        "%(product)s is not linked to a Gelato product: click Synchronize on "
                        "the product.",
                        product=variant.display_name,
                    )
                )
                continue
            missing = missing_by_variant[variant.id]
            if missing:
                problems.append(
                    self.env._(
                        "%(product)s has no print file for: %(placements)s.",
                        product=variant.display_name,
                        placements=", ".join(missing),
                    )
                )
        return problems

    def _gelato_check_orderable(self):
        """Raise when a Gelato variant cannot be ordered yet (order confirmation, web shop).

        Products that are not Gelato products always pass.

        :raise UserError: naming each product/variant and its missing print areas.
        """
        problems = self._gelato_orderability_problems()
        if problems:
            raise UserError(
                self.env._(
                    "These Gelato products cannot be ordered yet:\n%(problems)s\nUpload the "
                    "missing print files on the product (Sales tab, Gelato section).",
                    problems="\n".join(truncate_problems(self.env, problems)),
                )
            )

    def _gelato_prepare_files_payload(self, line=None):
        """The print files of this variant as Gelato's ``items[].files`` wants them.

        URLs are absolute, signed and expiring (see ``gelato.print.file``); made for ``line``
        (a ``sale.order.line``), they stop working once Gelato has printed it. The line's own
        files (``gelato.line.print.file``) win over the product's on their print area.

        :return: ``[{"type": "default"|"back"|..., "url": str}]``, in print area order;
            empty for a product that is not a Gelato product or has no print area.
        :raise UserError: when a print file is missing: the product's (same message as
            :meth:`_gelato_check_orderable`) or one the order line must bring.
        """
        self.ensure_one()
        self._gelato_check_orderable()
        variant_sudo = self.sudo()  # sudo: see _gelato_missing_print_files_by_variant
        template = variant_sudo.product_tmpl_id
        if not template.gelato_is_product:
            return []
        files = (
            self.env["gelato.print.file"]
            .sudo()
            .search(
                [
                    ("product_tmpl_id", "=", template.id),
                    ("product_id", "in", [False, self.id]),
                    ("check_state", "!=", "error"),
                ]
            )
        )
        per_line = template._gelato_order_print_areas()
        by_area = {}
        for file in files.sorted(lambda f: bool(f.product_id)):  # the variant's own file wins
            if file.placement_id.print_area not in per_line:  # those come with the line only
                by_area[file.placement_id.print_area] = file
        if line:
            for file in line.sudo().gelato_line_file_ids:  # the line's own file wins
                if file.check_state != "error":
                    by_area[file.print_area] = file
        placements = {p.print_area: p for p in template.gelato_placement_ids}
        areas = sorted(
            variant_sudo.gelato_placements or {},
            key=lambda a: (placements[a].sequence if a in placements else 1000, a),
        )
        missing = [area for area in areas if area not in by_area]
        if missing:
            raise UserError(
                self.env._(
                    "%(product)s on order %(order)s has no print file of its own yet for: "
                    "%(placements)s. It comes with the order (personalisation or remote "
                    "storage); the order waits for it.",
                    product=self.display_name,
                    order=line.order_id.name if line else "",
                    placements=", ".join(
                        placements[a].name if a in placements else a for a in missing
                    ),
                )
            )
        return [
            {"type": area, "url": by_area[area]._gelato_get_public_url(line=line)} for area in areas
        ]
