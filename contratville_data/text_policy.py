"""The text policy: which characters a cell of raw/ may hold, and how each refusal is worded.

Every cell of every table (codes, numbers and dates too) must be:

- in Unicode NFC (``É`` typed as one character, not ``E`` followed by a combining accent);
- free of control characters (category Cc: C0 such as NUL, tab, line feed, carriage return; DEL;
  C1 such as U+0085): a cell holds one line, so a line break inside a quoted cell is refused too;
- free of invisible or special characters: format characters (Cf: zero-width space U+200B, bidi
  controls such as U+202E, a byte order mark U+FEFF inside a cell, soft hyphen...), line and
  paragraph separators (U+2028, U+2029), space separators other than the ordinary space U+0020
  (no-break space U+00A0, narrow no-break and thin spaces...), private-use and unassigned code points;
- without leading, trailing or doubled spaces;
- written with ASCII digits only: a decimal digit of another script (fullwidth ``０``, Arabic-Indic
  ``٥``...) is refused in any cell, so codes and numbers cannot hide look-alike digits.

Text cells (fields of type ``string``) must also:

- not mix scripts within a word (a word is a maximal run of letters and combining marks; a letter's
  script is the first word of the Unicode name of its compatibility form, so ``é`` and ``ß`` are
  Latin, ``µ`` Greek; digits and punctuation are neutral; Chinese, Japanese and Korean scripts count
  as one): a Cyrillic ``у`` in ``Firminу`` is refused;
- not start, once NFKC-normalised and stripped of invisible characters, with ``=``, ``+``, ``-`` or
  ``@`` (nor start with a tab or carriage return), which spreadsheets run as formulas: fullwidth
  ``＝`` and ``=`` behind a zero-width space are caught;
- in an address field (named ``url`` or ending with ``_url``): be an ``http://`` or ``https://``
  address with a host, or a relative path inside this repository (``docs/reference-facts.md``);
  ``javascript:``, ``data:``, ``file:`` and other schemes are refused.

Each finding names the character (Unicode name and ``U+XXXX``), its position in the cell (1 = the
first character) and what to type instead. The module works on plain strings; ``check`` turns
findings into problems with file, line and column.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Characters that make a spreadsheet run a cell as a formula, at its start.
FORMULA_CHARACTERS = "=+-@"
#: Categories of characters no cell may hold (besides Cc, reported as control characters).
INVISIBLE = {"Cf": "format character", "Zl": "line separator", "Zp": "paragraph separator",
             "Zs": "space other than the ordinary space", "Co": "private-use character",
             "Cn": "unassigned code point", "Cs": "surrogate"}
#: Names of control characters, which the Unicode database leaves unnamed.
_CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION",
                  0x0A: "LINE FEED", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN",
                  0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}
#: Scripts that are written together within one word.
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "IDEOGRAPHIC": "CJK"}
#: How much of a long cell a message quotes.
QUOTED_CHARS = 80


@dataclass(frozen=True)
class Finding:
    """One breach of the policy in one cell: its problem type, message, position (1-based) and hint."""

    type: str
    message: str
    position: int | None
    hint: str


def describe(character: str) -> str:
    """A character as people can look it up, e.g. ``ZERO WIDTH SPACE (U+200B)``."""
    code = ord(character)
    name = unicodedata.name(character, None) or _CONTROL_NAMES.get(code)
    if name is None:
        name = "control character" if unicodedata.category(character) == "Cc" else "unnamed character"
    return f"{name} (U+{code:04X})"


def quoted(text: str) -> str:
    """``text`` in quotes, shortened to ``QUOTED_CHARS`` characters."""
    return repr(text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…")


def is_url_field(name: str) -> bool:
    """Whether a field holds an address: it is named ``url`` or its name ends with ``_url``."""
    return name == "url" or name.endswith("_url")


def check_text(value: str, *, text: bool = True, url: bool = False) -> list[Finding]:
    """Every breach of the policy in one cell, at most one per kind.

    ``text`` adds the checks of text cells (scripts, formulas); ``url`` those of address fields.
    """
    findings = _characters(value)
    findings += _spaces(value)
    if not unicodedata.is_normalized("NFC", value):
        findings.append(_not_nfc(value))
    if text:
        findings += _mixed_scripts(value) + _formula(value)
        if url:
            findings += check_url(value)
    return findings


def _characters(value: str) -> list[Finding]:
    if value.isascii() and value.isprintable():
        return []
    control = invisible = digit = None
    for index, character in enumerate(value):
        category = unicodedata.category(character)
        if category == "Cc" and control is None:
            control = index
        elif category in INVISIBLE and character != " " and invisible is None:
            invisible = index
        elif category == "Nd" and not character.isascii() and digit is None:
            digit = index
    findings = []
    if digit is not None:
        character = value[digit]
        findings.append(Finding("non-ascii-digit", f"{describe(character)} at character {digit + 1}: only the ASCII "
                                f"digits 0-9 are allowed{_more(value, digit)}", digit + 1,
                                f"type the ASCII digit {unicodedata.digit(character)}"))
    if control is not None:
        character = value[control]
        hint = ("write the value on one line: a cell may not hold a line break" if character in "\n\r\x0b\x0c\x85"
                else "type a space instead" if character == "\t"
                else "delete it: it is invisible in most editors")
        findings.append(Finding("control-character", f"control character {describe(character)} at character "
                                f"{control + 1}{_more(value, control)}", control + 1, hint))
    if invisible is not None:
        character = value[invisible]
        category = unicodedata.category(character)
        hint = ("type an ordinary space (U+0020) instead" if category == "Zs"
                else "write the value on one line" if category in ("Zl", "Zp")
                else "delete it: it is invisible in most editors")
        findings.append(Finding("invisible-character", f"{describe(character)}, a {INVISIBLE[category]}, at "
                                f"character {invisible + 1}{_more(value, invisible)}", invisible + 1, hint))
    return findings


def _more(value: str, index: int) -> str:
    """`` (and 2 more)`` when the cell holds the same character again."""
    count = value.count(value[index]) - 1
    return f" (and {count} more)" if count else ""


def _spaces(value: str) -> list[Finding]:
    if value != value.strip(" "):
        return [Finding("whitespace", "leading or trailing spaces", None, "remove the spaces around the value")]
    if "  " in value:
        position = value.index("  ") + 2
        return [Finding("whitespace", f"two spaces in a row at character {position}", position,
                        "type a single space between words")]
    return []


def _not_nfc(value: str) -> Finding:
    normal = unicodedata.normalize("NFC", value)
    index = next((i for i, c in enumerate(value) if unicodedata.combining(c) or unicodedata.normalize("NFC", c) != c),
                 None)
    what = (f": {describe(value[index])} at character {index + 1} is written apart from its letter"
            if index is not None and unicodedata.combining(value[index])
            else f": {describe(value[index])} at character {index + 1} has a canonical equivalent"
            if index is not None else "")
    return Finding("unicode-form", f"not in Unicode NFC form{what}", None if index is None else index + 1,
                   f"type the composed form (NFC): {quoted(normal)}")


def script(letter: str) -> str:
    """The script of a letter: the first word of the Unicode name of its NFKC form (``LATIN``, ``CYRILLIC``...)."""
    compatible = unicodedata.normalize("NFKC", letter)[:1] or letter
    name = unicodedata.name(compatible, "") or unicodedata.name(letter, "UNKNOWN")
    first = name.split()[0]
    return _SCRIPT_GROUPS.get(first, first)


def _mixed_scripts(value: str) -> list[Finding]:
    if value.isascii():
        return []
    start = None
    for index, character in enumerate(value + " "):
        in_word = unicodedata.category(character)[0] in "LM"
        if in_word and start is None:
            start = index
        elif not in_word and start is not None:
            finding = _word_scripts(value, start, index)
            if finding:
                return [finding]
            start = None
    return []


def _word_scripts(value: str, start: int, end: int) -> Finding | None:
    letters = [(i, script(value[i])) for i in range(start, end) if unicodedata.category(value[i])[0] == "L"]
    scripts = [s for _, s in letters]
    if len(set(scripts)) < 2:
        return None
    main = max(sorted(set(scripts)), key=scripts.count)
    index = next(i for i, s in letters if s != main)
    word = value[start:end]
    return Finding("mixed-script", f"the word {quoted(word)} mixes scripts: {describe(value[index])} at character "
                   f"{index + 1} among {main.title()} letters", index + 1,
                   f"retype the word in {main.title()} letters only: a look-alike letter of another alphabet "
                   "was typed or pasted")


def _formula(value: str) -> list[Finding]:
    if value and value[0] in FORMULA_CHARACTERS + "\t\r":
        return [Finding("formula", f"text starts with {describe(value[0])}, a character that makes a spreadsheet "
                        "run it as a formula", 1, "reword the value so that it does not start with =, +, -, @, tab or "
                        "carriage return")]
    for index, character in enumerate(value):
        if unicodedata.category(character) in INVISIBLE or unicodedata.category(character) == "Cc":
            continue
        compatible = unicodedata.normalize("NFKC", character)[:1]
        if compatible in FORMULA_CHARACTERS:
            hidden = f" behind {index} invisible character(s)" if index else ""
            read = f", read as {compatible!r}," if compatible != character else ""
            return [Finding("formula", f"starts with {describe(character)}{hidden}{read} which makes a spreadsheet "
                            "run the text as a formula", index + 1,
                            "reword the value so that it does not start with =, +, -, @ or a character that looks "
                            "like them")]
        break
    return []


def check_url(value: str) -> list[Finding]:
    """An address must be http(s) with a host, or a relative path inside the repository."""
    scheme = value.split(":", 1)[0] if ":" in value else None
    if scheme is None:
        if value.startswith("/") or "\\" in value or ".." in value.split("/") or " " in value:
            return [Finding("url", "neither a web address nor a relative path inside the repository", 1,
                            "write an address starting with https:// or a path such as docs/reference-facts.md")]
        return []
    if scheme not in ("http", "https"):
        return [Finding("url", f"the address scheme {scheme + ':'!r} is not allowed: only http:// and https:// "
                        "addresses (or a path inside this repository)", 1,
                        "write the web address of the source, starting with https://")]
    try:
        host = urlsplit(value).hostname
    except ValueError:
        host = None
    if not host or " " in value:
        return [Finding("url", "not a web address: no host after the scheme, or a space in it", 1,
                        "write the full address, such as https://example.org/page (spaces as %20)")]
    return []


def ascii_digit_hint(value: str) -> tuple[int, str] | None:
    """For a code or number written with a non-ASCII character: its position and what to type instead."""
    index = next((i for i, c in enumerate(value) if not c.isascii()), None)
    if index is None:
        return None
    character = value[index]
    digit = unicodedata.digit(character, None)
    compatible = unicodedata.normalize("NFKC", character)
    instead = (f"type the ASCII digit {digit}" if digit is not None
               else f"type {compatible!r}" if compatible.isascii() and compatible.isprintable()
               else "type it with ASCII characters")
    return index + 1, f"character {index + 1} is {describe(character)}: {instead}"


def caseless(value: str) -> str:
    """The form values are compared in for uniqueness: canonical caseless matching (NFD, case folding, NFC)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", value).casefold())
