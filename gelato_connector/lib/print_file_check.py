"""Check a print file (PNG, JPEG or PDF) before Gelato has to print it.

Standard library, Pillow and pypdf only (no Odoo): the connector runs this file as a separate,
resource-limited process (see :func:`main`), so a hostile upload (a decompression bomb, a PDF
that makes a parser loop or explode in memory) can only kill that process, never an Odoo
worker. :func:`inspect_print_file` is also callable directly (tests).

The result is data, not text: ``findings`` carry a ``code`` and ``params`` that the add-on turns
into translated messages (``gelato.print.file._gelato_check_messages``).

Rules (Gelato's file guidelines: https://dashboard.gelato.com/docs/ and its help centre):
PNG, JPEG and PDF are accepted; the usual target is 300 dpi at print size. Here less than
150 dpi is an error and less than 300 dpi a warning.
"""

import base64
import io
import json
import math
import os
import struct
import sys
import warnings
import zlib

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0
TARGET_DPI = 300
MIN_DPI = 150
MAX_BYTES = 256 * 1024 * 1024
# Pillow's own decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS): about 93 x 135 cm at
# 300 dpi, beyond any print area Gelato offers at that resolution.
MAX_PIXELS = 178_956_970
# Aspect ratios further apart than this make Gelato crop or pad the artwork.
ASPECT_TOLERANCE = 0.05
# A PDF page up to this much smaller than the print area is still "at size" (rounding).
PAGE_SIZE_TOLERANCE = 0.02
# Content streams larger than this are not followed to measure placed images (time bound).
PDF_MAX_ANALYSED_CONTENT = 8 * 1024 * 1024

# Limits of the checking process (see main()).
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_CPU_SECONDS = 60
# Exit status of the checker when a library it needs (Pillow, pypdf) cannot be imported: the
# caller refuses the file with that reason, it never checks the file in its own process.
EXIT_MISSING_LIBRARY = 3

MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF-", "pdf"),
)
# Formats recognised only to name them in the error message.
OTHER_MAGIC_NUMBERS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"8BPS", "PSD"),
    (b"PK\x03\x04", "ZIP"),
)
EXTENSIONS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "pdf": "pdf"}
TYPE_NAMES = {"png": "PNG", "jpeg": "JPEG", "pdf": "PDF"}

PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
PNG_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
PNG_COLOR_NAMES = {
    0: "Grayscale",
    2: "RGB",
    3: "Indexed (palette)",
    4: "Grayscale with alpha",
    6: "RGB with alpha",
}
# Adam7 passes: x0, y0, dx, dy.
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
INFLATE_CHUNK = 1024 * 1024

JPEG_COLOR_NAMES = {
    "1": "Black and white",
    "L": "Grayscale",
    "RGB": "RGB",
    "CMYK": "CMYK",
    "YCbCr": "YCbCr",
}


class FileRejected(Exception):
    """The file cannot be used; ``code``/``params`` say why."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# === Entry points === #


def empty_result(status="ok", findings=()):
    """A check's result before anything is known of the file (see :func:`inspect_print_file`)."""
    return {
        "status": status,
        "file_type": None,
        "width_px": 0,
        "height_px": 0,
        "width_mm": 0.0,
        "height_mm": 0.0,
        "dpi": 0,
        "page_count": 0,
        "color_mode": "",
        "findings": list(findings),
    }


def inspect_print_file(data, filename=None, width_mm=None, height_mm=None):
    """Check one print file against the print area it is meant for.

    :param bytes data: the file's content.
    :param str filename: the uploaded name (its extension must match the content).
    :param float width_mm: width of the print area in millimetres (None: no size check).
    :param float height_mm: height of the print area in millimetres.
    :return: ``{"status": "ok"|"warning"|"error", "file_type", "width_px", "height_px",
        "width_mm", "height_mm", "dpi", "page_count", "color_mode", "findings": [...]}``;
        each finding is ``{"level": "error"|"warning"|"info", "code", "params"}``.
    """
    result = empty_result()
    try:
        _inspect(result, data, filename, width_mm, height_mm)
    except FileRejected as rejection:
        _add(result, "error", rejection.code, **rejection.params)
    except MemoryError:
        _add(result, "error", "too_complex", detail="out of memory")
    except RecursionError:
        _add(result, "error", "too_complex", detail="nested too deeply")
    except Exception as error:  # hostile input: any parser failure is a refusal
        if type(error).__name__ == "LimitReachedError":
            # pypdf 6 stops inflating past its own limits: a bomb, refused as too complex.
            _add(result, "error", "too_complex", detail=_short(error))
        else:
            _add(result, "error", "unreadable", detail=_short(error))
    levels = {finding["level"] for finding in result["findings"]}
    result["status"] = "error" if "error" in levels else "warning" if "warning" in levels else "ok"
    return result


