"""Part 2 of the bad-input run: hostile print files (see bench/bench_bad_input.py)."""

import base64
import io
import json
import random
import resource
import struct
import time
import zlib
from collections import Counter

from common import REPO_ROOT

from .shared import POSTER_TEMPLATE, readable, short, solid_png


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def handmade_png(width, height, idat):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def zeros_stream(total, block=16 * 1024 * 1024):
    """A valid zlib stream of ``total`` zero bytes, made in about a second: one block
    compressed once and repeated (a full flush makes each one stand alone), the rest, and the
    Adler-32 checksum of everything."""
    count, rest = divmod(total, block)
    data = b"\0" * block
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate
    body = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = compressor.compress(b"\0" * rest) + compressor.flush()  # the final block
    checksum = 1
    for _index in range(count):
        checksum = zlib.adler32(data, checksum)
    checksum = zlib.adler32(b"\0" * rest, checksum)
    return b"\x78\xda" + body * count + end + checksum.to_bytes(4, "big")


def solid_jpeg(width, height):
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), (40, 40, 200)).save(output, "JPEG", quality=85)
    return output.getvalue()


def jpeg_claiming(width, height):
    """A small JPEG whose frame header claims ``width`` x ``height`` pixels."""
    data = bytearray(solid_jpeg(64, 64))
    position = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, position + 5, height, width)
    return bytes(data)


def blank_pdf(pages, width_mm=300, height_mm=400):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width_mm * 72 / 25.4, height_mm * 72 / 25.4)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_claiming_pages(count):
    """A one-page PDF whose page tree claims ``count`` pages."""
    data = blank_pdf(1)
    return data.replace(b"/Count 1", b"/Count %d" % count, 1)


def pdf_corrupt_xref():
    """A PDF whose cross-reference table points nowhere."""
    data = blank_pdf(1)
    start = data.rfind(b"xref")
    table_end = data.find(b"trailer", start)
    table = data[start:table_end]
    garbage = bytes(
        b if not 0x30 <= b <= 0x39 else 0x30 + (b * 7 + 3) % 10 for b in table[5:]
    )  # digits scrambled, layout kept
    return data[: start + 5] + garbage + data[table_end:]


def pdf_garbage_objects():
    """A PDF header and trailer around random bytes."""
    return b"%PDF-1.7\n" + random.Random(3).randbytes(4000) + b"\ntrailer\n<<>>\n%%EOF\n"


def pdf_flate_bomb(inflated):
    """A small PDF whose page content inflates to ``inflated`` bytes."""
    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(850, 1134)
    stream = EncodedStreamObject()
    stream._data = zeros_stream(inflated)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# One of each kind for the short run (make test).
SHORT_FILES = {
    "truncated PNG (half)",
    "truncated JPEG (half)",
    "truncated PDF (half)",
    "PDF with a corrupt xref table",
    "PNG claiming 100,000 x 100,000 px",
    "PNG 1000 x 1000 px inflating to 256 MB",
    "PDF named .png",
    "Windows executable named .jpg",
    "empty file",
    "random bytes",
    "good PNG named --preview",
    "good PNG, lone surrogate in its name",
    "PNG bomb named 200,000 characters long",
}


