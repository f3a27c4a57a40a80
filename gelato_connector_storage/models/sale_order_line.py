from odoo import api, fields, models

from ..lib import const, patterns


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    gelato_artwork_name = fields.Char(
        string="Artwork File Name",
        compute="_compute_gelato_artwork_name",
        help="The name (without extension: .jpg, .jpeg, .png or .pdf) the line's artwork file "
        "must have in the remote storage, for products whose artwork comes per order.",
    )
    gelato_artwork_waiting = fields.Boolean(
        string="Waiting for Artwork",
        compute="_compute_gelato_artwork_waiting",
        search="_search_gelato_artwork_waiting",
        help="The order waits for this line's artwork file from the remote storage.",
    )

    # === COMPUTE METHODS === #

    @api.depends(
        "order_id.name",
        "order_id.order_line",
        "product_id.gelato_artwork_source",
        "product_id.gelato_placements",
    )
    def _compute_gelato_artwork_name(self):
        self.gelato_artwork_name = False
        for company, lines in self.grouped(
            lambda line: line.order_id.company_id or line.company_id
        ).items():
            names = lines._gelato_artwork_names_by_line(self._gelato_company_pattern(company))
            for line in lines:
                if names.get(line.id):
                    line.gelato_artwork_name = ", ".join(names[line.id].values())

    def _compute_gelato_artwork_waiting(self):
        for line in self:
            line.gelato_artwork_waiting = bool(
                line.order_id.gelato_state == "pending_artwork"
                and line._gelato_artwork_missing_areas()
            )

    def _search_gelato_artwork_waiting(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        domain = [
            ("order_id.gelato_state", "=", "pending_artwork"),
            ("product_id.product_tmpl_id.gelato_artwork_source", "=", "storage"),
            ("display_type", "=", False),
        ]
        lines = self.search(domain).filtered(lambda line: line._gelato_artwork_missing_areas())
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", lines.ids)]

    # === BUSINESS METHODS === #

    @api.model
    def _gelato_company_pattern(self, company):
        # sudo: connections are administrator-only; their pattern names every salesperson's
        # files.
        storage = (
            self.env["gelato.storage"].sudo().search([("company_id", "=", company.id)], limit=1)
        )
        return storage.filename_pattern or const.DEFAULT_FILENAME_PATTERN

    def _gelato_storage_print_areas(self):
        """The print areas whose file this line gets from remote storage, in the product's
        order (empty for a line whose product prints its own files).

        :return: a list of Gelato file types (``default``, ``back``...).
        """
        self.ensure_one()
        if not self._gelato_is_gelato_line():
            return []
        return self._gelato_variant_storage_areas(self.product_id)

    @api.model
    def _gelato_variant_storage_areas(self, variant):
        """The print areas from storage of a product variant (see above)."""
        template = variant.product_tmpl_id
        if template.gelato_artwork_source != "storage":
            return []
        # The areas ticked "From storage" (not every per-line area: other features, such as
        # the personalisation, bring theirs).
        from_storage = set(
            template.gelato_placement_ids.filtered("gelato_from_storage").mapped("print_area")
        )
        variant_areas = variant.gelato_placements
        return [
            placement.print_area
            for placement in template.gelato_placement_ids.sorted("sequence")
            if placement.print_area in from_storage
            and (variant_areas is None or placement.print_area in variant_areas)
        ]

    def _gelato_artwork_position(self):
        """The line's position among its order's Gelato lines, from 1 (``{order_item_number}``)."""
        self.ensure_one()
        return self.order_id._gelato_artwork_positions().get(self.id, 0)

    def _gelato_artwork_names(self, pattern):
        """The file names (without extension) this line's artwork has, per print area.

        Without ``{print_area}`` in the pattern, a line with a single print area from storage
        has the plain name (``S00042_1``); one with several gets ``_<print area>`` appended
        (``S00042_1_back``), so every file has its own name.

        :return: ``{print area: name}``.
        """
        self.ensure_one()
        return self._gelato_artwork_names_by_line(pattern).get(self.id, {})

    def _gelato_artwork_names_by_line(self, pattern):
        """:meth:`_gelato_artwork_names` of many lines at once: the areas of each variant and
        the positions in each order are worked out once (a scan names thousands of lines).

        :return: ``{line id: {print area: name}}`` for the lines with areas from storage.
        """
        with_token = patterns.has_print_area_token(pattern)
        areas_by_variant = {}
        positions = {}
        result = {}
        for line in self:
            if not line._gelato_is_gelato_line():
                continue
            variant = line.product_id
            if variant not in areas_by_variant:
                areas_by_variant[variant] = self._gelato_variant_storage_areas(variant)
            areas = areas_by_variant[variant]
            if not areas:
                continue
            order = line.order_id
            if order.id not in positions:
                positions[order.id] = order._gelato_artwork_positions()
            single = len(areas) == 1 and not with_token
            result[line.id] = {
                area: patterns.expected_name(
                    pattern,
                    order.name,
                    positions[order.id].get(line.id, 0),
                    None if single else area,
                )
                for area in areas
            }
        return result

    def _gelato_line_print_files(self):
        """The lines' own usable print files (``gelato.line.print.file``, from the core)."""
        # sudo: the scan and salespeople read the line's files to know what is missing.
        return self.sudo().gelato_line_file_ids.filtered(lambda f: f.check_state != "error")

    def _gelato_artwork_missing_areas(self):
        """The print areas from storage that this line has no usable file for yet."""
        self.ensure_one()
        areas = self._gelato_storage_print_areas()
        if not areas or not self.id:
            return []
        have = set(self._gelato_line_print_files().mapped("print_area"))
        return [area for area in areas if area not in have]

    def _gelato_storage_source_refs(self):
        """``{(line id, print area): source_ref}`` of the lines' files that came from storage."""
        return {
            (file.sale_line_id.id, file.print_area): file.source_ref
            for file in self._gelato_line_print_files()
            if file.source == "storage"
        }
