"""Text quoted into generated Markdown: data is escaped so that it shows as written, never as markup."""

from __future__ import annotations

import html
import re

#: Characters Markdown or a Markdown table may read as inline markup (``<``, ``>`` and ``&`` are HTML-escaped).
_MARKUP = re.compile(r"([\\`*_\[\]|~])")


def escape(text: object) -> str:
    """Data text as literal Markdown: HTML escaped, markup characters backslashed, on one line."""
    escaped = html.escape(str(text), quote=False)
    return _MARKUP.sub(r"\\\1", " ".join(escaped.splitlines()))


def cell(text: object, *, trusted: bool = False) -> str:
    """A Markdown table cell: the project's own text keeps its markup (``|`` escaped); data is escaped."""
    if not trusted:
        return escape(text)
    return " ".join(str(text).splitlines()).replace("|", "\\|")
