"""Turn values into French page text: Jinja environment, filters, Markdown, field descriptions."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from .package import SiteError

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
TYPES = {"string": "texte", "integer": "entier", "number": "nombre", "boolean": "booléen",
         "date": "date (AAAA-MM-JJ)", "datetime": "date et heure", "time": "heure", "year": "année",
         "yearmonth": "année et mois", "object": "objet JSON", "array": "liste JSON", "geojson": "GeoJSON",
         "any": "quelconque"}
NNBSP = "\u202f"  # narrow no-break space: the French thousands separator


def environment() -> Environment:
    """The Jinja environment of the site's templates: HTML escaped, undefined names an error."""
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(code=inline_code, entier=french_int, date_fr=french_date, taille=french_size, type_fr=field_type,
                       contraintes=constraints)
    return env


def inline_code(text: str) -> Markup:
    """Text with its `backquoted` parts as ``<code>``, everything else escaped."""
    parts = re.split(r"`([^`\n]+)`", str(text))
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else Markup.escape(part)
                           for index, part in enumerate(parts))


def french_int(value: object) -> str:
    """``5000000`` -> ``5 000 000`` (narrow no-break spaces)."""
    try:
        number = int(str(value))
    except ValueError:
        raise SiteError(f"{value!r} is not an integer; the site shows it as one") from None
    return f"{number:,}".replace(",", NNBSP)


def french_date(value: str) -> str:
    """``2024-07-10`` -> ``10 juillet 2024``; ``1er`` for the first of a month."""
    try:
        year, month, day = (int(part) for part in value.split("-"))
        if not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise SiteError(f"{value!r} is not a date (YYYY-MM-DD); the site shows it as one") from None
    return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"


def french_size(size: int) -> str:
    """A file size in octets, with kio or Mio beside it past 1 024 octets."""
    text = f"{french_int(size)} octet{'s' if size > 1 else ''}"
    for unit, factor in (("Mio", 1 << 20), ("kio", 1 << 10)):
        if size >= factor:
            return f"{text} ({size / factor:.1f} {unit})".replace(".", ",")
    return text


def field_type(field: dict) -> str:
    kind = field.get("type", "any")
    return TYPES.get(kind, kind)


def constraints(field: dict) -> list[tuple[str, str]]:
    """A field's constraints as (French phrase, value shown as code or "") pairs."""
    rules = field.get("constraints", {})
    phrases = [(text, "") for key, text in (("required", "obligatoire"), ("unique", "unique")) if rules.get(key)]
    for key, text in (("minimum", "au moins"), ("maximum", "au plus"), ("exclusiveMinimum", "plus de"),
                      ("exclusiveMaximum", "moins de"), ("minLength", "longueur au moins"),
                      ("maxLength", "longueur au plus"), ("pattern", "motif")):
        if key in rules:
            phrases.append((text, str(rules[key])))
    if "enum" in rules:
        phrases.append(("valeurs :", " ; ".join(str(value) for value in rules["enum"])))
    return phrases


def markdown(text: str, *, shift: int = 1) -> Markup:
    """CommonMark (and tables) to HTML with raw HTML escaped, headings moved ``shift`` levels down so
    that they follow the page's own ``h1``."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift)}"
        elif token.type == "th_open":
            token.attrSet("scope", "col")
        elif token.type == "table_open":
            token.attrSet("class", "donnees")
    parser.add_render_rule("table_open", _scrolling_table_open)
    parser.add_render_rule("table_close", lambda *args: "</table></div>\n")
    return Markup(parser.renderer.render(tokens, parser.options, {}))


def _scrolling_table_open(renderer, tokens, index, options, env) -> str:
    """A Markdown table inside a keyboard-scrollable wrapper, so that the page never scrolls sideways."""
    env["tables"] = env.get("tables", 0) + 1
    return (f'<div class="defile" tabindex="0" role="region" aria-label="Tableau {env["tables"]}">'
            + renderer.renderToken(tokens, index, options, env))
