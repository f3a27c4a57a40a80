"""Render a personalised print area (PNG) from its layout, texts and images.

Standard library and Pillow only (no Odoo): the add-on runs this file as a separate,
resource-limited process (see :func:`main` and ``lib/renderer.py``), like the core's print-file
check, so a hostile customer upload can only kill that process, never an Odoo worker.
:func:`render` is also callable directly (tests).

The same function renders the live preview (at a low resolution) and the print file (at
300 dpi): the preview is what gets printed. Boxes are in pixels of the output.

Input (JSON on stdin)::

    {"width_px", "height_px", "dpi", "format": "png"|"jpeg", "background": base64 or null,
     "boxes": [{"id", "kind": "image", "x", "y", "w", "h", "fit": "slice"|"meet",
                "image": base64 or null},
               {"id", "kind": "text", "x", "y", "w", "h", "text", "font": path,
                "size": px, "color": "#rrggbb", "align": "left"|"center"|"right"}]}

Output (JSON on stdout): ``{"image": base64, "problems": [{"box", "code", "chars"?}]}``;
``code`` is ``missing_glyphs`` (characters the font cannot draw) or ``overflow`` (the text
does not fit its box even at the smallest size allowed).
"""

import base64
import io
import json
import sys
import unicodedata
import warnings

# Limits of the rendering process (see main()).
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
CPU_LIMIT_SECONDS = 60
# Largest image decoded (Odoo's own limit, tools.image.IMAGE_MAX_RESOLUTION); the caller refuses
# larger uploads before they get here.
MAX_IMAGE_PIXELS = 50_000_000
# A text is made smaller down to this share of its size to fit its box, never further.
MIN_TEXT_SCALE = 0.5
TEXT_SCALE_STEP = 0.95
# Unicode categories that draw nothing (spaces, controls, marks): never "missing".
INVISIBLE_CATEGORIES = ("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me")
# A code point no font draws: what its glyph looks like is what "missing" looks like.
NOT_A_CHARACTER = "\U0010fffd"
GLYPH_PROBE_SIZE = 40


def render(spec):
    """Render one print area; see the module's docstring for ``spec`` and the result."""
    from PIL import Image, ImageOps

    width, height = int(spec["width_px"]), int(spec["height_px"])
    canvas = Image.new("RGBA", (width, height), (255, 255, 255, 255))
    problems = []
    if spec.get("background"):
        with _open_image(spec["background"]) as background:
            layer = ImageOps.fit(background.convert("RGBA"), (width, height), Image.LANCZOS)
            canvas.alpha_composite(layer)
    for box in spec.get("boxes", []):
        x, y = round(box["x"]), round(box["y"])
        w, h = max(1, round(box["w"])), max(1, round(box["h"]))
        if box["kind"] == "image" and box.get("image"):
            canvas.alpha_composite(_image_layer(box, (w, h)), (x, y))
        elif box["kind"] == "text" and (box.get("text") or "").strip():
            layer, box_problems = _text_layer(box, (w, h))
            problems += [dict(problem, box=box["id"]) for problem in box_problems]
            # The layer is the box itself: nothing can be drawn outside it.
            canvas.alpha_composite(layer, (x, y))
    output = io.BytesIO()
    dpi = float(spec.get("dpi") or 300)
    if spec.get("format") == "jpeg":
        canvas.convert("RGB").save(output, "JPEG", quality=85, dpi=(dpi, dpi))
    else:
        canvas.convert("RGB").save(output, "PNG", dpi=(dpi, dpi))
    return {"image": base64.b64encode(output.getvalue()).decode(), "problems": problems}


