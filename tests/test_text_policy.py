"""The text policy on single cells: what it refuses, where it says the character is, what it says to type."""

from __future__ import annotations

import unicodedata

import pytest

from contratville_data.text_policy import ascii_digit_hint, caseless, check_text, check_url, describe, script

# (cell, problem type, position, text the message holds, text the hint holds)
REFUSED = {
    "nfd": ("Saint-E\u0301tienne", "unicode-form", 8, "COMBINING ACUTE ACCENT (U+0301)", "Saint-\u00c9tienne"),
    "angstrom-sign": ("\u212bngstr\u00f6m", "unicode-form", 1, "ANGSTROM SIGN (U+212B)", "\u00c5ngstr\u00f6m"),
    "zero-width-inside": ("Fir\u200bminy", "invisible-character", 4, "ZERO WIDTH SPACE (U+200B)", "delete it"),
    "zero-width-end": ("Firminy\u200b", "invisible-character", 8, "ZERO WIDTH SPACE (U+200B)", "delete it"),
    "bidi-override": ("Fir\u202eyinim", "invisible-character", 4, "RIGHT-TO-LEFT OVERRIDE (U+202E)", "delete it"),
    "bom-inside": ("Fir\ufeffminy", "invisible-character", 4, "ZERO WIDTH NO-BREAK SPACE (U+FEFF)", "delete it"),
    "soft-hyphen": ("Fir\u00adminy", "invisible-character", 4, "SOFT HYPHEN (U+00AD)", "delete it"),
    "line-separator": ("Fir\u2028miny", "invisible-character", 4, "LINE SEPARATOR (U+2028)", "one line"),
    "paragraph-separator": ("Fir\u2029miny", "invisible-character", 4, "PARAGRAPH SEPARATOR (U+2029)", "one line"),
    "no-break-space": ("Le\u00a0Chambon", "invisible-character", 3, "NO-BREAK SPACE (U+00A0)", "U+0020"),
    "thin-space": ("80\u2009000", "invisible-character", 3, "THIN SPACE (U+2009)", "U+0020"),
    "narrow-no-break": ("20\u202f%", "invisible-character", 3, "NARROW NO-BREAK SPACE (U+202F)", "U+0020"),
    "ideographic-space": ("a\u3000b", "invisible-character", 2, "IDEOGRAPHIC SPACE (U+3000)", "U+0020"),
    "private-use": ("a\ue000b", "invisible-character", 2, "U+E000", "delete it"),
    "c1-next-line": ("Fir\x85miny", "control-character", 4, "NEXT LINE (U+0085)", "one line"),
    "c1-other": ("Fir\x90miny", "control-character", 4, "U+0090", "delete it"),
    "nul": ("Fir\x00miny", "control-character", 4, "NULL (U+0000)", "delete it"),
    "delete": ("Fir\x7fminy", "control-character", 4, "DELETE (U+007F)", "delete it"),
    "tab-inside": ("Fir\tminy", "control-character", 4, "CHARACTER TABULATION (U+0009)", "space"),
    "line-feed": ("premier\nsecond", "control-character", 8, "LINE FEED (U+000A)", "one line"),
    "crlf": ("premier\r\nsecond", "control-character", 8, "CARRIAGE RETURN (U+000D)", "one line"),
    "leading-space": (" Firminy", "whitespace", None, "leading or trailing", "remove the spaces"),
    "trailing-space": ("Firminy ", "whitespace", None, "leading or trailing", "remove the spaces"),
    "doubled-space": ("Le  Chambon", "whitespace", 4, "two spaces", "single space"),
    "cyrillic-u": ("Firmin\u0443", "mixed-script", 7, "CYRILLIC SMALL LETTER U (U+0443)", "Latin"),
    "cyrillic-a": ("S\u0430int-Chamond", "mixed-script", 2, "CYRILLIC SMALL LETTER A (U+0430)", "Latin"),
    "greek-omicron": ("R\u03bfche-la-Moli\u00e8re", "mixed-script", 2, "GREEK SMALL LETTER OMICRON (U+03BF)", "Latin"),
    "latin-in-cyrillic": ("\u041c\u043e\u0441\u043a\u0432a", "mixed-script", 6, "LATIN SMALL LETTER A", "Cyrillic"),
    "equals": ("=SUM(A1)", "formula", 1, "EQUALS SIGN (U+003D)", "reword"),
    "at": ("@Unieux", "formula", 1, "COMMERCIAL AT (U+0040)", "reword"),
    "fullwidth-equals": ("\uff1dSUM(A1)", "formula", 1, "read as '='", "looks like"),
    "fullwidth-plus": ("\uff0b33 1 23", "formula", 1, "FULLWIDTH PLUS SIGN", "looks like"),
    "small-equals": ("\ufe66 1", "formula", 1, "SMALL EQUALS SIGN", "looks like"),
    "hidden-equals": ("\u200b=SUM(A1)", "formula", 2, "behind 1 invisible", "reword"),
    "hidden-minus": ("\u2060\u200b-1", "formula", 3, "behind 2 invisible", "reword"),
}

