import os

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import file_path

from ..lib import const


def _font_selection():
    return [(key, label) for key, (label, _path, _licence) in const.FONTS.items()]


class GelatoPersonalizationBox(models.Model):
    """One box of a personalisable print area's layout: a text the customer types or an image
    they upload, placed in millimetres from the area's top-left corner.

    Gelato's templates name their placeholders but give no positions (Get Template: name, print
    area and size only), so the synchronisation generates a layout (the image fills the area,
    the texts are stacked in a band) that the merchant edits on the product.
    """

    _name = "gelato.personalization.box"
    _description = "Gelato Personalisation Layout Box"
    _order = "product_tmpl_id, placement_sequence, sequence, id"

    product_tmpl_id = fields.Many2one(
        string="Product",
        comodel_name="product.template",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True, index=True)
    placement_id = fields.Many2one(
        string="Print Area",
        comodel_name="gelato.placement",
        required=True,
        ondelete="cascade",
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
    )
    placement_sequence = fields.Integer(
        string="Print Area Sequence", related="placement_id.sequence", store=True
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        string="Type",
        selection=[("text", "Text"), ("image", "Image")],
        required=True,
        default="text",
    )
    name = fields.Char(
        string="Placeholder",
        required=True,
        help="The placeholder's name in Gelato's template (e.g. Greeting, ImageFront).",
    )
    label = fields.Char(
        translate=True,
        help="What the customer is asked for in the editor (the placeholder's name if empty).",
    )
    x_mm = fields.Float(string="Left (mm)", digits=(10, 2))
    y_mm = fields.Float(string="Top (mm)", digits=(10, 2))
    width_mm = fields.Float(string="Width (mm)", digits=(10, 2), required=True)
    height_mm = fields.Float(string="Height (mm)", digits=(10, 2), required=True)
    default_text = fields.Char(translate=True, help="Printed when the customer keeps it.")
    max_chars = fields.Integer(string="Max Characters", default=const.DEFAULT_MAX_CHARS)
    font = fields.Selection(selection=_font_selection(), default=const.DEFAULT_FONT, required=True)
    font_size = fields.Float(
        string="Font Size (pt)",
        default=24.0,
        digits=(6, 1),
        help="Made smaller (down to half) when the customer's text does not fit the box.",
    )
    color = fields.Char(string="Colour", default="#000000")
    align = fields.Selection(
        string="Alignment",
        selection=[("left", "Left"), ("center", "Centre"), ("right", "Right")],
        default="center",
        required=True,
    )
    fit = fields.Selection(
        selection=[("slice", "Fill the box (crop)"), ("meet", "Fit inside the box")],
        default="slice",
        required=True,
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("x_mm", "y_mm", "width_mm", "height_mm", "placement_id")
    def _check_inside_area(self):
        for box in self:
            area = box.placement_id
            if box.width_mm <= 0 or box.height_mm <= 0:
                raise ValidationError(
                    self.env._("The box %(box)s needs a width and a height.", box=box.name)
                )
            tolerance = 0.01
            if (
                area.width_mm
                and area.height_mm
                and (
                    box.x_mm < -tolerance
                    or box.y_mm < -tolerance
                    or box.x_mm + box.width_mm > area.width_mm + tolerance
                    or box.y_mm + box.height_mm > area.height_mm + tolerance
                )
            ):
                raise ValidationError(
                    self.env._(
                        "The box %(box)s goes outside its print area %(area)s: keep left + "
                        "width within %(width)s mm and top + height within %(height)s mm.",
                        box=box.name,
                        area=area.name,
                        width=area.width_mm,
                        height=area.height_mm,
                    )
                )

    @api.constrains("color")
    def _check_color(self):
        for box in self:
            value = (box.color or "").lstrip("#")
            if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
                raise ValidationError(
                    self.env._("The colour of %(box)s must be written like #1A2B3C.", box=box.name)
                )

    @api.constrains("max_chars", "font_size")
    def _check_text_limits(self):
        for box in self.filtered(lambda b: b.kind == "text"):
            if box.max_chars <= 0 or box.font_size <= 0:
                raise ValidationError(
                    self.env._(
                        "The text %(box)s needs a maximum length and a font size above zero.",
                        box=box.name,
                    )
                )

    # === BUSINESS METHODS === #

    def _gelato_label(self):
        """What the customer is asked for: the label, else a sentence for an image, else the
        placeholder's name (Gelato's names of texts read well: Greeting, Message)."""
        self.ensure_one()
        if self.label:
            return self.label
        if self.kind == "image":
            return self.env._("Your image (%(area)s)", area=self.placement_id.name)
        return self.name

    @api.model
    def _gelato_font_path(self, key):
        """The font file of a font key, or Open Sans when that font is not on this machine."""
        _label, path, _licence = const.FONTS.get(key) or const.FONTS[const.DEFAULT_FONT]
        if path.startswith("odoo:"):
            return file_path(path[len("odoo:") :])
        if os.path.isfile(path):
            return path
        return file_path(const.FONTS[const.DEFAULT_FONT][1][len("odoo:") :])
