"""Layouts of personalisable areas: the default one, and a layout turned into a render spec.

All sizes of a layout are in millimetres from the area's top-left corner; a spec is in pixels
at a resolution (see ``render``).
"""

from . import const


def mm_to_px(mm, dpi):
    return mm / const.MM_PER_INCH * dpi


def area_pixels(width_mm, height_mm, dpi=const.PRINT_DPI):
    """Pixel size of an area at ``dpi`` (300 dpi: what Gelato prints from)."""
    return max(1, round(mm_to_px(width_mm, dpi))), max(1, round(mm_to_px(height_mm, dpi)))


def points_to_px(points, dpi):
    return points / const.POINTS_PER_INCH * dpi


def default_layout(areas, texts):
    """The layout a product gets when synchronised: each area's image fills it; the texts are
    stacked in a band over the lower part of the first area.

    :param list areas: ``[(print_area, placeholder name, width_mm, height_mm)]`` in order.
    :param list texts: ``[(placeholder name, default text)]``.
    :return: box values ``[{"print_area", "kind", "name", "x_mm", "y_mm", "width_mm",
        "height_mm", ...}]``.
    """
    boxes = []
    for print_area, name, width, height in areas:
        boxes.append(
            {
                "print_area": print_area,
                "kind": "image",
                "name": name or print_area,
                "x_mm": 0.0,
                "y_mm": 0.0,
                "width_mm": width,
                "height_mm": height,
                "fit": "slice",
            }
        )
    if areas and texts:
        print_area, _name, width, height = areas[0]
        top, bottom = height * const.TEXT_BAND_TOP, height * const.TEXT_BAND_BOTTOM
        slot = (bottom - top) / len(texts)
        margin = width * const.TEXT_MARGIN
        for index, (name, text) in enumerate(texts):
            boxes.append(
                {
                    "print_area": print_area,
                    "kind": "text",
                    "name": name,
                    "default_text": text or "",
                    "x_mm": round(margin, 2),
                    "y_mm": round(top + index * slot, 2),
                    "width_mm": round(width - 2 * margin, 2),
                    "height_mm": round(slot, 2),
                    # mm of the slot to points of type.
                    "font_size": round(
                        slot * const.TEXT_SIZE_SHARE / const.MM_PER_INCH * const.POINTS_PER_INCH, 1
                    ),
                    "max_chars": const.DEFAULT_MAX_CHARS,
                    "align": "center",
                }
            )
    return boxes


def render_spec(width_mm, height_mm, boxes, dpi, background=None, image_format="png"):
    """The renderer's input for one area.

    :param list boxes: ``[{"id", "kind", "x_mm", "y_mm", "width_mm", "height_mm", ...
        "text"/"image"/"font" (a path)/"font_size" (points)/"color"/"align"/"fit"}]``.
    :param str background: the default design (base64 PNG/JPEG) drawn under the boxes.
    """
    width_px, height_px = area_pixels(width_mm, height_mm, dpi)
    spec_boxes = []
    for box in boxes:
        item = {
            "id": box["id"],
            "kind": box["kind"],
            "x": mm_to_px(box["x_mm"], dpi),
            "y": mm_to_px(box["y_mm"], dpi),
            "w": mm_to_px(box["width_mm"], dpi),
            "h": mm_to_px(box["height_mm"], dpi),
        }
        if box["kind"] == "image":
            item.update(fit=box.get("fit") or "slice", image=box.get("image"))
        else:
            item.update(
                text=box.get("text") or "",
                font=box["font"],
                size=points_to_px(box.get("font_size") or 12, dpi),
                color=box.get("color") or "#000000",
                align=box.get("align") or "center",
            )
        spec_boxes.append(item)
    return {
        "width_px": width_px,
        "height_px": height_px,
        "dpi": dpi,
        "format": image_format,
        "background": background,
        "boxes": spec_boxes,
    }
