"""Data only: fonts, limits and defaults of the personalisation."""

# Print resolution: Gelato's file guidelines ask for 300 dpi at print size
# (https://support.gelato.com/, "file requirements"; the core checks it: lib/print_file_check).
PRINT_DPI = 300
# The live preview: the same renderer at a resolution a phone shows quickly.
PREVIEW_DPI = 60
# Previews one personalisation may ask for per minute (each starts the renderer, in its own
# process, once per area): a page that asks more often is told to wait, not rendered.
PREVIEW_MAX_PER_MINUTE = 30
MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0

# Fonts offered in the layout editor: key -> (label, path, licence). Paths starting with
# "odoo:" are files of Odoo's own web module (always installed with this add-on; their
# licence files sit next to them); others are absolute system paths, offered only when the
# file exists (Debian's fonts-dejavu-core).
FONTS = {
    "open_sans": (
        "Open Sans",
        "odoo:web/static/fonts/google/Open_Sans/Open_Sans-Regular.ttf",
        "Apache-2.0",
    ),
    "open_sans_bold": (
        "Open Sans Bold",
        "odoo:web/static/fonts/google/Open_Sans/Open_Sans-Bold.ttf",
        "Apache-2.0",
    ),
    "montserrat": (
        "Montserrat",
        "odoo:web/static/fonts/google/Montserrat/Montserrat-Regular.ttf",
        "OFL-1.1",
    ),
    "oswald": ("Oswald", "odoo:web/static/fonts/google/Oswald/Oswald-Regular.ttf", "OFL-1.1"),
    "raleway": (
        "Raleway",
        "odoo:web/static/fonts/google/Raleway/Raleway-Regular.ttf",
        "OFL-1.1",
    ),
    "marck_script": (
        "Marck Script (handwriting)",
        "odoo:web/static/fonts/sign/MarckScript-Regular.ttf",
        "OFL-1.1",
    ),
    "dejavu_sans": (
        "DejaVu Sans (many scripts)",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "Bitstream Vera / public domain",
    ),
    "dejavu_serif": (
        "DejaVu Serif",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "Bitstream Vera / public domain",
    ),
}
DEFAULT_FONT = "open_sans"

# Link and mail defaults (Gelato's e-mail workflow: the link goes out 15 minutes after the order
# and expires after 7 days; https://support.gelato.com/en/articles/8996353).
DEFAULT_MAIL_DELAY_MINUTES = 15
DEFAULT_LINK_VALIDITY_DAYS = 7
DEFAULT_MAX_UPLOAD_MB = 10
# Uploads are refused above this many pixels (Odoo's tools.image.IMAGE_MAX_RESOLUTION).
MAX_UPLOAD_PIXELS = 50_000_000
UPLOAD_TYPES = ("png", "jpeg")

# The default layout: texts stacked in a band over the lower part of the first area.
TEXT_BAND_TOP = 0.55
TEXT_BAND_BOTTOM = 0.95
TEXT_MARGIN = 0.08
# Font size as a share of a text slot's height.
TEXT_SIZE_SHARE = 0.55
DEFAULT_MAX_CHARS = 60
