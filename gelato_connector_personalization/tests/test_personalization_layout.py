"""Products: the layout generated on synchronisation, and what the merchant may set."""

from itertools import pairwise

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import create_gelato_product, gelato_template_fixture

from .common import CARD_TEMPLATE, CARD_UID


@tagged("post_install", "-at_install")
class TestPersonalizationLayout(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = create_gelato_product(cls.env, "Card", CARD_TEMPLATE, CARD_UID).product_tmpl_id

    def test_sync_keeps_the_text_placeholders_and_generates_a_layout(self):
        self.assertEqual(
            self.card.gelato_text_placeholders,
            [
                {"name": "Greeting", "text": "Happy Birthday!"},
                {"name": "Message", "text": "Wishing you a wonderful day"},
                {"name": "Signature", "text": "With love"},
            ],
        )
        boxes = self.card.gelato_personalization_box_ids
        images = boxes.filtered(lambda b: b.kind == "image")
        texts = boxes.filtered(lambda b: b.kind == "text")
        # The image of each area fills it.
        self.assertEqual(
            sorted(images.mapped(lambda b: (b.placement_id.print_area, b.name))),
            [("back", "ImageBack"), ("default", "ImageFront")],
        )
        for box in images:
            self.assertEqual(
                (box.x_mm, box.y_mm, box.width_mm, box.height_mm), (0.0, 0.0, 178.0, 127.0)
            )
        # The texts, stacked in a band over the lower part of the front, one under the other.
        self.assertEqual(texts.mapped("name"), ["Greeting", "Message", "Signature"])
        self.assertEqual(set(texts.placement_id.mapped("print_area")), {"default"})
        self.assertEqual(texts[0].default_text, "Happy Birthday!")
        for upper, lower in pairwise(texts):
            self.assertLessEqual(upper.y_mm + upper.height_mm, lower.y_mm + 0.01)
        self.assertGreater(texts[0].y_mm, 127 / 2)
        self.assertLessEqual(texts[-1].y_mm + texts[-1].height_mm, 127)

    def test_a_new_sync_keeps_the_merchants_layout(self):
        greeting = self.card.gelato_personalization_box_ids.filtered(lambda b: b.name == "Greeting")
        greeting.write({"y_mm": 5.0, "font": "marck_script", "max_chars": 20})
        count = len(self.card.gelato_personalization_box_ids)
        self.card._gelato_apply_template_data(gelato_template_fixture(CARD_TEMPLATE, CARD_UID))
        self.assertEqual(len(self.card.gelato_personalization_box_ids), count)
        self.assertEqual(
            (greeting.y_mm, greeting.font, greeting.max_chars), (5.0, "marck_script", 20)
        )
        # Reset: the generated layout again.
        self.card.action_gelato_reset_layout()
        greeting = self.card.gelato_personalization_box_ids.filtered(lambda b: b.name == "Greeting")
        self.assertEqual((greeting.font, greeting.max_chars), ("open_sans", 60))

    def test_a_new_sync_adds_new_placeholders_only(self):
        boxes = self.card.gelato_personalization_box_ids
        boxes.filtered(lambda b: b.name in ("Signature", "ImageBack")).unlink()
        data = gelato_template_fixture(CARD_TEMPLATE, CARD_UID)
        data["variants"][0]["textPlaceholders"].append({"name": "PS", "text": "See you soon"})
        self.card._gelato_apply_template_data(data)
        names = self.card.gelato_personalization_box_ids.mapped("name")
        self.assertNotIn("Signature", names, "a box the merchant deleted stays deleted")
        self.assertNotIn("ImageBack", names)
        self.assertIn("PS", names)
        self.assertEqual(
            self.card.gelato_text_placeholders[-1], {"name": "PS", "text": "See you soon"}
        )

    def test_a_copy_is_not_personalisable_until_synchronised(self):
        self.card.gelato_personalizable = True
        copy = self.card.copy()
        self.assertFalse(copy.gelato_personalizable)
        self.assertFalse(copy.gelato_personalization_box_ids)
        self.assertEqual(len(self.card.gelato_personalization_box_ids), 5)

    def test_a_box_stays_inside_its_print_area(self):
        greeting = self.card.gelato_personalization_box_ids.filtered(lambda b: b.name == "Greeting")
        with self.assertRaisesRegex(ValidationError, "goes outside its print area"):
            greeting.x_mm = 100.0
        with self.assertRaisesRegex(ValidationError, "#1A2B3C"):
            greeting.color = "red"

    def test_only_a_product_with_something_to_personalise_is_personalisable(self):
        self.card.gelato_personalizable = True
        self.card.gelato_personalization_box_ids.filtered(lambda b: b.kind == "text").unlink()
        with self.assertRaisesRegex(ValidationError, "nothing the customer can personalise"):
            self.card.gelato_personalization_upload = False
        plain = self.env["product.template"].create({"name": "Mug", "type": "consu"})
        with self.assertRaisesRegex(ValidationError, "Only Gelato products"):
            plain.gelato_personalizable = True
