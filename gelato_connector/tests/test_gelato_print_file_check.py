"""Print-file checks (lib/print_file_check.py and its isolated runner in lib/print_files.py), no ORM needed."""

import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from unittest.mock import patch

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import EncodedStreamObject, NameObject

from odoo.tests import BaseCase, tagged

from odoo.addons.gelato_connector.lib import print_file_check, print_files, signing
from odoo.addons.gelato_connector.tests.common import (
    make_hostile_pdf,
    make_jpeg,
    make_pdf,
    make_png,
    pixels,
)

# A 30 x 40 cm poster print area.
AREA = (300, 400)


def codes(result, level=None):
    return [f["code"] for f in result["findings"] if level is None or f["level"] == level]


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def handmade_png(width, height, raw_size=None, interlace=0, idat=None):
    """An RGB PNG whose IDAT inflates to ``raw_size`` bytes (the right size by default)."""
    if raw_size is None:
        raw_size = print_file_check._png_raw_size(width, height, 24, interlace)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, interlace)
    data = idat if idat is not None else zlib.compress(b"\0" * raw_size, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


@tagged("post_install", "-at_install")
class TestPrintFileCheck(BaseCase):
    """inspect_print_file: what Gelato can print, what it cannot, and hostile files."""

    def check(self, data, filename, area=AREA):
        return print_file_check.inspect_print_file(data, filename, *area)

    # --- resolution -----------------------------------------------------------------------

    def test_png_at_300_dpi_is_ready(self):
        result = self.check(make_png(pixels(300, 300), pixels(400, 300)), "poster.png")
        self.assertEqual(result["status"], "ok", result)
        self.assertEqual(result["file_type"], "png")
        self.assertEqual(result["dpi"], 300)
        self.assertEqual((result["width_px"], result["height_px"]), (3543, 4724))
        self.assertEqual(result["color_mode"], "RGB")

    def test_png_between_150_and_300_dpi_is_a_warning(self):
        result = self.check(make_png(pixels(300, 200), pixels(400, 200)), "poster.png")
        self.assertEqual(result["status"], "warning")
        self.assertEqual(codes(result, "warning"), ["dpi_low"])
        self.assertEqual(result["dpi"], 200)
        warning = next(f for f in result["findings"] if f["code"] == "dpi_low")
        # The message says how many pixels 300 dpi needs.
        self.assertEqual(
            (warning["params"]["width_px"], warning["params"]["height_px"]), (3543, 4724)
        )

    def test_png_under_150_dpi_is_an_error(self):
        result = self.check(make_png(pixels(300, 100), pixels(400, 100)), "poster.png")
        self.assertEqual(result["status"], "error")
        self.assertEqual(codes(result, "error"), ["dpi_too_low"])
        self.assertEqual(result["dpi"], 100)

    def test_resolution_is_the_lowest_of_both_sides(self):
        # Wide enough for 300 dpi but only 120 dpi high: it would be stretched to cover.
        result = self.check(make_png(pixels(300, 300), pixels(400, 120)), "poster.png")
        self.assertEqual(result["dpi"], 120)
        self.assertIn("dpi_too_low", codes(result, "error"))
        self.assertIn("aspect_ratio", codes(result, "warning"))

    def test_jpeg_resolution_and_colour_modes(self):
        good = self.check(make_jpeg(pixels(300, 300), pixels(400, 300)), "poster.jpg")
        self.assertEqual((good["status"], good["file_type"], good["dpi"]), ("ok", "jpeg", 300))
        low = self.check(make_jpeg(pixels(300, 160), pixels(400, 160)), "poster.jpeg")
        self.assertEqual((low["status"], low["dpi"]), ("warning", 160))
        bad = self.check(make_jpeg(pixels(300, 90), pixels(400, 90)), "poster.jpg")
        self.assertEqual(codes(bad, "error"), ["dpi_too_low"])
        cmyk = self.check(make_jpeg(pixels(300, 300), pixels(400, 300), "CMYK"), "poster.jpg")
        self.assertEqual(cmyk["color_mode"], "CMYK")
        self.assertIn("color_mode", codes(cmyk, "info"))
        grey = self.check(make_png(600, 800, "L"), "grey.png", (50, 67))
        self.assertEqual(grey["color_mode"], "Grayscale")

    def test_pdf_at_print_size(self):
        result = self.check(make_pdf(300, 400), "poster.pdf")
        self.assertEqual(result["status"], "ok", result)
        self.assertEqual((result["file_type"], result["page_count"]), ("pdf", 1))
        self.assertEqual((result["width_mm"], result["height_mm"]), (300, 400))
        # Points, not pixels, for a PDF: 300 mm is 850 pt.
        self.assertEqual(result["width_px"], 850)

    def test_pdf_page_smaller_than_the_print_area(self):
        warning = self.check(make_pdf(200, 267), "poster.pdf")
        self.assertEqual(codes(warning, "warning"), ["pdf_page_small"])
        error = self.check(make_pdf(100, 133), "poster.pdf")
        self.assertEqual(codes(error, "error"), ["pdf_page_too_small"])

    def test_pdf_raster_images_are_measured(self):
        good = self.check(make_pdf(300, 400, image_px=(3543, 4724)), "poster.pdf")
        self.assertEqual((good["status"], good["dpi"]), ("ok", 300))
        self.assertEqual(good["color_mode"], "RGB")
        low = self.check(make_pdf(300, 400, image_px=(2362, 3150)), "poster.pdf")
        self.assertEqual(codes(low, "warning"), ["pdf_image_dpi_low"])
        self.assertEqual(low["dpi"], 200)
        bad = self.check(make_pdf(300, 400, image_px=(354, 472)), "poster.pdf")
        self.assertEqual(codes(bad, "error"), ["pdf_image_dpi_too_low"])

    def test_pdf_page_count_is_noted(self):
        result = self.check(make_pdf(300, 400, pages=3), "poster.pdf")
        self.assertEqual(result["page_count"], 3)
        self.assertEqual(codes(result, "warning"), ["pdf_pages"])

    # --- wrong type -------------------------------------------------------------------------

    def test_wrong_types_are_refused(self):
        gif = io.BytesIO()
        Image.new("P", (10, 10)).save(gif, "GIF")
        cases = {
            "gif named png": (gif.getvalue(), "art.png", "unsupported_type"),
            "text named png": (b"not an image at all", "art.png", "unknown_type"),
            "jpeg named png": (make_jpeg(100, 100), "art.png", "type_mismatch"),
            "png named jpg": (make_png(100, 100), "art.jpg", "type_mismatch"),
            "pdf named png": (make_pdf(30, 30), "art.png", "type_mismatch"),
            "png named pdf": (make_png(100, 100), "art.pdf", "type_mismatch"),
            "png named .tif": (make_png(100, 100), "art.tif", "bad_extension"),
            "empty": (b"", "art.png", "empty"),
        }
        for name, (data, filename, code) in cases.items():
            with self.subTest(name):
                result = self.check(data, filename)
                self.assertEqual(result["status"], "error")
                self.assertEqual(codes(result, "error"), [code])

    # --- corrupt, truncated, hostile --------------------------------------------------------

    def test_truncated_and_corrupt_png(self):
        good = make_png(pixels(300, 300), pixels(400, 300))
        cases = {
            "cut in half": (good[: len(good) // 2], "truncated"),
            "no end chunk": (good[:-12], "truncated"),
            "flipped bit": (good[:60] + bytes([good[60] ^ 1]) + good[61:], "corrupt"),
            "data too short": (handmade_png(200, 100, raw_size=5000), "truncated"),
            "data too long": (handmade_png(200, 100, raw_size=70000), "corrupt"),
        }
        for name, (data, code) in cases.items():
            with self.subTest(name):
                result = self.check(data, "poster.png")
                self.assertEqual(codes(result, "error"), [code])

    def test_interlaced_png_size_is_understood(self):
        data = handmade_png(37, 23, interlace=1)
        Image.open(io.BytesIO(data)).load()  # Pillow agrees it is complete
        self.assertNotIn("truncated", codes(self.check(data, "small.png", (3, 2))))
        short = handmade_png(
            37, 23, raw_size=print_file_check._png_raw_size(37, 23, 24, 1) - 1, interlace=1
        )
        self.assertEqual(codes(self.check(short, "small.png", (3, 2)), "error"), ["truncated"])

    def test_truncated_and_corrupt_jpeg(self):
        good = make_jpeg(pixels(300, 300), pixels(400, 300))
        self.assertEqual(codes(self.check(good[: len(good) // 2], "p.jpg"), "error"), ["truncated"])
        self.assertEqual(codes(self.check(good[:300], "p.jpg"), "error"), ["truncated"])
        self.assertEqual(self.check(good[:3] + b"\x00" * 50, "p.jpg")["status"], "error")

    def test_truncated_and_corrupt_pdf(self):
        good = make_pdf(300, 400)
        self.assertEqual(codes(self.check(good[: len(good) // 2], "p.pdf"), "error"), ["truncated"])
        broken = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage\n%%EOF\n"
        self.assertEqual(codes(self.check(broken, "p.pdf"), "error"), ["corrupt"])

    def test_password_protected_pdf(self):
        writer = PdfWriter()
        writer.add_blank_page(850, 1134)
        writer.encrypt("secret")
        locked = io.BytesIO()
        writer.write(locked)
        self.assertEqual(codes(self.check(locked.getvalue(), "p.pdf"), "error"), ["encrypted"])

    def test_decompression_bomb_png_is_refused_without_decoding(self):
        # 100 000 x 100 000 pixels announced: refused from the header alone.
        huge = handmade_png(100_000, 100_000, idat=zlib.compress(b"\0" * 1000))
        self.assertEqual(codes(self.check(huge, "bomb.png"), "error"), ["too_many_pixels"])
        # A small image whose data inflates to far more than its size: stopped early.
        bomb = handmade_png(1000, 1000, idat=zlib.compress(b"\0" * 50_000_000, 9))
        self.assertLess(len(bomb), 100_000)
        self.assertEqual(codes(self.check(bomb, "bomb.png"), "error"), ["corrupt"])

    def test_pdf_decompression_bomb_is_refused_by_the_isolated_check(self):
        """A 3 MB PDF whose page inflates to 3 GB: the checking process runs out of its
        memory allowance and the file is refused; Odoo's process is untouched."""
        compressor = zlib.compressobj(9)
        block = b" " * (16 * 1024 * 1024)
        bomb = b"".join([compressor.compress(block) for _i in range(200)] + [compressor.flush()])
        writer = PdfWriter()
        page = writer.add_blank_page(850, 1134)
        stream = EncodedStreamObject()
        stream._data = bomb
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
        output = io.BytesIO()
        writer.write(output)
        result = print_files.check_print_file(output.getvalue(), "bomb.pdf", *AREA)
        self.assertEqual(result["status"], "error")
        self.assertEqual(codes(result, "error"), ["too_complex"])

    def test_hostile_file_names_get_the_same_clean_answer(self):
        """Found by the bad-input run (bench/bench_bad_input.py): a file named '--preview'
        made the isolated check answer a preview instead (the upload crashed), a NUL byte in
        the name crashed it, and a file named '-' skipped the extension check."""
        data = make_png(pixels(300, 200), pixels(400, 200))
        for name in ("--preview", "-", "--check"):
            with self.subTest(name=name):
                result = print_files.check_print_file(data, name, *AREA)
                self.assertEqual(result, self.check(data, name))
                self.assertEqual(codes(result, "error"), ["bad_extension"])
        for name in ("poster\x00.png", "--preview.png", "-.png"):
            with self.subTest(name=name):
                result = print_files.check_print_file(data, name, *AREA)
                self.assertEqual((result["status"], result["file_type"]), ("warning", "png"))

    def test_hostile_file_names_never_move_the_check_into_odoo(self):
        """Found by the bad-input run (bench/bench_bad_input.py): a file name over 128 KB
        could not be passed to the isolated check, which then ran inside the Odoo process
        (a PDF bomb named so would exhaust the worker's memory); a lone surrogate in the
        name crashed the upload."""
        data = make_png(pixels(300, 200), pixels(400, 200))
        with patch.object(
            print_file_check, "inspect_print_file", side_effect=AssertionError("checked here")
        ):
            for name in ("b" * 200_000 + ".png", "poster\ud800.png"):
                with self.subTest(length=len(name)):
                    result = print_files.check_print_file(data, name, *AREA)
                    self.assertEqual((result["status"], result["file_type"]), ("warning", "png"))
            result = print_files.check_print_file(data, "b" * 200_000 + ".pdf", *AREA)
            self.assertEqual(codes(result, "error"), ["type_mismatch"])

    def test_a_pdf_that_loops_pypdf_is_refused_by_the_checker_never_parsed_here(self):
        """Security review: pypdf 5.x looped forever on an inline image without its end
        marker, and the old runner, seeing "ImportError" in the checker's stderr (pypdf's
        warnings quote the file's /ImportError keys), checked the file again inside Odoo.
        The actual ~800-byte file goes through the real check: refused, fast, never here."""
        data = make_hostile_pdf()
        self.assertLess(len(data), 1000)
        with patch.object(
            print_file_check, "inspect_print_file", side_effect=AssertionError("checked here")
        ):
            started = time.monotonic()
            result = print_files.check_print_file(data, "poster.pdf", *AREA)
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(result["status"], "error")
        self.assertIn(codes(result, "error")[0], ("unreadable", "corrupt", "too_complex"))

    def test_the_checker_without_its_libraries_refuses_the_file_with_the_reason(self):
        """A checker that cannot import Pillow or pypdf exits with its own status: the file
        is refused and the administrator is told, never checked in the Odoo process."""
        bare = Path(tempfile.mkdtemp()) / "venv"
        self.addCleanup(shutil.rmtree, bare.parent, True)
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=60
        )
        data = make_png(pixels(300, 200), pixels(400, 200))
        with (
            patch.object(print_files, "CHECKER_PYTHON", str(bare / "bin" / "python")),
            patch.object(
                print_file_check, "inspect_print_file", side_effect=AssertionError("checked here")
            ),
        ):
            result = print_files.check_print_file(data, "poster.png", *AREA)
            preview = print_files.make_print_file_preview(data)
        self.assertEqual(codes(result, "error"), ["check_unavailable"])
        self.assertIn("missing library", result["findings"][0]["params"]["detail"])
        self.assertIsNone(preview)
        with patch.object(print_files, "CHECKER_PYTHON", "/nonexistent/python"):
            result = print_files.check_print_file(data, "poster.png", *AREA)
        self.assertEqual(codes(result, "error"), ["check_unavailable"])

    def test_megabytes_of_parser_warnings_stay_out_of_the_caller(self):
        """A PDF whose parsing makes pypdf warn for every one of 40,000 duplicated keys: the
        check answers, and the caller reads at most a few KB of the checker's stderr."""
        data = make_hostile_pdf(duplicates=40_000)
        self.assertGreater(len(data), 400_000)
        returncode, stdout, stderr = print_files._run_checker(
            ["--check", "poster.pdf", "300.0", "400.0"], data
        )
        self.assertEqual(returncode, 0, stderr)
        self.assertIn(json.loads(stdout)["status"], ("ok", "warning", "error"))
        self.assertLessEqual(len(stderr.encode()), print_files.STDERR_KEPT_BYTES)

    def test_isolated_check_gives_the_same_answer(self):
        data = make_png(pixels(300, 200), pixels(400, 200))
        self.assertEqual(
            print_files.check_print_file(data, "poster.png", *AREA), self.check(data, "poster.png")
        )

    def test_preview_is_small(self):
        preview = print_files.make_print_file_preview(make_png(4000, 3000))
        with Image.open(io.BytesIO(preview)) as image:
            self.assertEqual(image.size, (1920, 1440))
        self.assertIsNone(print_files.make_print_file_preview(make_pdf(30, 30)))


@tagged("post_install", "-at_install")
class TestSignedUrls(BaseCase):
    """HMAC over attachment id and expiry, compared in constant time."""

    SECRET = "server-secret"

    def test_valid_signature(self):
        signature = signing.sign_print_file(self.SECRET, 42, 2_000_000_000)
        self.assertEqual(len(signature), 64)
        self.assertTrue(
            signing.verify_print_file_signature(self.SECRET, 42, 2_000_000_000, signature, now=1e9)
        )

    def test_expired_signature(self):
        signature = signing.sign_print_file(self.SECRET, 42, 1_000)
        self.assertFalse(
            signing.verify_print_file_signature(self.SECRET, 42, 1_000, signature, now=1_001)
        )
        self.assertTrue(
            signing.verify_print_file_signature(self.SECRET, 42, 1_000, signature, now=999)
        )

    def test_tampered_signatures(self):
        expires = 2_000_000_000
        signature = signing.sign_print_file(self.SECRET, 42, expires)
        tampered = {
            "other attachment": (43, expires, signature, self.SECRET),
            "later expiry": (42, expires + 3600, signature, self.SECRET),
            "edited signature": (
                42,
                expires,
                signature[:-1] + ("0" if signature[-1] != "0" else "1"),
                self.SECRET,
            ),
            "other secret": (42, expires, signature, "another-secret"),
            "short signature": (42, expires, signature[:32], self.SECRET),
            "no secret": (42, expires, signature, ""),
        }
        for name, (attachment, expiry, sig, secret) in tampered.items():
            with self.subTest(name):
                self.assertFalse(
                    signing.verify_print_file_signature(secret, attachment, expiry, sig, now=1e9)
                )

    def test_expiry_is_rounded_up_to_the_hour(self):
        now = 1_700_000_123
        expiry = signing.print_file_url_expiry(now, 14)
        self.assertEqual(expiry % 3600, 0)
        self.assertGreaterEqual(expiry, now + 14 * 86400)
        self.assertLess(expiry, now + 14 * 86400 + 3600)

    def test_url_filenames_are_safe(self):
        self.assertEqual(
            signing.url_filename("My Poster (final).PNG", "png"), "My-Poster-final.png"
        )
        self.assertEqual(signing.url_filename("../../etc/passwd", None), "passwd")
        self.assertEqual(signing.url_filename(None, "jpeg"), "print-file.jpg")
