from odoo import api, fields, models
from odoo.exceptions import UserError

# Gelato's products:search answers at most this many products per call.
SEARCH_LIMIT = 100


class GelatoDamConfigure(models.TransientModel):
    """Configure a DAM file as a Gelato product (the seed's step 2).

    Gelato's catalog is walked as its API offers it: a catalog (``GET /v3/catalogs``), then
    its attributes (``GET /v3/catalogs/{uid}``), narrowed with ``POST
    /v3/catalogs/{uid}/products:search`` attribute filters until one product UID remains.
    """

    _name = "gelato.dam.configure"
    _description = "Configure a DAM File as a Gelato Product"

    asset_id = fields.Many2one(comodel_name="gelato.dam.asset", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="asset_id.company_id")
    step = fields.Selection(
        selection=[("catalog", "Catalog"), ("product", "Product")], default="catalog"
    )
    catalog_option_id = fields.Many2one(
        string="Catalog",
        comodel_name="gelato.dam.configure.option",
        domain="[('wizard_id', '=', id), ('line_id', '=', False)]",
    )
    line_ids = fields.One2many(
        string="Attributes", comodel_name="gelato.dam.configure.line", inverse_name="wizard_id"
    )
    match_count = fields.Integer(string="Matching Products", readonly=True)
    product_uid = fields.Char(string="Gelato Product UID", readonly=True)
    width_mm = fields.Float(string="Print Width (mm)", digits=(10, 2), readonly=True)
    height_mm = fields.Float(string="Print Height (mm)", digits=(10, 2), readonly=True)
    print_area = fields.Selection(
        selection=[("default", "Front"), ("back", "Back")], default="default", required=True
    )
    name = fields.Char(string="Product Name")
    price = fields.Float(string="Sale Price", digits="Product Price")

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            asset = wizard.asset_id
            template = asset.product_id.product_tmpl_id
            wizard.write(
                {
                    "name": template.name or asset.name,
                    "price": template.list_price if template else 0.0,
                }
            )
            wizard._gelato_load_catalogs()
        return wizards

    # === ACTION METHODS === #

    def action_load_attributes(self):
        """The chosen catalog's attributes, then a first search."""
        self.ensure_one()
        if not self.catalog_option_id:
            raise UserError(self.env._("Choose a catalog first."))
        uid = self.catalog_option_id.value_uid
        catalog = self._gelato_request("catalogs/%s" % uid, method="GET")
        self.line_ids.unlink()
        for sequence, attribute in enumerate(catalog.get("productAttributes") or []):
            values = [v for v in attribute.get("values") or [] if v.get("productAttributeValueUid")]
            if not attribute.get("productAttributeUid") or not values:
                continue
            line = self.env["gelato.dam.configure.line"].create(
                {
                    "wizard_id": self.id,
                    "sequence": sequence,
                    "attribute_uid": attribute["productAttributeUid"],
                    "name": attribute.get("title") or attribute["productAttributeUid"],
                }
            )
            options = self.env["gelato.dam.configure.option"].create(
                [
                    {
                        "wizard_id": self.id,
                        "line_id": line.id,
                        "value_uid": value["productAttributeValueUid"],
                        "name": value.get("title") or value["productAttributeValueUid"],
                    }
                    for value in values
                ]
            )
            if len(options) == 1:
                line.option_id = options
        self.step = "product"
        return self.action_search()

    def action_search(self):
        """Search the catalog with the chosen values; one product left is the one."""
        self.ensure_one()
        filters = {
            line.attribute_uid: [line.option_id.value_uid]
            for line in self.line_ids
            if line.option_id
        }
        answer = self._gelato_request(
            "catalogs/%s/products:search" % self.catalog_option_id.value_uid,
            payload={"attributeFilters": filters, "limit": SEARCH_LIMIT, "offset": 0},
        )
        products = answer.get("products") or []
        hits = (answer.get("hits") or {}).get("attributeHits") or {}
        for line in self.line_ids:
            counts = hits.get(line.attribute_uid) or {}
            for option in line.option_ids:
                option.hits = counts.get(option.value_uid, 0)
        counts = [sum(values.values()) for values in hits.values() if isinstance(values, dict)]
        total = max(counts, default=len(products))
        vals = {"match_count": total, "product_uid": False, "width_mm": 0.0, "height_mm": 0.0}
        if total == 1 and len(products) == 1:
            product = products[0]
            dimensions = product.get("dimensions") or {}
            vals.update(
                product_uid=product.get("productUid"),
                width_mm=float((dimensions.get("Width") or {}).get("value") or 0.0),
                height_mm=float((dimensions.get("Height") or {}).get("value") or 0.0),
            )
        self.write(vals)
        return self._gelato_reopen()

    def action_confirm(self):
        """Create (or update) the product; back to the file, now ready."""
        self.ensure_one()
        if not self.product_uid:
            raise UserError(
                self.env._(
                    "%(count)s Gelato products match: choose attribute values until one remains.",
                    count=self.match_count,
                )
            )
        if not (self.name or "").strip():
            raise UserError(self.env._("Give the product a name."))
        if self.price <= 0:
            raise UserError(self.env._("Set the sale price of the product."))
        if not (self.width_mm and self.height_mm):
            raise UserError(
                self.env._(
                    "Gelato gave no size for %(uid)s: choose another product.", uid=self.product_uid
                )
            )
        asset = self.asset_id
        asset._gelato_dam_configure(
            self.product_uid,
            self.print_area,
            self.width_mm,
            self.height_mm,
            self.name.strip(),
            self.price,
        )
        problem = asset._gelato_dam_write_backlink_now()
        if problem:
            asset.message_post(
                body=self.env._(
                    "The checkout link was not written into the DAM yet (%(reason)s); the next "
                    "synchronisation tries again.",
                    reason=problem,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "gelato.dam.asset",
            "res_id": asset.id,
            "view_mode": "form",
            "target": "current",
        }

    # === BUSINESS METHODS === #

    def _gelato_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Configure %(file)s", file=self.asset_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _gelato_request(self, path, payload=None, method="POST"):
        company = self.asset_id.company_id
        return company._gelato_make_request("product", path, payload=payload, method=method)

    def _gelato_load_catalogs(self):
        catalogs = self._gelato_request("catalogs", method="GET")
        if not isinstance(catalogs, list):
            catalogs = (catalogs or {}).get("data") or []
        self.env["gelato.dam.configure.option"].create(
            [
                {
                    "wizard_id": self.id,
                    "value_uid": catalog["catalogUid"],
                    "name": catalog.get("title") or catalog["catalogUid"],
                }
                for catalog in catalogs
                if isinstance(catalog, dict) and catalog.get("catalogUid")
            ]
        )


class GelatoDamConfigureLine(models.TransientModel):
    _name = "gelato.dam.configure.line"
    _description = "Gelato Catalog Attribute"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        comodel_name="gelato.dam.configure", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    attribute_uid = fields.Char(required=True)
    name = fields.Char(string="Attribute", required=True)
    option_ids = fields.One2many(comodel_name="gelato.dam.configure.option", inverse_name="line_id")
    option_id = fields.Many2one(
        string="Value",
        comodel_name="gelato.dam.configure.option",
        domain="[('line_id', '=', id)]",
    )


class GelatoDamConfigureOption(models.TransientModel):
    """A catalog (no line) or an attribute value (of a line) offered by Gelato's catalog."""

    _name = "gelato.dam.configure.option"
    _description = "Gelato Catalog Choice"
    _order = "id"

    wizard_id = fields.Many2one(
        comodel_name="gelato.dam.configure", required=True, ondelete="cascade"
    )
    line_id = fields.Many2one(comodel_name="gelato.dam.configure.line", ondelete="cascade")
    value_uid = fields.Char(required=True)
    name = fields.Char(required=True)
    hits = fields.Integer(help="Products of the catalog with this value, given the other choices.")

    @api.depends("name", "hits", "line_id")
    def _compute_display_name(self):
        for option in self:
            option.display_name = (
                self.env._("%(name)s (%(count)s)", name=option.name, count=option.hits)
                if option.line_id
                else option.name
            )
