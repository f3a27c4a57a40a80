"""Fixtures of the personalisation tests: the sandbox's personalisable greeting card."""

import base64
import io

from PIL import Image

from odoo.addons.gelato_connector.tests.common import (
    GelatoOrderMixin,
    create_gelato_product,
    make_jpeg,
    make_png,
)

CARD_TEMPLATE = "greeting-card-personalised"
CARD_UID = "cards_pf_5r_pt_110-lb-cover-uncoated_cl_4-4_hor"  # Matte - Landscape, 178 x 127 mm
CARD_MM = (178, 127)


def px(mm, dpi=300):
    return round(mm / 25.4 * dpi)


def read_image(raw):
    image = Image.open(io.BytesIO(raw))
    image.load()
    return image


class GelatoPersonalizationMixin(GelatoOrderMixin):
    """The greeting card (texts and an image on the front, an image on the back), made
    personalisable, with its default design as print files."""

    @classmethod
    def _gelato_setup_personalization(cls, env):
        cls._gelato_setup_orders(env)
        cls.card = create_gelato_product(env, "Greeting Card", CARD_TEMPLATE, CARD_UID, dpi=150)
        cls.card_tmpl = cls.card.product_tmpl_id
        cls.card_tmpl.gelato_personalizable = True
        boxes = cls.card_tmpl.gelato_personalization_box_ids
        cls.front = cls.card_tmpl.gelato_placement_ids.filtered(lambda p: p.print_area == "default")
        cls.back = cls.card_tmpl.gelato_placement_ids.filtered(lambda p: p.print_area == "back")
        cls.image_box = boxes.filtered(lambda b: b.kind == "image" and b.placement_id == cls.front)
        cls.greeting_box = boxes.filtered(lambda b: b.name == "Greeting")
        cls.message_box = boxes.filtered(lambda b: b.name == "Message")

    def _photo(self, width=1600, height=1200, kind="jpeg", color=(20, 160, 60)):
        maker = make_jpeg if kind == "jpeg" else make_png
        return maker(width, height, color=color)

    def _b64(self, raw):
        return base64.b64encode(raw).decode()
