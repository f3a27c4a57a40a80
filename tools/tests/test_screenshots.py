"""tools/screenshots.py's parts that need no Odoo: DevToolsActivePort, Chromium over the
DevTools Protocol, the PNG reduction and the messages when something is missing."""

import importlib.util
import io
import random
from pathlib import Path

import pytest
from PIL import Image

SCRIPT = Path(__file__).resolve().parent.parent / "screenshots.py"
_spec = importlib.util.spec_from_file_location("gelato_screenshots", SCRIPT)
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("38211\n/devtools/browser/4b1e-9c\n", (38211, "/devtools/browser/4b1e-9c")),
        ("38211\r\n/devtools/browser/4b1e-9c", (38211, "/devtools/browser/4b1e-9c")),
        ("38211\n", None),  # Chromium has not written the second line yet
        ("", None),
        ("port\n/devtools/browser/x\n", None),
        ("38211\ndevtools/browser/x\n", None),
    ],
)
def test_read_devtools_active_port(tmp_path, content, expected):
    path = tmp_path / "DevToolsActivePort"
    path.write_text(content, encoding="ascii")
    assert screenshots.read_devtools_active_port(path) == expected


def test_read_devtools_active_port_missing_or_binary(tmp_path):
    assert screenshots.read_devtools_active_port(tmp_path / "DevToolsActivePort") is None
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe38211\n/x\n")
    assert screenshots.read_devtools_active_port(binary) is None


@pytest.mark.parametrize("port", ["0", "65536"])
def test_read_devtools_active_port_refuses_no_port(tmp_path, port):
    path = tmp_path / "DevToolsActivePort"
    path.write_text(f"{port}\n/devtools/browser/x\n", encoding="ascii")
    with pytest.raises(ValueError, match="no TCP port"):
        screenshots.read_devtools_active_port(path)


def test_no_server_says_make_run():
    odoo = screenshots.Odoo("http://127.0.0.1:9", "gelato_demo", timeout=5)  # discard: closed
    with pytest.raises(screenshots.ScreenshotError, match="make run"):
        odoo.authenticate("admin", "admin")


def test_no_chromium_says_what_to_install(tmp_path):
    with pytest.raises(screenshots.ScreenshotError, match="apt-get install chromium"):
        screenshots.find_chromium(str(tmp_path / "no-chrome"))


def test_reduce_png_keeps_the_picture_smaller():
    """A picture of 200 colours (a UI has few) comes back the same, in fewer bytes."""
    draw = random.Random(7)
    colours = [tuple(draw.randrange(256) for _ in range(3)) for _ in range(200)]
    image = Image.new("RGB", (320, 200))
    for x in range(0, 320, 2):
        for y in range(0, 200, 2):
            image.paste(draw.choice(colours), (x, y, x + 2, y + 2))
    raw = io.BytesIO()
    image.save(raw, format="PNG")
    reduced_png = screenshots.reduce_png(raw.getvalue())
    assert len(reduced_png) < raw.tell()
    reduced = Image.open(io.BytesIO(reduced_png))
    assert reduced.mode == "P"
    assert list(reduced.convert("RGB").getdata()) == list(image.getdata())


def test_chromium_page_takes_a_screenshot(tmp_path):
    """The real Chromium: started headless, found through DevToolsActivePort, driven over
    CDP until the page shows the selector, captured at the viewport's size."""
    page_file = tmp_path / "page.html"
    page_file.write_text(
        '<html><body><div class="o_form_view">Gelato</div></body></html>', encoding="utf-8"
    )
    out = tmp_path / "shot.png"
    with screenshots.chromium_page(screenshots.find_chromium()) as page:
        page.send("Page.enable")
        width, height = screenshots.VIEWPORT
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        screenshots.shoot(page, page_file.as_uri(), ".o_form_view", out, timeout=30)
        assert page.evaluate("document.querySelector('.o_form_view').textContent") == "Gelato"
    assert Image.open(out).size == screenshots.VIEWPORT