def make_preview(data, size=1920):
    """A PNG (with transparency) or JPEG of at most ``size`` pixels a side, or None.

    Only for files :func:`inspect_print_file` accepted; decoding needs the full image in
    memory for PNG (JPEG is decoded at a reduced scale).
    """
    from PIL import Image

    if detect_type(data) not in ("png", "jpeg"):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", (size, size))
            image.thumbnail((size, size))
            has_alpha = image.mode in ("RGBA", "LA") or (
                image.mode == "P" and "transparency" in image.info
            )
            output = io.BytesIO()
            if has_alpha:
                image.convert("RGBA").save(output, "PNG", optimize=True)
            else:
                image.convert("RGB").save(output, "JPEG", quality=90)
    return output.getvalue()


def main():
    """Child-process entry: limits itself, reads the file on stdin, prints the JSON result.

    Arguments: ``--check filename width_mm height_mm`` (an empty file name for none, ``-`` for
    no size), or ``--preview`` to print ``{"preview": base64 or null}`` instead. The mode comes
    first, so a file name can never be taken for it.
    """
    try:
        import resource

        for kind, wanted in (
            (resource.RLIMIT_AS, CHILD_MEMORY_BYTES),
            (resource.RLIMIT_CPU, CHILD_CPU_SECONDS),
        ):
            hard = resource.getrlimit(kind)[1]
            limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(kind, (limit, limit))
    except (ImportError, ValueError, OSError) as error:
        # Not on every platform: the caller's timeout still bounds the check.
        sys.stderr.write("resource limits not set: %s\n" % error)
    try:
        import PIL.Image  # noqa: F401
        import pypdf  # noqa: F401
    except ImportError as error:
        sys.stderr.write("missing library: %s\n" % error)
        sys.exit(EXIT_MISSING_LIBRARY)
    # pypdf warns through logging about each oddity of a damaged file: a hostile file could
    # fill the caller's pipe with megabytes of them. Only errors are written.
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if sys.argv[1:2] == ["--preview"]:
        try:
            preview = make_preview(data)
        except Exception:  # hostile input: no preview, the caller says so
            preview = None
        sys.stdout.write(
            json.dumps({"preview": base64.b64encode(preview).decode() if preview else None})
        )
        sys.stdout.flush()
        return
    if sys.argv[1:2] != ["--check"]:
        sys.exit("usage: print_file_check.py --check NAME WIDTH HEIGHT | --preview")
    filename, width, height = [*sys.argv[2:5], "", "-", "-"][:3]
    result = inspect_print_file(
        data,
        filename or None,
        None if width == "-" else float(width),
        None if height == "-" else float(height),
    )
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()


# === Checks === #


def _inspect(result, data, filename, width_mm, height_mm):
    if not data:
        raise FileRejected("empty")
    if len(data) > MAX_BYTES:
        raise FileRejected(
            "too_big", size_mb=round(len(data) / 1048576), max_mb=MAX_BYTES // 1048576
        )
    file_type = detect_type(data)
    if file_type is None:
        other = next((name for magic, name in OTHER_MAGIC_NUMBERS if data.startswith(magic)), None)
        if other is None and data[:5].lstrip().startswith((b"<svg", b"<?xml")):
            other = "SVG"
        if other:
            raise FileRejected("unsupported_type", detected=other)
        raise FileRejected("unknown_type")
    result["file_type"] = file_type
    declared = extension_type(filename)
    if filename and declared != file_type:
        extension = os.path.splitext(filename)[1] or filename
        if declared is None:
            raise FileRejected("bad_extension", extension=extension, detected=TYPE_NAMES[file_type])
        raise FileRejected("type_mismatch", extension=extension, detected=TYPE_NAMES[file_type])
    if file_type == "pdf":
        _inspect_pdf(result, data, width_mm, height_mm)
    else:
        _inspect_image(result, data, file_type, width_mm, height_mm)


