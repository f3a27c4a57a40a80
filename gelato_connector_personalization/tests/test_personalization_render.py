"""The renderer, as the print file and the preview use it: run in its isolated process and the
rendered file read back."""

import base64
import io

from PIL import Image

from odoo.tests import TransactionCase, tagged

from odoo.addons.gelato_connector.tests.common import make_jpeg, make_png, pixels

from ..lib import layout
from ..lib.renderer import RenderError, run_render

WHITE = (255, 255, 255)


@tagged("post_install", "-at_install")
class TestPersonalizationRender(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Box = cls.env["gelato.personalization.box"]
        cls.open_sans = Box._gelato_font_path("open_sans")
        cls.dejavu = Box._gelato_font_path("dejavu_sans")

    def _render(self, boxes, width_mm=178, height_mm=127, dpi=300, background=None):
        spec = layout.render_spec(width_mm, height_mm, boxes, dpi, background=background)
        raw, problems = run_render(spec)
        image = Image.open(io.BytesIO(raw))
        image.load()
        return image, problems

    def _text_box(self, text, **values):
        return {
            "id": 1,
            "kind": "text",
            "x_mm": 20,
            "y_mm": 70,
            "width_mm": 138,
            "height_mm": 20,
            "text": text,
            "font": self.open_sans,
            "font_size": 30,
            "color": "#102030",
            "align": "center",
            **values,
        }

    def _image_box(self, raw, **values):
        return {
            "id": 2,
            "kind": "image",
            "x_mm": 10,
            "y_mm": 10,
            "width_mm": 50,
            "height_mm": 40,
            "fit": "slice",
            "image": base64.b64encode(raw).decode(),
            **values,
        }

    def _box_px(self, box, dpi=300):
        return (
            round(box["x_mm"] / 25.4 * dpi),
            round(box["y_mm"] / 25.4 * dpi),
            round((box["x_mm"] + box["width_mm"]) / 25.4 * dpi),
            round((box["y_mm"] + box["height_mm"]) / 25.4 * dpi),
        )

    def _inked(self, image, bbox=None, inside=True):
        """Pixels that are not white, inside ``bbox`` (or outside it)."""
        grey = image.convert("L")
        mask = grey.point(lambda value: 255 if value < 250 else 0)
        if bbox is None:
            return sum(1 for value in mask.getdata() if value)
        inner = Image.new("L", image.size, 0)
        inner.paste(255, bbox)
        if inside:
            kept = Image.composite(mask, Image.new("L", image.size, 0), inner)
        else:
            kept = Image.composite(Image.new("L", image.size, 0), mask, inner)
        return sum(1 for value in kept.getdata() if value)

    def test_print_file_is_the_area_at_300_dpi(self):
        image, problems = self._render([self._text_box("Happy Birthday!")])
        self.assertEqual(problems, [])
        self.assertEqual(image.format, "PNG")
        self.assertEqual(image.size, (pixels(178, 300), pixels(127, 300)))  # 2102 x 1500
        self.assertEqual(image.size, (2102, 1500))
        self.assertAlmostEqual(image.info["dpi"][0], 300, places=1)

    def test_image_fills_its_box_and_nothing_else(self):
        box = self._image_box(make_jpeg(1200, 960, color=(20, 160, 60)))
        image, _problems = self._render([box])
        left, top, right, bottom = self._box_px(box)
        rgb = image.convert("RGB")
        for point in ((left + 2, top + 2), (right - 3, bottom - 3), ((left + right) // 2, top + 5)):
            red, green, blue = rgb.getpixel(point)
            self.assertTrue(green > 120 and red < 60 and blue < 100, (point, rgb.getpixel(point)))
        for point in ((left - 3, top), (right + 2, bottom), (left, bottom + 3), (2000, 1400)):
            self.assertEqual(rgb.getpixel(point), WHITE, point)

    def test_meet_fits_the_image_inside_its_box(self):
        # A square image in a 50 x 40 mm box: full height, white bands left and right.
        box = self._image_box(make_png(1000, 1000, color=(200, 30, 30)), fit="meet")
        image, _problems = self._render([box])
        left, top, right, bottom = self._box_px(box)
        rgb = image.convert("RGB")
        self.assertEqual(rgb.getpixel((left + 3, (top + bottom) // 2)), WHITE)
        self.assertEqual(rgb.getpixel((right - 3, (top + bottom) // 2)), WHITE)
        self.assertEqual(rgb.getpixel(((left + right) // 2, top + 2))[:1], (200,))
        self.assertEqual(rgb.getpixel(((left + right) // 2, bottom - 3))[:1], (200,))

    def test_text_is_drawn_inside_its_box_and_nowhere_else(self):
        box = self._text_box("Happy Birthday, Ada!")
        image, problems = self._render([box])
        self.assertEqual(problems, [])
        bbox = self._box_px(box)
        self.assertGreater(self._inked(image, bbox, inside=True), 2000)
        self.assertEqual(self._inked(image, bbox, inside=False), 0)
        # Its colour, not the default black.
        inked = [p for p in image.convert("RGB").getdata() if p != WHITE]
        darkest = min(inked, key=sum)
        self.assertEqual(darkest, (16, 32, 48))

    def test_left_and_right_alignment(self):
        left_image, _ = self._render([self._text_box("Hi", align="left")])
        right_image, _ = self._render([self._text_box("Hi", align="right")])
        box = self._text_box("Hi")
        x0, y0, x1, y1 = self._box_px(box)
        middle = (x0 + x1) // 2
        self.assertGreater(self._inked(left_image, (x0, y0, middle, y1)), 0)
        self.assertEqual(self._inked(left_image, (middle, y0, x1, y1)), 0)
        self.assertGreater(self._inked(right_image, (middle, y0, x1, y1)), 0)
        self.assertEqual(self._inked(right_image, (x0, y0, middle, y1)), 0)

    def test_a_long_text_is_made_smaller_to_fit_then_reported(self):
        box = self._text_box("Wishing you the most wonderful birthday of all")
        image, problems = self._render([box])
        self.assertEqual(problems, [], "made smaller (down to half its size), it fits")
        self.assertEqual(self._inked(image, self._box_px(box), inside=False), 0)
        too_long = self._text_box(" ".join(["Wonderful"] * 40), height_mm=8)
        image, problems = self._render([too_long])
        self.assertEqual(problems, [{"box": 1, "code": "overflow"}])
        self.assertEqual(self._inked(image, self._box_px(too_long), inside=False), 0)

    def test_characters_the_font_cannot_draw_are_reported(self):
        _image, problems = self._render([self._text_box("Für Ada 日本")])
        self.assertEqual(problems, [{"box": 1, "code": "missing_glyphs", "chars": "日本"}])
        _image, problems = self._render([self._text_box("Für Ada ☺ Ωμέγα", font=self.dejavu)])
        self.assertEqual(problems, [])

    def test_exif_orientation_of_a_phone_photo_is_applied(self):
        # Stored 1200 x 600 (wide), EXIF orientation 6: the photo is tall (600 x 1200).
        photo = Image.new("RGB", (1200, 600), (30, 30, 200))
        exif = Image.Exif()
        exif[0x0112] = 6
        output = io.BytesIO()
        photo.save(output, "JPEG", exif=exif)
        box = self._image_box(output.getvalue(), fit="meet", width_mm=40, height_mm=40)
        image, _problems = self._render([box])
        left, top, right, bottom = self._box_px(box)
        rgb = image.convert("RGB")
        # Tall inside a square: white left and right, blue at the top and bottom.
        self.assertEqual(rgb.getpixel((left + 3, (top + bottom) // 2)), WHITE)
        self.assertGreater(rgb.getpixel(((left + right) // 2, top + 3))[2], 150)

    def test_the_default_design_is_drawn_under_the_boxes(self):
        background = base64.b64encode(make_jpeg(1051, 750, color=(240, 220, 0))).decode()
        image, _problems = self._render([], background=background)
        red, green, blue = image.convert("RGB").getpixel((1000, 700))
        self.assertTrue(red > 200 and green > 190 and blue < 60)

    def test_decompression_bomb_is_refused_by_the_renderer(self):
        # 60 megapixels in a few kilobytes: refused before it is decoded.
        output = io.BytesIO()
        Image.new("1", (10000, 6000)).save(output, "PNG")
        self.assertLess(len(output.getvalue()), 100_000)
        with self.assertRaises(RenderError) as caught:
            self._render([self._image_box(output.getvalue())])
        self.assertEqual(caught.exception.code, "too_many_pixels")

    def test_corrupt_image_is_refused_by_the_renderer(self):
        raw = make_jpeg(800, 600)
        with self.assertRaises(RenderError) as caught:
            self._render([self._image_box(raw[: len(raw) // 3])])
        self.assertEqual(caught.exception.code, "unreadable")

    def test_preview_is_the_same_render_at_a_low_resolution(self):
        boxes = [self._text_box("Happy Birthday!")]
        print_image, _ = self._render(boxes)
        preview, _ = self._render(boxes, dpi=60)
        self.assertEqual(preview.size, (pixels(178, 60), pixels(127, 60)))
        # Same picture: the print file reduced to the preview's size differs only by rounding.
        reduced = print_image.convert("L").resize(preview.size, Image.BOX)
        difference = [
            abs(a - b)
            for a, b in zip(reduced.getdata(), preview.convert("L").getdata(), strict=False)
        ]
        self.assertLess(sum(difference) / len(difference), 3)
