import subprocess
import sys
from pathlib import Path

from odoo.tests import BaseCase, tagged

from odoo.addons.gelato_connector_storage.lib import clients, const, patterns


@tagged("post_install", "-at_install")
class TestStoragePatterns(BaseCase):
    """File names: the pattern's rules, the expected names and what a key says."""

    def test_lib_imports_without_odoo(self):
        lib = Path(patterns.__file__).resolve().parent
        script = (
            "import sys, importlib; sys.path.insert(0, %r); "
            "[importlib.import_module('lib.' + n) for n in ('const', 'patterns', 'clients')]; "
            "assert not [m for m in sys.modules if m == 'odoo' or m.startswith('odoo.')]"
        ) % str(lib.parent)
        subprocess.run([sys.executable, "-c", script], check=True)

    def test_default_pattern_gives_gelato_names(self):
        self.assertEqual(
            patterns.expected_name(const.DEFAULT_FILENAME_PATTERN, "S00042", 1), "S00042_1"
        )
        patterns.validate_pattern(const.DEFAULT_FILENAME_PATTERN)

    def test_constants_and_print_area_token(self):
        pattern = "shop-{order_number}_{order_item_number}-{print_area}"
        patterns.validate_pattern(pattern)
        self.assertEqual(patterns.expected_name(pattern, "S7", 3, "back"), "shop-S7_3-back")

    def test_several_areas_without_token_get_a_suffix(self):
        self.assertEqual(
            patterns.expected_name("{order_number}_{order_item_number}", "S7", 2, "back"),
            "S7_2_back",
        )

    def test_order_numbers_with_slashes_are_written_with_dashes(self):
        self.assertEqual(
            patterns.expected_name("{order_number}_{order_item_number}", "SO/2026/7", 1),
            "SO-2026-7_1",
        )

    def test_invalid_patterns_say_why(self):
        cases = {
            "": "empty",
            "{order_number}": "missing_token",
            "{order_item_number}": "missing_token",
            "{order_number}_{order_item_number}_{order_number}": "repeated_token",
            "{order_number}{order_item_number}": "adjacent_tokens",
            "{order_number}_{order_item_number}{print_area}": "adjacent_tokens",
            "{order_number}_{line}": "unknown_token",
            "{order_number!r}_{order_item_number}": "unknown_token",
            "folder/{order_number}_{order_item_number}": "bad_character",
            "{order_number} {order_item_number}": "bad_character",
            "{order_number}_{order_item_number}?": "bad_character",
            "{order_number_{order_item_number}": "format",
        }
        for pattern, code in cases.items():
            with self.subTest(pattern=pattern):
                with self.assertRaises(patterns.PatternError) as caught:
                    patterns.validate_pattern(pattern)
                self.assertEqual(caught.exception.code, code)

    def test_split_key_extensions_any_case_and_no_subfolders(self):
        self.assertEqual(patterns.split_key("art/S1_1.PNG", "art/"), ("S1_1", "png"))
        self.assertEqual(patterns.split_key("art/S1_1.JpEg", "art/"), ("S1_1", "jpeg"))
        self.assertEqual(patterns.split_key("S1_1.pdf"), ("S1_1", "pdf"))
        for key in ("art/S1_1.gif", "art/old/S1_1.png", "other/S1_1.png", "art/.png", "art/S1_1"):
            with self.subTest(key=key):
                self.assertIsNone(patterns.split_key(key, "art/"))

    def test_prefix_and_etag_normalised(self):
        self.assertEqual(patterns.normalize_prefix("/art/"), "art/")
        self.assertEqual(patterns.normalize_prefix("art"), "art/")
        self.assertEqual(patterns.normalize_prefix(""), "")
        self.assertEqual(patterns.clean_etag('"abc-2"'), "abc-2")
        self.assertEqual(patterns.clean_etag('W/"abc"'), "W/abc")

    def test_read_capped_stops_past_the_limit(self):
        self.assertEqual(clients.read_capped([b"ab", b"cd"], 4), b"abcd")
        with self.assertRaises(clients.StorageError) as caught:
            clients.read_capped(iter([b"ab", b"cd", b"e"]), 4)
        self.assertEqual(caught.exception.code, "too_large")
