"""Bounds shared by `build`, `validate` and `diff`, each defined once."""

from __future__ import annotations

#: The longest cell any command reads, in characters (Python's csv module's own default).
MAX_CELL_CHARS = 131_072
#: How many problems the text output of a command prints before saying how many more there are.
MAX_PROBLEMS_SHOWN = 200

# Packages of unknown origin (`validate`, `diff`): each bound is the default of a command option.
#: The largest data file read, in bytes once decompressed (`--max-bytes`).
MAX_FILE_BYTES = 2 * 1024**3
#: The largest descriptor or Table Schema read, in bytes.
MAX_DESCRIPTOR_BYTES = 10 * 1024**2
#: The deepest nesting of a JSON document read (a descriptor needs about six levels).
MAX_JSON_DEPTH = 64
#: The longest path accepted, in characters (Linux's PATH_MAX).
MAX_PATH_CHARS = 4096
#: The longest physical line of a CSV, in bytes (`--max-line-bytes`): room for a few cells of MAX_CELL_CHARS.
MAX_LINE_BYTES = 1024**2
#: The most columns a table may have (`--max-columns`).
MAX_COLUMNS = 1000
#: The most seconds a validation may take before it stops and says so (`--max-seconds`).
MAX_SECONDS = 300
#: The most problems a validation reports (`--max-errors`).
MAX_PROBLEMS = 1000
#: The most cells `diff` holds for one package (`--max-cells`): its memory is about 100 bytes a cell.
MAX_DIFF_CELLS = 10_000_000
