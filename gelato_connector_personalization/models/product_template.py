from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command

from ..lib import const, layout


class ProductTemplate(models.Model):
    _inherit = "product.template"

    gelato_personalizable = fields.Boolean(
        string="Personalisable",
        copy=False,
        help="After ordering, the customer receives a link to personalise the product (the "
        "texts and, when allowed, an image of the layout below); Odoo renders the print file. "
        "The product's print files stay the default design.",
    )
    gelato_text_placeholders = fields.Json(
        readonly=True,
        help="The text placeholders of Gelato's template: [{name, text}].",
    )
    gelato_personalization_box_ids = fields.One2many(
        string="Personalisation Layout",
        comodel_name="gelato.personalization.box",
        inverse_name="product_tmpl_id",
        # A copy has no print areas until it is synchronised, which generates its layout.
        copy=False,
    )
    gelato_personalization_upload = fields.Boolean(
        string="Customer Image Upload",
        default=True,
        help="The customer may upload an image for the image boxes; otherwise texts only.",
    )
    gelato_personalization_max_upload_mb = fields.Integer(
        string="Max Upload (MB)", default=const.DEFAULT_MAX_UPLOAD_MB
    )
    gelato_personalization_notice = fields.Text(
        string="Personalisation Notice",
        translate=True,
        default=lambda self: self.env._(
            "After ordering, you will receive an email with a link to personalise this product."
        ),
        help="Shown on the product page, in the cart and in the order confirmation.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "gelato_personalizable", "gelato_personalization_box_ids", "gelato_personalization_upload"
    )
    def _check_gelato_personalizable(self):
        for template in self.filtered("gelato_personalizable"):
            if not template.gelato_is_product:
                raise ValidationError(
                    self.env._(
                        "Only Gelato products can be personalisable (set a Gelato template)."
                    )
                )
            if not template._gelato_personalizable_placements():
                raise ValidationError(
                    self.env._(
                        "%(product)s has nothing the customer can personalise: add a text box to "
                        "its layout (or an image box and allow image uploads), or synchronise it "
                        "with Gelato to generate the layout.",
                        product=template.display_name,
                    )
                )

    # === ACTION METHODS === #

    def action_gelato_reset_layout(self):
        """Replace the layout by the default one generated from Gelato's placeholders."""
        self.ensure_one()
        self.gelato_personalization_box_ids.unlink()
        self._gelato_generate_layout()
        return True

    # === BUSINESS METHODS === #

    def _gelato_personalizable_placements(self):
        """The print areas whose file comes from the customer's personalisation."""
        self.ensure_one()
        boxes = self.gelato_personalization_box_ids.filtered(
            lambda b: b.kind == "text" or self.gelato_personalization_upload
        )
        return boxes.placement_id.sorted(lambda p: (p.sequence, p.id))

    def _gelato_order_print_areas(self):
        """Override of the core: a personalisable product's personalised areas get their file
        per order line (rendered from the customer's personalisation)."""
        areas = super()._gelato_order_print_areas()
        if self.gelato_personalizable:
            areas = set(areas) | set(self._gelato_personalizable_placements().mapped("print_area"))
        return areas

    def _gelato_apply_template_data(self, data):
        """Override of the core's synchronisation: keep the template's text placeholders and
        give the product a layout for the placeholders that are new (a box the merchant
        deleted stays deleted)."""
        self.ensure_one()
        known_texts = {t["name"] for t in self.gelato_text_placeholders or []}
        known_areas = set(self.gelato_placement_ids.ids)
        result = super()._gelato_apply_template_data(data)
        texts = {}
        for variant in (data or {}).get("variants") or []:
            for placeholder in variant.get("textPlaceholders") or []:
                if not isinstance(placeholder, dict):
                    continue
                name = (placeholder.get("name") or "").strip()
                if name and name not in texts:
                    texts[name] = placeholder.get("text") or ""
        placeholders = [{"name": name, "text": text} for name, text in texts.items()]
        if (self.gelato_text_placeholders or []) != placeholders:
            self.gelato_text_placeholders = placeholders
        if self.gelato_personalization_box_ids:
            self._gelato_generate_layout(
                skip_texts=known_texts, skip_areas=self.gelato_placement_ids.browse(known_areas)
            )
        else:
            self._gelato_generate_layout()
        return result

    def _gelato_generate_layout(self, skip_texts=(), skip_areas=None):
        """Boxes for the placeholders the layout lacks (the image fills its area; the texts
        are stacked in a band over the lower part of the first area).

        :param skip_texts: text placeholders that get no box (known before this sync).
        :param skip_areas: print areas whose image gets no box (known before this sync).
        """
        self.ensure_one()
        skip_areas = skip_areas or self.env["gelato.placement"]
        placements = self.gelato_placement_ids.sorted(lambda p: (p.sequence, p.id))
        if not placements:
            return
        existing = self.gelato_personalization_box_ids
        areas = [
            (
                p.print_area,
                (p.placeholder_names or "").split(",")[0].strip(),
                p.width_mm,
                p.height_mm,
            )
            for p in placements
            if p.width_mm and p.height_mm
        ]
        texts = [(t["name"], t.get("text") or "") for t in self.gelato_text_placeholders or []]
        by_area = {p.print_area: p for p in placements}
        commands = []
        for vals in layout.default_layout(areas, texts):
            placement = by_area[vals.pop("print_area")]
            if vals["kind"] == "text" and vals["name"] in skip_texts:
                continue
            if vals["kind"] == "image" and placement in skip_areas:
                continue
            if existing.filtered(
                lambda b, v=vals, p=placement: b.kind == v["kind"]
                and (b.name == v["name"] if v["kind"] == "text" else b.placement_id == p)
            ):
                continue
            commands.append(Command.create(dict(vals, placement_id=placement.id)))
        if commands:
            self.write({"gelato_personalization_box_ids": commands})