ACCEPTED = ["Saint-\u00c9tienne", "Andr\u00e9zieux-Bouth\u00e9on", "c\u0153ur", "l\u2019acc\u00e8s", "2024\u20132030",
            "80 000 habitants, 20 %", "Stra\u00dfe", "na\u00efve", "Montcel, Centre-ville", "La Ricamarie", "x-1",
            "\u00e9t\u00e9 2024", "Loire 42", "\u0391\u03b8\u03ae\u03bd\u03b1", "\u041c\u043e\u0441\u043a\u0432\u0430",
            "\u6771\u4eac\u3068\u304d\u3087\u3046", "a b", "42", "", "-"[1:]]


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_each_breach_names_the_character_its_position_and_what_to_type(case):
    value, kind, position, message, hint = REFUSED[case]
    findings = [f for f in check_text(value) if f.type == kind]
    assert len(findings) == 1, check_text(value)
    assert findings[0].position == position
    assert message in findings[0].message and hint in findings[0].hint


@pytest.mark.parametrize("value", ACCEPTED)
def test_ordinary_french_text_and_single_script_words_pass(value):
    assert check_text(value) == []


def test_codes_and_numbers_get_the_character_checks_but_not_the_text_ones():
    assert check_text("=1", text=False) == []
    assert [f.type for f in check_text("2024\u200b", text=False)] == ["invisible-character"]
    assert [f.type for f in check_text("2024 ", text=False)] == ["whitespace"]


def test_a_repeated_character_is_counted_once_and_its_repeats_said():
    (finding,) = check_text("a\u200bb\u200bc\u200b")
    assert finding.position == 2 and "(and 2 more)" in finding.message


def test_several_breaches_in_one_cell_are_all_reported():
    kinds = {f.type for f in check_text("\u200b=Fir\u0443  mi\u0301ny ")}
    assert kinds == {"invisible-character", "whitespace", "unicode-form", "mixed-script", "formula"}


def test_a_long_cell_is_quoted_short_in_the_hint():
    (finding,) = check_text("e\u0301" * 1000)
    assert len(finding.hint) < 200 and finding.hint.endswith("…'")


@pytest.mark.parametrize("value", ["https://saint-etienne-metropole.fr/x", "http://example.org",
                                   "docs/reference-facts.md", "raw/snapshots/a.txt", "https://example.org:8080/a?b=c#d"])
def test_web_addresses_and_repository_paths_are_addresses(value):
    assert check_url(value) == []
    assert check_text(value, url=True) == []


@pytest.mark.parametrize("value, text", [
    ("javascript:alert(1)", "'javascript:'"), ("JaVaScRiPt:alert(1)", "'JaVaScRiPt:'"),
    ("data:text/html,<script>", "'data:'"), ("file:///etc/passwd", "'file:'"), ("vbscript:x", "'vbscript:'"),
    ("ftp://example.org/x", "'ftp:'"), ("HTTPS://example.org", "'HTTPS:'"), ("https://", "no host"),
    ("https:example.org", "no host"), ("http://[::1", "no host"), ("https://exa mple.org", "a space"),
    ("/etc/passwd", "relative path"), ("../outside.md", "relative path"), ("docs\\x.md", "relative path"),
])
def test_other_schemes_and_paths_outside_the_repository_are_refused(value, text):
    (finding,) = check_url(value)
    assert finding.type == "url" and text in finding.message and "https://" in finding.hint


def test_an_address_is_only_checked_as_one_in_an_address_field():
    assert check_text("javascript:alert(1)") == []
    assert [f.type for f in check_text("javascript:alert(1)", url=True)] == ["url"]


@pytest.mark.parametrize("value, position, instead", [
    ("42\uff1095", 3, "type the ASCII digit 0"), ("4200\u0665", 5, "type the ASCII digit 5"),
    ("5\u0660\u0660", 2, "type the ASCII digit 0"), ("\uff12\uff14\uff14200770", 1, "type the ASCII digit 2"),
    ("2A\u00a0001", 3, "type ' '"), ("\uff21B", 1, "type 'A'"), ("42\u2212", 3, "ASCII characters"),
])
def test_a_non_ascii_character_in_a_code_is_named_with_its_ascii_replacement(value, position, instead):
    found = ascii_digit_hint(value)
    assert found is not None and found[0] == position and instead in found[1]
    assert ascii_digit_hint("42218") is None


def test_names_of_characters_the_unicode_database_leaves_unnamed():
    assert describe("\x85") == "NEXT LINE (U+0085)"
    assert describe("\x9f") == "control character (U+009F)"
    assert describe("\U000e0001") == "LANGUAGE TAG (U+E0001)"
    assert describe("\U0010ffff") == "unnamed character (U+10FFFF)"


def test_scripts_of_letters():
    assert {script(c) for c in "a\u00e9\u00df\u0153\uff21\u00aa"} == {"LATIN"}
    assert script("\u0443") == "CYRILLIC" and script("\u03bf") == "GREEK" and script("\u00b5") == "GREEK"
    assert {script(c) for c in "\u6771\u3068\u30ab\ud55c"} == {"CJK"}


def test_caseless_comparison_folds_case_and_unicode_form():
    assert caseless("D\u00e9partement de la Loire") == caseless("De\u0301partement de la Loire")
    assert caseless("D\u00e9partement de la Loire") == caseless("D\u00c9PARTEMENT DE LA LOIRE")
    assert caseless("Stra\u00dfe") == caseless("STRASSE")
    assert caseless("Firminy") != caseless("Firmin\u0443")
    assert unicodedata.is_normalized("NFC", caseless("E\u0301"))