def detect_type(data):
    """``png``, ``jpeg`` or ``pdf`` from the first bytes, else None."""
    head = data[:1024]
    for magic, kind in MAGIC_NUMBERS:
        if head.startswith(magic):
            return kind
    # PDF readers accept up to 1 KB of junk before the header; Gelato's prepress may not, but
    # the content is still a PDF.
    if b"%PDF-" in head:
        return "pdf"
    return None


def extension_type(filename):
    """The file type the name's extension claims (``png``/``jpeg``/``pdf``), else None."""
    if not filename or "." not in filename:
        return None
    return EXTENSIONS.get(filename.rsplit(".", 1)[1].strip().lower())


def _add(result, level, code, **params):
    result["findings"].append({"level": level, "code": code, "params": params})


def _short(error):
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _check_pixels(width, height):
    if width <= 0 or height <= 0:
        raise FileRejected("unreadable", detail="the image has no pixels")
    if width * height > MAX_PIXELS:
        raise FileRejected(
            "too_many_pixels",
            megapixels=round(width * height / 1e6),
            max_megapixels=round(MAX_PIXELS / 1e6),
        )


def _check_resolution(result, width_px, height_px, width_mm, height_mm):
    """Effective dpi when the image covers the print area; aspect ratio."""
    if not (width_mm and height_mm and width_mm > 0 and height_mm > 0):
        return
    # Rounded: 3543 px over 300 mm is 299.97 dpi, which is 300 dpi for any printer.
    dpi = round(min(width_px / (width_mm / MM_PER_INCH), height_px / (height_mm / MM_PER_INCH)))
    result["dpi"] = dpi
    needed = {
        "width_px": round(width_mm / MM_PER_INCH * TARGET_DPI),
        "height_px": round(height_mm / MM_PER_INCH * TARGET_DPI),
    }
    area = {"area_width_mm": _fmt(width_mm), "area_height_mm": _fmt(height_mm)}
    if dpi < MIN_DPI:
        _add(result, "error", "dpi_too_low", dpi=dpi, min_dpi=MIN_DPI, **needed, **area)
    elif dpi < TARGET_DPI:
        _add(result, "warning", "dpi_low", dpi=dpi, target_dpi=TARGET_DPI, **needed, **area)
    _check_aspect(result, width_px / height_px, width_mm / height_mm, **area)


def _check_aspect(result, file_ratio, area_ratio, **area):
    if abs(file_ratio / area_ratio - 1) > ASPECT_TOLERANCE:
        _add(
            result,
            "warning",
            "aspect_ratio",
            file_ratio=_fmt(file_ratio, 2),
            area_ratio=_fmt(area_ratio, 2),
            **area,
        )


def _fmt(number, digits=1):
    rounded = round(float(number), digits)
    return int(rounded) if rounded == int(rounded) else rounded


# --- PNG and JPEG --------------------------------------------------------------------------


def _inspect_image(result, data, file_type, width_mm, height_mm):
    if file_type == "png":
        width, height, color = _walk_png(data)
    else:
        width, height = _jpeg_size(data)
        _check_pixels(width, height)
        if not _jpeg_has_end(data):
            raise FileRejected("truncated")
        color = None
    result["width_px"], result["height_px"] = width, height

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as error:
            raise FileRejected(
                "too_many_pixels",
                megapixels=round(width * height / 1e6),
                max_megapixels=round(MAX_PIXELS / 1e6),
            ) from error
        with image:
            if image.format != file_type.upper() or image.size != (width, height):
                raise FileRejected("unreadable", detail="inconsistent image header")
            if file_type == "jpeg":
                color = JPEG_COLOR_NAMES.get(image.mode, image.mode)
                # Decode at 1/8 scale: every byte of the compressed data is read (a truncated
                # or corrupt stream fails) without holding the full-size image in memory.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                try:
                    image.load()
                except OSError as error:
                    if "truncated" in str(error):
                        raise FileRejected("truncated") from error
                    raise FileRejected("corrupt", detail=_short(error)) from error
            icc = bool(image.info.get("icc_profile"))
    result["color_mode"] = color + (" (ICC profile)" if icc else "")
    if result["color_mode"]:
        _add(result, "info", "color_mode", mode=result["color_mode"])
    if width_mm and height_mm:
        result["width_mm"], result["height_mm"] = _fmt(width_mm), _fmt(height_mm)
    _check_resolution(result, width, height, width_mm, height_mm)