def hostile_files(kind):
    """``[(label, filename, bytes, expectation[, more values])]``: ``refuse`` (must be
    refused) or ``either`` (refused with a clear message, or accepted; bounded either way)."""
    good_png = solid_png(1890, 2520)  # 160 dpi on the 30 x 40 cm poster
    good_jpeg = solid_jpeg(1890, 2520)
    good_pdf = blank_pdf(1)
    gif = b"GIF89a" + random.Random(1).randbytes(200)
    # The security review's PDF (looped pypdf 5.x forever), also as one whose parsing makes
    # pypdf warn megabytes: the add-on's tests make the same files (imported once Odoo is set).
    from odoo.addons.gelato_connector.tests.common import make_hostile_pdf

    files = [
        (
            "PDF: inline image without end marker, /ImportError keys",
            "poster.pdf",
            make_hostile_pdf(),
            "refuse",
        ),
        (
            "PDF whose parsing warns megabytes (40,000 duplicated keys)",
            "poster.pdf",
            make_hostile_pdf(duplicates=40_000),
            "either",
        ),
        # truncated and damaged
        ("truncated PNG (half)", "poster.png", good_png[: len(good_png) // 2], "refuse"),
        ("PNG without its end chunk", "poster.png", good_png[:-12], "refuse"),
        (
            "PNG with a flipped bit",
            "poster.png",
            good_png[:60] + bytes([good_png[60] ^ 1]) + good_png[61:],
            "refuse",
        ),
        ("truncated JPEG (half)", "poster.jpg", good_jpeg[: len(good_jpeg) // 2], "refuse"),
        ("JPEG header only (300 bytes)", "poster.jpg", good_jpeg[:300], "refuse"),
        ("truncated PDF (half)", "poster.pdf", good_pdf[: len(good_pdf) // 2], "refuse"),
        ("PDF header around random bytes", "poster.pdf", pdf_garbage_objects(), "refuse"),
        ("PDF with a corrupt xref table", "poster.pdf", pdf_corrupt_xref(), "either"),
        # decompression bombs
        (
            "PNG claiming 100,000 x 100,000 px",
            "bomb.png",
            handmade_png(100_000, 100_000, zlib.compress(b"\0" * 1000)),
            "refuse",
        ),
        ("JPEG claiming 65,000 x 65,000 px", "bomb.jpg", jpeg_claiming(65_000, 65_000), "refuse"),
        (
            "PNG 1000 x 1000 px inflating to 256 MB",
            "bomb.png",
            handmade_png(1000, 1000, zeros_stream(256 * 1024 * 1024)),
            "refuse",
        ),
        # wrong extension, wrong type
        ("PDF named .png", "poster.png", good_pdf, "refuse"),
        ("PNG named .pdf", "poster.pdf", good_png, "refuse"),
        ("JPEG named .png", "poster.png", good_jpeg, "refuse"),
        ("text named .jpg", "poster.jpg", b"Just some text, not an image.\n" * 20, "refuse"),
        (
            "ZIP named .jpg",
            "poster.jpg",
            b"PK\x03\x04" + random.Random(2).randbytes(500),
            "refuse",
        ),
        (
            "Windows executable named .jpg",
            "poster.jpg",
            b"MZ\x90\x00" + random.Random(4).randbytes(2000),
            "refuse",
        ),
        ("GIF named .png", "poster.png", gif, "refuse"),
        ("SVG named .png", "poster.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "refuse"),
        ("PNG named .tif", "poster.tif", good_png, "refuse"),
        ("empty file", "poster.png", b"", "refuse"),
        ("random bytes", "poster.png", random.Random(5).randbytes(8192), "refuse"),
        (
            "PNG signature then random bytes",
            "poster.png",
            b"\x89PNG\r\n\x1a\n" + random.Random(6).randbytes(8192),
            "refuse",
        ),
        ("PNG then a PDF (polyglot)", "poster.png", good_png[:-12] + good_pdf, "refuse"),
        # hostile names around a good file
        ("good PNG named --preview", "--preview", good_png, "refuse"),
        ("good PNG named -", "-", good_png, "refuse"),
        ("good PNG, NUL in its name", "poster\x00.png", good_png, "either"),
        ("good PNG, lone surrogate in its name", "poster\ud800.png", good_png, "either"),
        ("good PNG, name of 1,000 characters", "a" * 996 + ".png", good_png, "either"),
        (
            "PNG bomb named 200,000 characters long",
            "b" * 200_000 + ".png",
            handmade_png(1000, 1000, zeros_stream(256 * 1024 * 1024)),
            "refuse",
        ),
    ]
    if kind == "short":
        files = [entry for entry in files if entry[0] in SHORT_FILES]
    if kind == "all":
        huge_png = handmade_png(12_000, 14_000, zeros_stream(14_000 * (1 + 12_000 * 3)))
        files += [
            # big and slow
            ("valid PNG of 168 Mpx (500 MB decoded)", "huge.png", huge_png, "either"),
            (
                "valid PNG of 168 Mpx as the product image",
                "huge.png",
                huge_png,
                "either",
                {"is_default": True},
            ),
            ("PDF claiming 2 billion pages", "poster.pdf", pdf_claiming_pages(2**31 - 1), "either"),
            ("PDF of 20,000 pages", "poster.pdf", blank_pdf(20_000), "either"),
            (
                "PDF whose page inflates to 1.6 GB",
                "bomb.pdf",
                pdf_flate_bomb(100 * 16 * 1024 * 1024),
                "refuse",
            ),
        ]
    else:
        files += [
            (
                "PDF whose page inflates to 1.3 GB",
                "bomb.pdf",
                pdf_flate_bomb(80 * 16 * 1024 * 1024),
                "refuse",
            ),
        ]
    return files


def setup_print_products(env, tag):
    """Two posters made as a synchronisation makes them: one with a good print file (for
    replacements), one without (for first uploads)."""
    template_data = json.loads(
        (REPO_ROOT / "tools/gelato_sandbox/fixtures/templates/poster-30x40-matte.json").read_text(
            encoding="utf-8"
        )
    )
    template_data["previewUrl"] = ""
    products = env["product.template"].create(
        [
            {
                "name": "Bad input poster %s %s" % (label, tag),
                "type": "consu",
                "gelato_template_ref": POSTER_TEMPLATE,
            }
            for label in ("with file", "without file")
        ]
    )
    for product in products:
        product._gelato_apply_template_data(template_data)
    good = env["gelato.print.file"].create(
        {
            "placement_id": products[0].gelato_placement_ids.id,
            "datas": base64.b64encode(solid_png(1890, 2520)),
            "filename": "good.png",
        }
    )
    env.cr.commit()
    return products, good


def read_good_file(registry, make_env, file_id):
    with registry.cursor() as cr:
        file = make_env(cr)["gelato.print.file"].browse(file_id).exists()
        if not file:
            return None
        return (file.datas, file.filename, file.check_state, file.file_type, file.width_px)


def children_peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def self_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def try_upload(registry, make_env, logs, action, vals, target_id):
    """One upload as a user makes it, in its own transaction (rolled back whatever happens).

    :return: ``{"outcome", "message", "seconds", "fallback", "stored"}``: outcome is
        ``refused`` (a ValidationError/UserError), ``accepted`` or ``crash`` (anything else);
        fallback: the check ran inside this process; stored: what an accepted file recorded.
    """
    from odoo.exceptions import UserError

    start_log = len(logs.records)
    answer = {"outcome": "accepted", "message": "", "stored": ""}
    with registry.cursor() as cr:
        env = make_env(cr)
        files = env["gelato.print.file"]
        start = time.perf_counter()
        try:
            if action == "create":
                file = files.create(dict(vals, placement_id=target_id))
            else:
                file = files.browse(target_id)
                file.write(vals)
            env.flush_all()
            answer["stored"] = "%s %sx%s, %s page(s), %s" % (
                file.file_type,
                file.width_px,
                file.height_px,
                file.page_count,
                file.check_state,
            )
            if vals.get("is_default"):
                answer["stored"] += ", product image %s" % (
                    "made" if file.product_tmpl_id.image_1920 else "missing"
                )
        except UserError as error:  # ValidationError is a UserError
            answer.update(outcome="refused", message=str(error.args[0]))
        except MemoryError as error:
            answer.update(outcome="crash", message="MemoryError in the Odoo process: %r" % error)
        except Exception as error:
            answer.update(
                outcome="crash", message="%s: %s" % (type(error).__name__, short(str(error)))
            )
        answer["seconds"] = time.perf_counter() - start
        cr.rollback()
    answer["fallback"] = any(
        "checking here" in record.getMessage() for record in logs.records[start_log:]
    )
    return answer


class PrintFileRun:
    """Part 2: hostile files uploaded on a print area (first upload) and over a good file."""

    def __init__(self, bench, registry, make_env, size, tag, logs):
        self.bench, self.registry, self.make_env = bench, registry, make_env
        self.size, self.tag, self.logs = size, tag, logs
        self.counts = Counter()
        self.slowest = (0.0, "")
        self.peak_child = (children_peak_rss_mb(), "(before)")

    def run(self):
        print("\n[2] Hostile print files through gelato.print.file (create and replace)")
        files = hostile_files(self.size["print_files"])
        with self.registry.cursor() as cr:
            products, good = setup_print_products(self.make_env(cr), self.tag)
            self.good_id = good.id
            self.empty_placement = products[1].gelato_placement_ids.id
            product_ids = products.ids
        self.good_before = read_good_file(self.registry, self.make_env, self.good_id)
        self_before = self_rss_mb()
        try:
            for label, filename, data, expectation, *more in files:
                self.upload(label, filename, data, expectation, *more)
        finally:
            with self.registry.cursor() as cr:
                self.make_env(cr)["product.template"].browse(product_ids).unlink()
                cr.commit()
        self.report(len(files), self_rss_mb() - self_before)

    def upload(self, label, filename, data, expectation, more=None):
        vals = {"datas": base64.b64encode(data), "filename": filename, **(more or {})}
        answers = {}
        for action, target in (("create", self.empty_placement), ("replace", self.good_id)):
            answer = answers[action] = try_upload(
                self.registry, self.make_env, self.logs, action, vals, target
            )
            self.judge(label, action, expectation, answer)
            if action == "replace":
                kept = read_good_file(self.registry, self.make_env, self.good_id)
                if kept != self.good_before:
                    self.counts["good file lost"] += 1
                    self.bench.problem(
                        "print file %r: the good file on the print area was not kept" % label
                    )
        outcomes = "/".join(sorted({answer["outcome"] for answer in answers.values()}))
        create = answers["create"]
        # The reasons, without the first line (it names the file and the print area).
        detail = create["message"].split("\n", 1)[-1].replace("\n", " ") or create["stored"]
        print(
            "  %-42s %-8s %5.2fs  %s"
            % (
                short(label, 42),
                outcomes,
                max(answer["seconds"] for answer in answers.values()),
                short(detail, 110),
            ),
            flush=True,
        )

    def judge(self, label, action, expectation, answer):
        counts, problem = self.counts, self.bench.problem
        counts["tried"] += 1
        counts[answer["outcome"]] += 1
        if answer["seconds"] > self.slowest[0]:
            self.slowest = (answer["seconds"], label)
        peak = children_peak_rss_mb()
        if peak > self.peak_child[0]:
            self.peak_child = (peak, label)
        reasons = answer["message"].split("\n", 1)[-1]
        if answer["outcome"] == "crash":
            problem("print file %r (%s): crash: %s" % (label, action, answer["message"]))
        elif answer["outcome"] == "refused" and not readable(reasons):
            problem(
                "print file %r (%s): refused without a clear message: %s"
                % (label, action, short(answer["message"]))
            )
        elif answer["outcome"] == "accepted" and expectation == "refuse":
            counts["accepted wrongly"] += 1
            problem("print file %r (%s) was accepted: %s" % (label, action, answer["stored"]))
        if answer["fallback"]:
            problem(
                "print file %r (%s): checked inside the Odoo process (the isolated check could "
                "not start)" % (label, action)
            )
        if answer["seconds"] > 90:
            problem(
                "print file %r (%s): the check took %.0f s" % (label, action, answer["seconds"])
            )

    def report(self, files, self_growth):
        counts, bench = self.counts, self.bench
        print(
            "  tried %s uploads (%s files x create/replace): %s refused, %s accepted (%s wrongly),"
            " %s crashed; good file lost %s times"
            % (
                counts["tried"],
                files,
                counts["refused"],
                counts["accepted"],
                counts["accepted wrongly"],
                counts["crash"],
                counts["good file lost"],
            )
        )
        bench.record("print files: uploads tried", counts["tried"], "uploads")
        bench.record("print files: refused", counts["refused"], "uploads")
        bench.record(
            "print files: accepted wrongly", counts["accepted wrongly"], "uploads", note="goal: 0"
        )
        bench.record("print files: crashes", counts["crash"], "uploads", note="goal: 0")
        bench.record(
            "print files: good file lost", counts["good file lost"], "times", note="goal: 0"
        )
        bench.record(
            "print files: slowest check", self.slowest[0], "s", note=short(self.slowest[1], 40)
        )
        bench.record(
            "print files: peak memory of a check process",
            self.peak_child[0],
            "MB",
            note=short(self.peak_child[1], 40),
        )
        bench.record(
            "print files: memory growth of the Odoo process",
            max(0.0, self_growth),
            "MB",
            note="peak RSS (the files are made here)",
        )
        if self_growth > 512:
            bench.problem("the Odoo process grew by %.0f MB checking print files" % self_growth)
