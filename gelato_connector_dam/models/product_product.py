from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _gelato_orderability_problems(self):
        """A product whose DAM file was untagged or deleted in the DAM is no longer ordered."""
        problems = super()._gelato_orderability_problems()
        for variant in self.sudo():  # sudo: orderability is checked for shop visitors too
            asset = variant.product_tmpl_id.gelato_dam_asset_id
            if asset and asset.state == "archived":
                problems.append(
                    self.env._(
                        "%(product)s cannot be ordered: %(reason)s",
                        product=variant.display_name,
                        reason=asset.archived_reason or "",
                    )
                )
        return problems