def _open_image(data):
    """A customer image, decoded with the decompression-bomb guard and EXIF rotation applied."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        # Above MAX_IMAGE_PIXELS Pillow only warns (it raises at twice that): refuse here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        if image.format not in ("PNG", "JPEG"):
            raise ValueError("not a PNG or JPEG image")
        image.load()
    return ImageOps.exif_transpose(image)


def _image_layer(box, size):
    from PIL import Image, ImageOps

    with _open_image(box["image"]) as decoded:
        image = decoded.convert("RGBA")
        if box.get("fit") == "meet":
            # Fit inside the box (Gelato's "meet"), centred, the rest transparent.
            fitted = ImageOps.contain(image, size, Image.LANCZOS)
            layer = Image.new("RGBA", size, (0, 0, 0, 0))
            layer.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
            return layer
        # Fill the box, cropping what overflows (Gelato's "slice", its default).
        return ImageOps.fit(image, size, Image.LANCZOS)


def _text_layer(box, size):
    """The box's text, wrapped and made smaller until it fits, on a transparent layer."""
    from PIL import Image, ImageDraw, ImageFont

    text = box["text"].replace("\r\n", "\n").strip("\n")
    problems = []
    missing = missing_glyphs(box["font"], text)
    if missing:
        problems.append({"code": "missing_glyphs", "chars": "".join(missing)})
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    wanted = max(1, round(box["size"]))
    font_size = wanted
    while True:
        font = ImageFont.truetype(box["font"], font_size)
        lines = _wrap(draw, text, font, size[0])
        ascent, descent = font.getmetrics()
        line_height = ascent + descent
        too_wide = any(draw.textlength(line, font=font) > size[0] for line in lines)
        if (line_height * len(lines) <= size[1] and not too_wide) or font_size <= max(
            1, round(wanted * MIN_TEXT_SCALE)
        ):
            break
        font_size = max(1, round(font_size * TEXT_SCALE_STEP) if font_size > 20 else font_size - 1)
    if line_height * len(lines) > size[1] or too_wide:
        problems.append({"code": "overflow"})
    top = (size[1] - line_height * len(lines)) / 2
    align = box.get("align") or "center"
    for index, line in enumerate(lines):
        length = draw.textlength(line, font=font)
        if align == "left":
            left = 0
        elif align == "right":
            left = size[0] - length
        else:
            left = (size[0] - length) / 2
        draw.text(
            (left, top + index * line_height + ascent),
            line,
            font=font,
            fill=_color(box.get("color")),
            anchor="ls",
        )
    return layer, problems


def _wrap(draw, text, font, width):
    """Lines of ``text`` (its own line breaks kept) at most ``width`` pixels wide where words
    allow it."""
    lines = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = "%s %s" % (current, word) if current else word
            if not current or draw.textlength(candidate, font=font) <= width:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def _color(value):
    value = (value or "#000000").lstrip("#")
    try:
        return (*(int(value[i : i + 2], 16) for i in (0, 2, 4)), 255)
    except ValueError:
        return (0, 0, 0, 255)


def missing_glyphs(font_path, text):
    """The characters of ``text`` that the font draws as its "missing" glyph, in order."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, GLYPH_PROBE_SIZE)

    def picture(char):
        image = Image.new("L", (GLYPH_PROBE_SIZE * 2, GLYPH_PROBE_SIZE * 2), 0)
        ImageDraw.Draw(image).text((GLYPH_PROBE_SIZE // 2, 0), char, font=font, fill=255)
        return image.tobytes()

    unknown = picture(NOT_A_CHARACTER)
    missing = []
    for char in dict.fromkeys(text):
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            continue
        if picture(char) == unknown:
            missing.append(char)
    return missing


def _limit_resources():
    try:
        import resource
    except ImportError:  # not on every platform: the caller's timeout still bounds the run
        return
    for kind, wanted in (
        (resource.RLIMIT_AS, MEMORY_LIMIT_BYTES),
        (resource.RLIMIT_CPU, CPU_LIMIT_SECONDS),
    ):
        _soft, hard = resource.getrlimit(kind)
        value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError) as error:
            sys.stderr.write("limit not set: %s\n" % error)


def main():
    """Child-process entry: limits itself, reads the spec on stdin, prints the result."""
    _limit_resources()
    spec = json.loads(sys.stdin.buffer.read())
    try:
        result = render(spec)
    except Warning as error:
        # DecompressionBombWarning, raised as an error by _open_image.
        result = {"error": "too_many_pixels", "detail": str(error)[:200]}
    except Exception as error:  # hostile input: any decoder failure is a refusal
        code = (
            "too_many_pixels"
            if type(error).__name__ == "DecompressionBombError"
            else ("unreadable")
        )
        result = {"error": code, "detail": str(error)[:200]}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
