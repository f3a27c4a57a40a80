"""Gelato templates turned into variants and placements (``GET /v1/templates/{id}``)."""

from . import const


class GelatoTemplateError(Exception):
    """Gelato's template cannot be turned into a product.

    :param str code: what is wrong (see :func:`template_error_message`).
    :param params: details for the message (template ref, variant title, option...).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


def print_area_file_type(print_area):
    """Gelato's file type (``items[].files[].type``) for a template's ``printArea``.

    A print area ``1`` or ``front`` is sent as ``default``; the others keep their name.
    """
    area = str(print_area if print_area is not None else "").strip().lower() or "default"
    return const.PRINT_AREA_ALIASES.get(area, area)


def print_area_label(print_area):
    """A human name for a print area (``front`` → ``Front``, ``sleeve-left`` → ``Left sleeve``)."""
    area = str(print_area if print_area is not None else "").strip().lower() or "default"
    label = const.PRINT_AREA_LABELS.get(area)
    if label:
        return label
    words = area.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() or area


def _number(value):
    """A positive size in mm, or None when Gelato gives none (no size check then)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = round(float(value), 2)
    except ValueError:
        return None
    return number if number > 0 else None


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _variant_placements(variant_data, template_ref=""):
    """``{file type: {"name", "label", "width", "height"}}`` of one variant, de-duplicated.

    Two placeholders for one print area (several layers in Gelato's editor) become one
    placement: Gelato takes one file per type; the larger size is kept.
    """
    placements = {}
    placeholders = variant_data.get("imagePlaceholders") or []
    if not isinstance(placeholders, list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    for placeholder in placeholders:
        if not isinstance(placeholder, dict):
            continue
        area = placeholder.get("printArea")
        if area is not None and (isinstance(area, bool) or not isinstance(area, (str, int))):
            raise GelatoTemplateError("not_a_template", ref=template_ref)
        file_type = print_area_file_type(area)
        width, height = _number(placeholder.get("width")), _number(placeholder.get("height"))
        name = _text(placeholder.get("name"))
        current = placements.get(file_type)
        if current is None:
            placements[file_type] = {
                "name": name,
                "label": print_area_label(area),
                "width": width,
                "height": height,
            }
            continue
        current["name"] = _join_names(current["name"], name)
        current["width"] = _max(current["width"], width)
        current["height"] = _max(current["height"], height)
    return placements


def _max(first, second):
    values = [v for v in (first, second) if v is not None]
    return max(values) if values else None


def parse_template(data, template_ref):
    """Check and normalise Gelato's answer to ``GET /v1/templates/{id}``.

    :param dict data: Gelato's answer.
    :param str template_ref: the template id asked for (for messages).
    :return: ``{"id", "title", "description", "preview_url", "attributes": [(name, [values])],
        "attribute_keys": [casefolded names], "variants": [{"uid", "id", "title",
        "options": {attribute key: value key}, "placements"}], "placements": {file type:
        {"name", "label", "width", "height", "sequence"}}}``. Attribute and value names keep
        Gelato's spelling of their first appearance; matching is case-insensitive (keys are
        casefolded). ``placements`` is the union over every variant (the largest size per
        print area); each variant keeps its own.
    :raise GelatoTemplateError: when the answer cannot be mapped to variants.
    """
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    raw_variants = [v for v in data["variants"] if isinstance(v, dict)]
    if not raw_variants:
        raise GelatoTemplateError("no_variants", ref=template_ref)
    attributes = {}  # casefolded name -> [name, {casefolded value: value}], in Gelato's order
    variants = [
        _parse_variant(raw, index, template_ref, attributes)
        for index, raw in enumerate(raw_variants)
    ]
    if len(variants) > 1:
        _check_combinations(variants, attributes, template_ref)
    return {
        "id": _text(data.get("id")) or template_ref,
        "title": _text(data.get("title")) or _text(data.get("templateName")),
        "description": data.get("description") if isinstance(data.get("description"), str) else "",
        "preview_url": _text(data.get("previewUrl")),
        "attributes": [(name, list(values.values())) for name, values in attributes.values()],
        "attribute_keys": list(attributes),
        "variants": variants,
        "placements": _merge_placements(variants),
    }


def _parse_variant(raw, index, template_ref, attributes):
    """One variant of a template; its options are added to ``attributes``."""
    uid = _text(raw.get("productUid"))
    title = _text(raw.get("title")) or "#%s" % (index + 1)
    if not uid:
        raise GelatoTemplateError("no_uid", variant=title, ref=template_ref)
    options = {}
    raw_options = raw.get("variantOptions") or []
    if not isinstance(raw_options, list):
        raise GelatoTemplateError("not_a_template", ref=template_ref)
    for option in raw_options:
        if not isinstance(option, dict):
            continue
        name, value = _text(option.get("name")), _text(option.get("value"))
        if not name or not value:
            raise GelatoTemplateError("bad_option", variant=title, ref=template_ref)
        key = name.casefold()
        if key in options:
            raise GelatoTemplateError("option_twice", variant=title, ref=template_ref, option=name)
        attributes.setdefault(key, [name, {}])[1].setdefault(value.casefold(), value)
        options[key] = value.casefold()
    return {
        "uid": uid,
        "id": _text(raw.get("id")),
        "title": title,
        "options": options,
        "placements": _variant_placements(raw, template_ref),
    }


def _check_combinations(variants, attributes, template_ref):
    """Every variant has a value for every option, and no two have the same values."""
    seen = {}
    for variant in variants:
        missing = [name for key, (name, _v) in attributes.items() if key not in variant["options"]]
        if missing:
            raise GelatoTemplateError(
                "missing_option",
                variant=variant["title"],
                ref=template_ref,
                options=", ".join(missing),
            )
        combination = tuple(variant["options"][key] for key in attributes)
        if combination in seen:
            raise GelatoTemplateError(
                "same_options", first=seen[combination], second=variant["title"], ref=template_ref
            )
        seen[combination] = variant["title"]


def _merge_placements(variants):
    """The print areas of all variants: one per file type, with the largest size."""
    placements = {}
    for variant in variants:
        for file_type, placement in variant["placements"].items():
            current = placements.get(file_type)
            if current is None:
                placements[file_type] = dict(placement)
                continue
            current["width"] = _max(current["width"], placement["width"])
            current["height"] = _max(current["height"], placement["height"])
            current["name"] = _join_names(current["name"], placement["name"])
    # "default" first, then Gelato's own order of the types, then the rest as they came.
    known = {file_type: index for index, file_type in enumerate(const.PRINT_FILE_TYPES)}
    ordered = sorted(placements, key=lambda t: known.get(t, len(known)))
    for sequence, file_type in enumerate(ordered, start=1):
        placements[file_type]["sequence"] = sequence * 10
    return {file_type: placements[file_type] for file_type in ordered}


def _join_names(first, second):
    names = [n for n in first.split(", ") if n]
    names += [n for n in second.split(", ") if n and n not in names]
    return ", ".join(names)
