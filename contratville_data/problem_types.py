"""The catalogue of problem types: every problem `build` and `validate` can report, defined once.

A problem type has a stable name, the stages that report it, a title, a cause and a fix.
``docs/errors.md`` is generated from this catalogue. Where the package's own checks find the same
fault as frictionless (a cell of the wrong type, a broken foreign key...), they use frictionless's
name for it, so that `build` and `validate` speak one vocabulary; frictionless's other error types
are taken from frictionless's own error classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .limits import MAX_CELL_CHARS

#: Where a problem is found: the project's metadata, raw/ input, the cross-table rules, a published package.
STAGES = {
    "metadata": "Metadata (`schemas/`, `CHANGELOG.md`, `pyproject.toml`): checked by `build` first",
    "raw": "Raw input (`raw/`): checked by `build`",
    "rules": "Rules across tables: checked by `build`",
    "package": "Published packages: checked by `validate` (and by `build` on what it is about to publish)",
    "frictionless": "Reported by frictionless, which `validate` runs on what it cannot prove valid itself",
}


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its name, the stages that report it, a title, its cause and its fix."""

    name: str
    stages: tuple[str, ...]
    title: str
    cause: str
    fix: str


def _t(name: str, stages: str, title: str, cause: str, fix: str) -> ProblemType:
    return ProblemType(name, tuple(stages.split()), title, cause, fix)


