"""The report's HTML building blocks: the page with its style sheet, sections, figure cards, tables and notes.

The page is one self-contained file: inline CSS and inline SVG, no script, no link, nothing fetched.
Every text that comes from data passes through `escape`.
"""

import html
import re
from collections.abc import Sequence
from typing import Final

STYLE: Final = """
:root { color-scheme: light; --ink: #1f2328; --muted: #636c76; --line: #d8dee4; --accent: #2f6fbd; --bad: #b42318; }
body { font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 900px; padding: 1.5rem 1rem 4rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; } h2 { font-size: 1.2rem; margin: 0 0 .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
header p, .about, .source, .note { color: var(--muted); margin: .2rem 0 .6rem; }
.about { color: var(--ink); } .source, .note { font-size: .85rem; } .note { font-style: italic; }
nav { margin: .6rem 0 0; font-size: .9rem; } nav a { color: var(--accent); margin-right: .8rem; }
section { border-top: 1px solid var(--line); margin-top: 1.6rem; padding-top: 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.card .value { font-size: 1.35rem; font-weight: 600; } .card .label { color: var(--muted); font-size: .85rem; }
.card.bad .value { color: var(--bad); }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .4rem; text-align: left; vertical-align: top; }
th { font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.resolved td { color: var(--muted); }
code { font: .85rem "DejaVu Sans Mono", monospace; background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
svg { max-width: 100%; height: auto; display: block; }
.wide { overflow-x: auto; }
"""


def escape(value: object) -> str:
    """Text from data, safe inside HTML."""
    return html.escape(str(value), quote=True)


_BREAK_AFTER: Final = re.compile(r"([_/@.])(?=.)")


def breakable(text: str) -> str:
    """Text from data, escaped, that may wrap after `_`, `/`, `@` or `.` in a narrow column: long names, file
    names, `container/part`, e-mail addresses."""
    return _BREAK_AFTER.sub(r"\1<wbr>", escape(text))


def cards(items: Sequence[tuple[str, str]], *, bad: Sequence[str] = ()) -> str:
    """Figure cards: a big value over its label; labels in `bad` are drawn as a warning."""
    rendered = (
        f'<div class="card{" bad" if label in bad else ""}"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
        for label, value in items
    )
    return f'<div class="cards">{"".join(rendered)}</div>'


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[bool] = (),
    row_classes: Sequence[str] = (),
) -> str:
    """A table whose cells are HTML (escape data with `escape`); numeric columns are right-aligned."""
    aligned = [*numeric, *[False] * (len(headers) - len(numeric))]
    head = "".join(f"<th{_num(is_num)}>{escape(header)}</th>" for header, is_num in zip(headers, aligned, strict=True))
    classes = [*row_classes, *[""] * (len(rows) - len(row_classes))]
    body = "".join(
        (f'<tr class="{escape(css)}">' if css else "<tr>")
        + "".join(f"<td{_num(is_num)}>{cell}</td>" for cell, is_num in zip(row, aligned, strict=True))
        + "</tr>"
        for row, css in zip(rows, classes, strict=True)
    )
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _num(is_numeric: bool) -> str:
    return ' class="num"' if is_numeric else ""


def note(text: str) -> str:
    """A muted line of small print under a chart or table."""
    return f'<p class="note">{escape(text)}</p>'


def section(anchor: str, title: str, about: str, body: str, *, source: str = "") -> str:
    """One section: its title, the sentence saying what it answers, where it comes from, and its body."""
    parts = [f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>']
    if about:
        parts.append(f'<p class="about">{escape(about)}</p>')
    if source:
        parts.append(f'<p class="source">{source}</p>')
    return "".join([*parts, body, "</section>"])


def page(title: str, subtitle: str, links: Sequence[tuple[str, str]], sections: Sequence[str]) -> str:
    """The whole document: header, a table of contents (anchors in the page only) and the sections."""
    nav = "".join(f'<a href="#{escape(anchor)}">{escape(text)}</a>' for anchor, text in links)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p><nav>{nav}</nav></header>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
