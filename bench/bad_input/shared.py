"""What the three parts of the bad-input run share: sizes, the webhook secret, the test of a
readable message, the log watch and a good print file."""

import io
import logging

from common import WEBHOOK_SECRET

SIZES = {
    "full": {
        "examples": 10_000,
        "orders": 12,
        "print_files": "all",
        "garbage": "all",
    },
    "short": {
        "examples": 300,
        "orders": 3,
        "print_files": "short",
        "garbage": "short",
    },
}
SECRET = WEBHOOK_SECRET
POSTER_TEMPLATE = "poster-30x40-matte"
# How many 5xx (and other wrong answers) are reported one by one before they are only counted.
MAX_DETAILED = 25
# Words that betray a crash in a message meant for a user.
CRASH_WORDS = (
    "Traceback",
    "Unexpected error",
    "AttributeError",
    "TypeError",
    "KeyError",
    "IndexError",
    "ValueError",
    "NoneType",
    "object has no attribute",
    "JSONDecodeError",
)


def readable(message):
    """Whether ``message`` is a sentence for a user rather than a crash's text."""
    return (
        isinstance(message, str)
        and 10 <= len(message.strip()) <= 3000
        and not any(word in message for word in CRASH_WORDS)
    )


def short(text, size=300):
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= size else text[: size - 3] + "..."


class LogWatch(logging.Handler):
    """Collects the warnings and errors Odoo and the add-on log in this process."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []
        self.reported = set()  # indexes of the errors already reported as problems

    def emit(self, record):
        self.records.append(record)

    def errors(self, start=0):
        """The errors logged since ``start`` (an index in ``records``) not reported yet; they
        are reported now."""
        found = [
            record
            for index, record in enumerate(self.records[start:], start)
            if record.levelno >= logging.ERROR and index not in self.reported
        ]
        self.reported.update(
            index
            for index, record in enumerate(self.records[start:], start)
            if record.levelno >= logging.ERROR
        )
        return found

    def __enter__(self):
        self.logger = logging.getLogger("odoo")
        self.logger.addHandler(self)
        # Collected and summarised here instead of printed line by line.
        self.propagate = self.logger.propagate
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate


def solid_png(width, height):
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(output, "PNG")
    return output.getvalue()


def server_log_errors(path):
    """The ERROR and CRITICAL lines of the Odoo server's log."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", errors="replace") as log:
        return [line.strip() for line in log if " ERROR " in line or " CRITICAL " in line]