#: The package's own problem types, in the order docs/errors.md lists them.
OWN_TYPES = (
    # metadata
    _t("metadata-json", "metadata", "Unreadable metadata file",
       "`schemas/*.json` is not UTF-8 JSON, is too large, or is nested too deeply; the line is given",
       "fix the commas and quotes around the line given"),
    _t("metadata-profile", "metadata", "Metadata outside the project's profile",
       "a Table Schema or `schemas/package.json` lacks what the project requires (a primary key, a title, "
       "description and example on every field...) or holds a value of the wrong kind; the field gives the JSON path",
       "add or correct the member the message names"),
    _t("metadata-reference", "metadata", "Unknown shared definition",
       "a `$ref` that names no field or pattern of `schemas/fields.json`, or a pattern written inline "
       "instead of named there", "define it once in `schemas/fields.json` and refer to it by name"),
    _t("metadata-pattern", "metadata", "Unsafe pattern",
       "a named pattern that does not compile, uses a class that matches non-ASCII characters "
       "(`\\d`, `\\w`, `\\s`...), "
       "holds non-ASCII characters, or is not accepted by the linear-time RE2 engine",
       "write classes out in ASCII, such as `[0-9]` for a digit"),
    _t("metadata-key", "metadata", "Broken key",
       "a primary or foreign key naming a field that does not exist, a foreign key that does not point at a table's "
       "primary key or whose types differ, or foreign keys that form a cycle",
       "point keys at existing fields and at the referenced table's primary key; break the cycle"),
    _t("changelog", "metadata", "No release entry",
       "`CHANGELOG.md` has no release entry `## [x.y.z] - YYYY-MM-DD`; the package's dates come from it",
       "add the entry"),
    # raw input
    _t("missing-file", "raw package", "File not found",
       "a table's `raw/<table>.csv`, or a resource or schema file of a package, does not exist",
       "create the file (the hint gives the header) or fix the path"),
    _t("empty-file", "raw", "Empty file", "the file is empty (or only white space)",
       "write the header line and the rows"),
    _t("no-rows", "raw", "No rows", "a header but no data rows", "add the rows"),
    _t("bom", "raw", "Byte order mark", "the file starts with a UTF-8 byte order mark (Excel's \"CSV UTF-8\")",
       "save without BOM, or delete the first three bytes"),
    _t("delimiter", "raw", "Not comma-separated",
       "the header is one cell holding `;`, tab or `|`: the file is not comma-separated", "export as CSV with commas"),
    _t("malformed-csv", "raw", "Malformed CSV record",
       "an unbalanced double quote, a quote inside an unquoted cell, or text after a closing quote; "
       "the line is where the record starts", 'quote the whole cell and double any quote inside it: `"say ""hi"""`'),
    _t("snapshot", "raw", "Source snapshot missing or changed",
       "a source's `snapshot` file in `raw/snapshots/` is missing, or its SHA-256 is not the one `sources.csv` records",
       "restore the snapshot, or record a new snapshot with its new SHA-256 and transcription date"),
    _t("boundary", "raw", "Commune boundary missing or unexpected",
       "`raw/communes.geojson` is missing or not UTF-8 JSON, is not a FeatureCollection, has a feature without a text "
       "`code` property or a valid Polygon/MultiPolygon, repeats a code, holds a code `raw/communes.csv` lacks, "
       "or lacks one it has",
       "restore the file from its source (see `raw/sources.csv`), one feature per commune of `raw/communes.csv`"),
    _t("whitespace", "raw", "Spaces around a value", "a value with leading, trailing or doubled spaces",
       "remove the spaces around the value; type one space between words"),
    _t("control-character", "raw", "Control character",
       "a cell holding a control character (Unicode category Cc: NUL, bell, tab, a line break, including inside "
       "a quoted cell, DEL, or a C1 control such as U+0085); the message names it and its position in the cell",
       "retype the value on one line; a tab becomes a space"),
    _t("formula", "raw", "Formula-like text",
       "a text cell starting with `=`, `+`, `-`, `@`, tab or carriage return, which a spreadsheet would run "
       "as a formula (CSV injection), also when the character is a look-alike that NFKC normalisation turns into "
       "one (fullwidth `＝`) or hides behind an invisible character", "reword the value"),
    _t("unicode-form", "raw", "Text not in Unicode NFC",
       "a cell not in Unicode Normalization Form C: an accent typed as a separate combining character after its "
       "letter (`E` + U+0301 instead of `É`), as some Mac and copy-paste tools write it; the same text would "
       "then be published in two spellings",
       "type the composed form the hint gives (most editors' \"normalize to NFC\" does it)"),
    _t("invisible-character", "raw", "Invisible or special character",
       "a format character (zero-width space U+200B, a bidi control such as U+202E, a byte order mark inside a "
       "cell, a soft hyphen...), a line or paragraph separator (U+2028, U+2029), a space other than the ordinary "
       "space (no-break space U+00A0, thin or narrow spaces), or a private-use or unassigned code point; "
       "the message names the character and its position",
       "delete it, or type an ordinary space (U+0020) for a space"),
    _t("non-ascii-digit", "raw", "Digit of another script",
       "a decimal digit other than ASCII 0-9 (fullwidth `０`, Arabic-Indic `٥`, Devanagari...) in any cell: "
       "codes, numbers and dates are written with ASCII digits, and a look-alike digit in a text is a typing accident",
       "type the ASCII digit the hint gives"),
    _t("mixed-script", "raw", "Letters of several alphabets in one word",
       "a word of a text cell mixing scripts, such as a Cyrillic `у` in `Firminу`: a look-alike letter typed or "
       "pasted from another alphabet (a word is a run of letters; a letter's script is read from its Unicode name, "
       "accented Latin letters are Latin, digits and punctuation belong to none)",
       "retype the word in one alphabet"),
    _t("url", "raw", "Address that is not a web address",
       "an address field (`url`, or a name ending with `_url`) holding a scheme other than `http:` or `https:` "
       "(`javascript:`, `data:`, `file:`...), a web address without a host, or a path that is not relative to "
       "the repository", "write the source's https:// address, or a path such as `docs/reference-facts.md`"),
    _t("line-ending", "raw", "Carriage return without line feed",
       "a carriage return (U+000D) not followed by a line feed: the file has classic Mac OS line endings, or a "
       "stray carriage return is inside a line", "save the file with LF (or CRLF) line endings"),
    _t("cell-size", "raw package", "Cell too large",
       f"a cell longer than the bound shared by `build`, `validate` and `diff` ({MAX_CELL_CHARS:,} characters)",
       "shorten the value; long texts belong in a document the row cites"),
    # shared with frictionless: one name for one fault
    _t("encoding-error", "raw frictionless", "Not UTF-8",
       "a byte sequence that is not UTF-8; the message gives the byte, its offset and the line",
       "re-save the file as UTF-8 (it is usually Latin-1 / Windows-1252)"),
    _t("extra-label", "raw frictionless", "Unknown column",
       "a header cell that the table's schema does not have (the message names the missing column when it "
       "looks like a rename)", "use the schema's column name"),
    _t("missing-label", "raw frictionless", "Missing column", "a schema column absent from the header",
       "add the column"),
    _t("duplicate-label", "raw frictionless", "Column named twice", "a column named twice in the header",
       "remove one"),
    _t("incorrect-label", "raw frictionless", "Columns out of order",
       "all the right columns, in another order (or a header that does not match the schema)",
       "put them in the schema's order (the hint gives it)"),
    _t("blank-row", "raw frictionless", "Blank row", "an empty line, or a line of empty cells", "delete it"),
    _t("extra-cell", "raw frictionless", "Extra cell", "a row with more cells than the header",
       "quote cells that contain a comma"),
    _t("missing-cell", "raw frictionless", "Missing cell", "a row with fewer cells than the header",
       "add the missing cells"),
    _t("type-error", "raw frictionless", "Wrong type",
       "not an integer (ASCII digits, no leading zero, no separator), not `true`/`false`, not a real date written "
       "`YYYY-MM-DD`, not a number with a dot", "write it like the example in the hint"),
    _t("constraint-error", "raw frictionless", "Constraint not met",
       "a value that breaks a constraint of its field: `required` (an empty cell in a required column or a key), "
       "`pattern` (a code that breaks its named pattern, such as the COG commune code "
       "`^([013-9][0-9]|2[AB1-9])[0-9]{3}$`),"
       " `enum`, `minimum` or `maximum`; the message names the constraint",
       "correct the value; the hint gives an example or the allowed values"),
    _t("unique-error", "raw frictionless", "Repeated value",
       "a value repeated in a column that must be unique (single-column keys included); the message gives the line "
       "of the first use", "remove the duplicated row or correct the value"),
    _t("primary-key", "raw frictionless", "Repeated key", "a repeated composite primary key",
       "remove the duplicated row or correct its key"),
    _t("foreign-key", "raw frictionless", "Unknown reference",
       "a value not found in the table it references (a commune code, a neighbourhood, a source)",
       "use an existing value, or add the row to the referenced table first"),
    _t("check-digit", "raw package", "Invalid SIREN",
       "a SIREN (a field the schema marks `\"identifier\": \"siren\"`) whose Luhn check digit fails; "
       "frictionless checks only its nine-digit pattern", "copy the nine digits again from the source"),
    # rules across tables
    _t("stated-total", "rules", "Count differs from the source",
       "`neighbourhoods` or `communes` does not have the number of rows the publisher states "
       "(`contract.neighbourhoods_stated`, `contract.communes_stated`)",
       "reconcile, and record the reading in the `note` column (see `interpreted`)"),
    _t("unlinked", "rules", "Unlinked row",
       "a commune or neighbourhood with no row in `neighbourhood_communes`, or a commune that is not a signatory",
       "add the link or the signatory"),
    _t("commune-code", "rules", "Commune code where it does not belong",
       "a signatory of group `commune` without `commune_code`, or another signatory with one",
       "fill or empty the cell"),
    _t("period", "rules", "Reversed period",
       "`contract`: a first year after the last year, or Assises that start after they end", "correct the dates"),
    _t("siren-provenance", "rules", "SIREN without provenance",
       "a SIREN without its confidence and source, or a confidence or source without a SIREN",
       "publish a SIREN only with both"),
    # published packages
    _t("descriptor", "package", "Unusable descriptor",
       "the descriptor is not JSON, is too large or too deeply nested, or is not an object with a `resources` list "
       "of single-path resources", "fix the descriptor"),
    _t("publish", "package", "Not published",
       "`build` could not write its files or replace the published ones (a full disk, a read-only folder, a "
       "signal such as Ctrl-C), or a reader found a publish that a killed build left half done; the message says "
       "what is published: the old files or the new ones, whole, never a mix",
       "free space or make the folders writable as the message says, then build again: a build first finishes "
       "a publish left half done"),
    _t("unsafe-path", "package", "Unsafe path",
       "a path that leaves the package folder, or a remote path without `--allow-remote`",
       "keep paths relative and inside the package"),
    _t("too-large", "package", "File too large",
       "a file, or a compressed file's decompressed content, larger than `--max-bytes`",
       "raise the bound if you trust the package"),
    _t("byte-count", "package frictionless", "Wrong size", "the declared `bytes` differs from the file's size",
       "rebuild the package"),
    _t("hash-count", "package frictionless", "Wrong hash",
       "the declared `hash` differs from the file's (`sha256:`, or md5 when unprefixed)", "rebuild the package"),
    _t("parquet", "package", "Unreadable Parquet file", "a Parquet file that cannot be read", "rebuild it"),
    _t("parquet-type", "package", "Parquet column of the wrong type",
       "a Parquet column whose Arrow type or position is not the one its Table Schema implies "
       "(strings, `int64`, `double`, `bool`, `date32`)", "rebuild it from the schema"),
    _t("parquet-twin", "package", "Parquet file differs from its CSV",
       "a Parquet file whose rows or values differ from its CSV twin (the resource the naming rule pairs it with: "
       "`<table>-parquet` with `<table>`); the problem gives the row, field and Parquet value",
       "rebuild both from the same data"),
    _t("line-too-long", "package", "Line too long",
       "a CSV line longer than `--max-line-bytes` (1 MiB by default), counted on the decompressed bytes before "
       "anything parses it: a table whose rows are not on lines, or a file that is not a table",
       "raise the bound if you trust the package"),
    _t("too-many-columns", "package", "Too many columns",
       "a CSV header or a Parquet file with more columns than `--max-columns` (1,000 by default)",
       "raise the bound if you trust the package"),
    _t("binary-content", "package", "NUL byte in a text file",
       "a CSV holding a NUL byte: a binary file, or text padded with zeros; the line is given",
       "publish the table as UTF-8 text"),
    _t("unsupported-format", "package", "Table in a format validate does not read",
       "a table resource in a format other than CSV, TSV or Parquet (Excel, ODS, JSON tables, SQL...), whose "
       "readers cannot be held to validate's bounds of time and memory", "publish the table as CSV or Parquet"),
    _t("unsafe-pattern", "package", "Pattern RE2 cannot match",
       "a Table Schema `pattern` that RE2, the linear-time engine validate matches patterns with, cannot compile "
       "(backreferences, lookarounds), or that is not text", "write the pattern without them"),
    _t("time-budget", "package", "Time budget spent",
       "validation took longer than `--max-seconds` (300 by default) and stopped; the problems reported before "
       "it were found in that time", "raise the bound if you trust the package"),
    _t("unexpected-error", "package", "Unexpected error",
       "validate met an input it does not handle: the message gives Python's error instead of a traceback",
       "report it with the package that caused it"),
)


@cache
def catalogue() -> dict[str, ProblemType]:
    """Every problem type by name: the package's own, then frictionless's other error types."""
    types = dict(_OWN)
    for name, (title, description) in sorted(_frictionless_types().items()):
        if name not in types:
            types[name] = ProblemType(name, ("frictionless",), title, description,
                                      "as the message says; frictionless's error reference describes it")
    return types


def _frictionless_types() -> dict[str, tuple[str, str]]:
    """frictionless's error classes: type -> (title, description)."""
    from frictionless import errors

    found: dict[str, tuple[str, str]] = {}
    pending = [errors.Error]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.type not in ("error",):
            found[cls.type] = (cls.title, " ".join(cls.description.split()))
    return found


_OWN = {t.name: t for t in OWN_TYPES}


def problem_type(name: str) -> ProblemType:
    """The catalogue entry of ``name``; ValueError for a name the catalogue does not hold."""
    if name in _OWN:
        return _OWN[name]  # without importing frictionless
    try:
        return catalogue()[name]
    except KeyError:
        raise ValueError(f"unknown problem type {name!r}: add it to contratville_data/problem_types.py") from None
