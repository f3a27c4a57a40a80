from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    gelato_artwork_source = fields.Selection(
        string="Gelato Artwork",
        selection=[("product", "Product print files"), ("storage", "Per order, from storage")],
        required=True,
        default="product",
        tracking=True,
        help="Product print files: every order prints the product's files. Per order, from "
        "storage: each order line gets its own file from the remote storage (Sales > Gelato > "
        "Artwork Storage); the order waits for it. Print areas left unticked in the list below "
        "keep printing the product's file.",
    )
    gelato_storage_print_areas = fields.Char(
        string="Print Areas From Storage",
        compute="_compute_gelato_storage_print_areas",
        help="The print areas whose file comes per order from the remote storage.",
    )

    @api.depends("gelato_artwork_source", "gelato_placement_ids.gelato_from_storage")
    def _compute_gelato_storage_print_areas(self):
        for template in self:
            placements = (
                template.gelato_placement_ids.filtered("gelato_from_storage")
                if template.gelato_artwork_source == "storage"
                else template.gelato_placement_ids.browse()
            )
            template.gelato_storage_print_areas = ", ".join(placements.mapped("name"))

    def _gelato_order_print_areas(self):
        """Override of `gelato_connector`: with artwork from storage, the print areas ticked
        "From storage" (all by default) come per order line."""
        areas = super()._gelato_order_print_areas()
        if self.gelato_artwork_source == "storage":
            areas = set(areas) | set(
                self.gelato_placement_ids.filtered("gelato_from_storage").mapped("print_area")
            )
        return areas
