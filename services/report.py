"""The HTML report: one self-contained page (inline SVG, no scripts, no network) with a bar chart per view."""

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

BAR_HEIGHT: Final = 22
LABEL_WIDTH: Final = 260
CHART_WIDTH: Final = 420
VALUE_WIDTH: Final = 110
MAX_BARS: Final = 30  # a chart of thousands of bars helps nobody; the CSV has every row

_STYLE: Final = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 860px; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.empty, .note { color: #777; font-style: italic; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
rect.bar { fill: #3b7dd8; }
"""


@dataclass(frozen=True)
class ViewResult:
    """A view's columns, its first rows (at most MAX_BARS: what the report shows) and how many rows it has."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_count: int
    # A bundle's view may say how to present it (services/bundles.py: `description`, a `chart` hint), as plain data.
    presentation: Mapping[str, object] | None = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text_index(row: tuple[object, ...]) -> int | None:
    return next((i for i, value in enumerate(row) if isinstance(value, str)), None)


def chart_bars(view: ViewResult) -> list[tuple[str, float]]:
    """(label, value) pairs: one bar per row (first text column, first numeric column), or one per
    numeric column when the view has no text column (a one-row summary)."""
    if not view.rows:
        return []
    first = view.rows[0]
    text_index = _text_index(first)
    numeric = [i for i, value in enumerate(first) if _is_number(value)]
    if text_index is None:
        return [(view.columns[i], float(first[i])) for i in numeric]  # type: ignore[arg-type]
    if not numeric:
        return []
    value_index = numeric[0]
    return [(str(row[text_index]), float(row[value_index] or 0)) for row in view.rows]  # type: ignore[arg-type]


def render_chart(bars: Sequence[tuple[str, float]]) -> str:
    """A horizontal bar chart as inline SVG."""
    top = max((value for _, value in bars), default=0.0) or 1.0
    height = BAR_HEIGHT * len(bars)
    width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH
    parts = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for index, (label, value) in enumerate(bars):
        y = index * BAR_HEIGHT
        bar_width = max(value, 0.0) / top * CHART_WIDTH
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{bar_width:.1f}" height="{BAR_HEIGHT - 6}">'
            f"<title>{html.escape(label)}: {value:,.2f}</title></rect>"
            f'<text x="{LABEL_WIDTH + bar_width + 6:.1f}" y="{y + 15}">{value:,.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_table(view: ViewResult) -> str:
    """A view without numbers (a list of leads, say) as a table of its first MAX_BARS rows."""
    head = "".join(f"<th>{html.escape(column)}</th>" for column in view.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in view.rows[:MAX_BARS]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_section(view: ViewResult) -> str:
    """One view: a heading and its chart, or its table when it has no numbers, or a note that it is empty."""
    bars = chart_bars(view)
    if not view.rows:
        body = '<p class="empty">No data yet: load files and run --pipeline.</p>'
    elif bars:
        body = render_chart(bars[:MAX_BARS])
    else:
        body = render_table(view)
    is_summary = bool(bars) and _text_index(view.rows[0]) is None  # one bar per column, not per row
    shown_of = len(bars) if is_summary else view.row_count  # what the chart or the table cuts at MAX_BARS
    if shown_of > MAX_BARS:
        body += f'<p class="note">The first {MAX_BARS} of {shown_of} rows; {html.escape(view.name)}.csv has all.</p>'
    description = (view.presentation or {}).get("description")
    if isinstance(description, str):
        body = f'<p class="description">{html.escape(description)}</p>{body}'
    return f'<section id="{html.escape(view.name)}"><h2>{html.escape(view.name)}</h2>{body}</section>'


def render_report(views: Sequence[ViewResult], generated_at: str) -> str:
    """The whole page."""
    sections = "\n".join(render_section(view) for view in views)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8"><title>Analysis report</title>'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Analysis report</h1><p>Generated {html.escape(generated_at)}.</p>\n{sections}\n</body></html>\n"
    )