def _walk_png(data):
    """Validate a PNG's structure and compressed data without decoding it into memory.

    Checks every chunk's CRC, IHDR first, IDAT present and contiguous, IEND last, and that the
    image data inflates to exactly the size its header announces (so a decompression bomb
    stops as soon as it exceeds that size).

    :return: ``(width, height, colour description)``.
    """
    header = None  # (width, height, inflated size, colour)
    image_data = None
    idat_done = False
    for kind, body in _png_chunks(data):
        if header is None:
            if kind != b"IHDR":
                raise FileRejected("corrupt", detail="IHDR is not the first chunk")
            header = _read_ihdr(body)
            image_data = _InflateCounter(header[2])
        elif kind == b"IDAT":
            if idat_done:
                raise FileRejected("corrupt", detail="image data is split")
            image_data.feed(body)
        elif kind == b"IEND":
            image_data.finish()
            return header[0], header[1], header[3]
        elif image_data.started:
            idat_done = True
    raise FileRejected("truncated")


def _png_chunks(data):
    """``(type, body)`` of each chunk after the signature, CRC checked."""
    view = memoryview(data)
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", view[position : position + 8])
        end = position + 8 + length + 4
        if end > len(data):
            break
        body = view[position + 8 : end - 4]
        (crc,) = struct.unpack(">I", view[end - 4 : end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise FileRejected("corrupt", detail="bad checksum in the %s chunk" % _chunk(kind))
        yield kind, body
        position = end
    raise FileRejected("truncated")


class _InflateCounter:
    """Inflates a PNG's image data piece by piece, keeping only the count of bytes."""

    def __init__(self, expected):
        self.expected = expected
        self.produced = 0
        self.inflater = zlib.decompressobj()
        self.started = False

    def feed(self, body):
        self.started = True
        pending = bytes(body)
        while pending:
            self.produced += len(self.inflater.decompress(pending, INFLATE_CHUNK))
            if self.produced > self.expected:
                raise FileRejected("corrupt", detail="image data is larger than the image's size")
            pending = self.inflater.unconsumed_tail

    def finish(self):
        if not self.started:
            raise FileRejected("corrupt", detail="no image data")
        if not self.inflater.eof or self.produced != self.expected:
            raise FileRejected("truncated")


def _read_ihdr(body):
    """Width, height, inflated data size and colour description from a PNG's IHDR chunk."""
    if len(body) != 13:
        raise FileRejected("corrupt", detail="invalid IHDR chunk")
    width, height, depth, color_type, method, filter_method, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if (
        color_type not in PNG_CHANNELS
        or depth not in PNG_BIT_DEPTHS[color_type]
        or method
        or filter_method
        or interlace not in (0, 1)
    ):
        raise FileRejected("corrupt", detail="invalid IHDR values")
    _check_pixels(width, height)
    expected = _png_raw_size(width, height, depth * PNG_CHANNELS[color_type], interlace)
    color = PNG_COLOR_NAMES[color_type] + (", 16 bits" if depth == 16 else "")
    return width, height, expected, color


def _chunk(kind):
    return kind.decode("latin-1") if kind.isalpha() else repr(kind)


def _png_raw_size(width, height, bits_per_pixel, interlace):
    """Bytes of filtered scanlines a PNG of this size holds once inflated."""

    def rows(w, h):
        return h * (1 + (w * bits_per_pixel + 7) // 8) if w and h else 0

    if not interlace:
        return rows(width, height)
    return sum(
        rows(max(0, (width - x0 + dx - 1) // dx), max(0, (height - y0 + dy - 1) // dy))
        for x0, y0, dx, dy in ADAM7
    )


def _jpeg_size(data):
    """Width and height from the JPEG's frame header, read before anything is decoded."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise FileRejected("corrupt", detail="invalid JPEG marker")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            raise FileRejected("corrupt", detail="invalid JPEG segment")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if position + 9 > len(data):
                raise FileRejected("truncated")
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        if marker in (0xDA, 0xD9):
            break
        position += 2 + length
    raise FileRejected("truncated" if position + 4 > len(data) else "corrupt", detail="no frame")


def _jpeg_has_end(data):
    """Whether an end-of-image marker follows the last scan (a cut file has none).

    Marker bytes cannot occur inside entropy-coded data (0xFF is stuffed), so the last
    start-of-scan must be followed by an end-of-image marker.
    """
    return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") > 0


# --- PDF ----------------------------------------------------------------------------------


def _inspect_pdf(result, data, width_mm, height_mm):
    reader, page_count = _open_pdf(result, data)
    result["page_count"] = page_count
    page = reader.pages[0]
    box = page.trimbox
    width_pt, height_pt = abs(float(box.width)), abs(float(box.height))
    if (page.get("/Rotate") or 0) % 180 == 90:
        width_pt, height_pt = height_pt, width_pt
    if width_pt < 1 or height_pt < 1:
        raise FileRejected("corrupt", detail="the first page has no size")
    # Decode the first page's content: a damaged stream fails here, not at Gelato's.
    contents = page.get_contents()
    content_size = len(contents.get_data()) if contents is not None else 0
    result["width_px"], result["height_px"] = round(width_pt), round(height_pt)
    page_mm = (width_pt / POINTS_PER_INCH * MM_PER_INCH, height_pt / POINTS_PER_INCH * MM_PER_INCH)
    result["width_mm"], result["height_mm"] = _fmt(page_mm[0]), _fmt(page_mm[1])
    result["color_mode"] = _pdf_colors(reader, page)
    if result["color_mode"]:
        _add(result, "info", "color_mode", mode=result["color_mode"])
    if page_count > 1:
        _add(result, "warning", "pdf_pages", count=page_count)
    if width_mm and height_mm and width_mm > 0 and height_mm > 0:
        images = (
            _pdf_lowest_image_dpi(reader, page, contents)
            if content_size <= PDF_MAX_ANALYSED_CONTENT
            else None
        )
        _check_pdf_fit(result, page_mm, (width_mm, height_mm), images)


def _open_pdf(result, data):
    """The PDF's reader and page count; refuses cut, damaged, locked and empty PDFs."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    # A PDF ends with %%EOF (trailing whitespace or a few bytes of junk are common).
    if b"%%EOF" not in data[-2048:]:
        raise FileRejected("truncated")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileRejected("encrypted")
        page_count = len(reader.pages)
    except FileNotDecryptedError as error:
        raise FileRejected("encrypted") from error
    except PdfReadError as error:
        raise FileRejected("corrupt", detail=_short(error)) from error
    if reader.is_encrypted:
        _add(result, "warning", "pdf_protected")
    if not page_count:
        raise FileRejected("no_pages")
    return reader, page_count


def _check_pdf_fit(result, page_mm, area_mm, image_dpi):
    """Page size and placed images against the print area.

    A PDF page is drawn at its size: a page smaller than the print area is enlarged, its
    raster content with it (half the size, half the resolution). Its size in points is
    measured as if it were 300 dpi artwork; placed images are measured for what they are.
    """
    scale = max(area_mm[0] / page_mm[0], area_mm[1] / page_mm[1])
    area = {"area_width_mm": _fmt(area_mm[0]), "area_height_mm": _fmt(area_mm[1])}
    page_size = {"page_width_mm": _fmt(page_mm[0]), "page_height_mm": _fmt(page_mm[1])}
    if scale > TARGET_DPI / MIN_DPI:
        _add(result, "error", "pdf_page_too_small", **page_size, **area)
    elif scale > 1 + PAGE_SIZE_TOLERANCE:
        _add(result, "warning", "pdf_page_small", **page_size, **area)
    dpi = round(min(TARGET_DPI, TARGET_DPI / scale))
    if image_dpi is not None:
        image_dpi = round(image_dpi / scale)
        if image_dpi < MIN_DPI:
            _add(result, "error", "pdf_image_dpi_too_low", dpi=image_dpi, min_dpi=MIN_DPI)
        elif image_dpi < TARGET_DPI:
            _add(result, "warning", "pdf_image_dpi_low", dpi=image_dpi, target_dpi=TARGET_DPI)
        dpi = min(dpi, image_dpi)
    result["dpi"] = dpi
    _check_aspect(result, page_mm[0] / page_mm[1], area_mm[0] / area_mm[1], **area)


def _pdf_lowest_image_dpi(reader, page, contents):
    """Lowest resolution (pixels per inch of page) of the images the first page draws.

    Follows the page's own content stream (q/Q/cm and Do of image XObjects); images inside
    form XObjects or patterns are not measured.
    """
    from pypdf.generic import ContentStream

    if contents is None:
        return None
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else {}
    images = {}
    for name, reference in xobjects.items():
        xobject = reference.get_object()
        if xobject.get("/Subtype") == "/Image":
            images[name] = (int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0)))
    if not images:
        return None
    lowest = None
    matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = []
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q":
            matrix = stack.pop() if stack else matrix
        elif operator == b"cm" and len(operands) == 6:
            a, b, c, d, e, f = (float(value) for value in operands)
            ma, mb, mc, md, me, mf = matrix
            matrix = (
                a * ma + b * mc,
                a * mb + b * md,
                c * ma + d * mc,
                c * mb + d * md,
                e * ma + f * mc + me,
                e * mb + f * md + mf,
            )
        elif operator == b"Do" and operands and operands[0] in images:
            width_px, height_px = images[operands[0]]
            ma, mb, mc, md = matrix[:4]
            # The unit square an image fills, as transformed by the current matrix (points).
            width_pt, height_pt = math.hypot(ma, mb), math.hypot(mc, md)
            if width_px and height_px and width_pt > 0 and height_pt > 0:
                dpi = min(
                    width_px / (width_pt / POINTS_PER_INCH),
                    height_px / (height_pt / POINTS_PER_INCH),
                )
                lowest = dpi if lowest is None else min(lowest, dpi)
    return lowest


def _pdf_colors(reader, page):
    """Colour spaces the first page uses, and the PDF/X output intent if there is one."""
    found = []

    def note(name):
        if name and name not in found:
            found.append(name)

    def family(space):
        space = space.get_object() if hasattr(space, "get_object") else space
        if isinstance(space, list) and space:
            head = str(space[0])
            if head == "/ICCBased":
                try:
                    channels = int(space[1].get_object().get("/N", 0))
                except (AttributeError, TypeError, ValueError, IndexError):
                    channels = 0
                return {1: "Gray", 3: "RGB", 4: "CMYK"}.get(channels, "ICC")
            if head in ("/Separation", "/DeviceN"):
                return "Spot colours"
            if head == "/Indexed":
                return "Indexed"
            space = head
        return {
            "/DeviceRGB": "RGB",
            "/CalRGB": "RGB",
            "/DeviceCMYK": "CMYK",
            "/DeviceGray": "Gray",
            "/CalGray": "Gray",
            "/Lab": "Lab",
        }.get(str(space))

    try:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        for space in (resources.get("/ColorSpace") or {}).values():
            note(family(space))
        xobjects = resources.get("/XObject")
        for reference in (xobjects.get_object() if xobjects is not None else {}).values():
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Image" and "/ColorSpace" in xobject:
                note(family(xobject["/ColorSpace"]))
        intents = reader.trailer["/Root"].get("/OutputIntents")
        for reference in (intents.get_object() if intents is not None else [])[:3]:
            intent = reference.get_object()
            if str(intent.get("/S", "")).startswith("/GTS_PDFX"):
                note("PDF/X output intent %s" % intent.get("/OutputConditionIdentifier", ""))
    except Exception:  # colour notes are informative only: keep what was found
        found.append("?")
    return ", ".join(name.strip() for name in found)


if __name__ == "__main__":
    main()
