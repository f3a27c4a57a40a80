from odoo import api, models
from odoo.tools import is_html_empty

from odoo.addons.gelato_connector.models.product_template import truncate_problems


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        """Override of `website_sale`: a Gelato product is published only once it can be ordered."""
        templates = super().create(vals_list)
        templates.filtered("is_published")._gelato_check_publishable()
        return templates

    def write(self, vals):
        """Override of `website_sale`: a Gelato product is published only once it can be ordered
        (every variant has its print files)."""
        res = super().write(vals)
        if vals.get("is_published") or vals.get("website_published"):
            self.filtered("is_published")._gelato_check_publishable()
        return res

    # === BUSINESS METHODS === #

    def _gelato_description_vals(self, description):
        """Override of `gelato_connector`: Gelato's description fills the shop's, when empty."""
        vals = super()._gelato_description_vals(description)
        if not is_html_empty(description) and is_html_empty(self.description_ecommerce):
            vals["description_ecommerce"] = description
        return vals

    def _gelato_after_sync(self, summary, notes):
        """Override of `gelato_connector`.


        Take a published product off the web shop when the synchronisation left a variant
                that cannot be ordered (e.g. Gelato added a print area, or a variant, without a file):
                shoppers must not be able to buy what cannot be sent to Gelato."""
        super()._gelato_after_sync(summary, notes)
        if not self.is_published:
            return
        problems = self.product_variant_ids._gelato_orderability_problems()
        if not problems:
            return
        self.is_published = False
        summary["unpublished"] += 1
        notes.append(
            self.env._(
                "The product was unpublished from the web shop until this is fixed: %(problems)s",
                problems=" ".join(truncate_problems(self.env, problems)),
            )
        )
