# TEMPORARY: replaced by the products branch
# See product_template.py: the minimal contract the orders work codes against.

from odoo import fields, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = "product.product"

    gelato_product_uid = fields.Char(string="Gelato Product UID")

    def _gelato_get_missing_print_files(self):
        """Placements of this variant that have no print file yet."""
        self.ensure_one()
        return [] if self.product_tmpl_id.gelato_print_file else ["default"]

    def _gelato_check_orderable(self):
        """Raise a UserError naming the variant and its placements without print files."""
        for product in self:
            if not product.gelato_product_uid:
                raise UserError(
                    self.env._(
                        "%(product)s has no Gelato product UID: synchronize it with Gelato.",
                        product=product.display_name,
                    )
                )
            missing = product._gelato_get_missing_print_files()
            if missing:
                raise UserError(
                    self.env._(
                        "%(product)s cannot be ordered from Gelato: print files are missing "
                        "for %(placements)s.",
                        product=product.display_name,
                        placements=", ".join(missing),
                    )
                )

    def _gelato_prepare_files_payload(self):
        """The ``files`` of a Gelato order item: ``[{"type": ..., "url": ...}]``."""
        self.ensure_one()
        template = self.product_tmpl_id
        attachment = (
            self.env["ir.attachment"]
            .sudo()  # sudo: the print file's attachment is read to build its public URL
            .search(
                [
                    ("res_model", "=", "product.template"),
                    ("res_id", "=", template.id),
                    ("res_field", "=", "gelato_print_file"),
                ],
                limit=1,
            )
        )
        if not attachment:
            return []
        token = attachment.generate_access_token()[0]
        url = "%s/web/content/%s?access_token=%s" % (
            self.get_base_url().rstrip("/"),
            attachment.id,
            token,
        )
        return [{"type": "default", "url": url}]
