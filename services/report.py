"""The HTML report (`exports/report.html`): the loads, then each analysis view drawn as its presentation says.

One self-contained page: inline CSS and inline SVG charts (matplotlib, see services/charts.py), no script,
nothing loaded from the network, so it opens offline and can be mailed. Which chart a view gets is data: its
presentation spec (services/presentation.py), declared beside the views in `sql/analysis/report.toml`.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.config import Settings
from services.charts import Line, floats, ranked_bars_svg, stacked_bars_svg, timeseries_svg
from services.display import column_title, default_format, format_value, is_number, view_title
from services.presentation import ChartKind, ValueFormat, load_presentations
from services.report_html import breakable, cards, escape, note, page, section, table
from services.report_loads import LoadsSummary, read_loads, render_loads
from services.report_views import MAX_BARS, ViewData, read_report_views

if TYPE_CHECKING:
    from services.bundles import BundleView

__all__ = ["MAX_BARS", "ReportData", "ViewResult", "read_report", "render_report", "render_view"]

REPORT_TITLE: Final = "Drop-folder report"
_EMPTY: Final = "No data yet: load files of its kind, then run --pipeline and --analysis."


@dataclass(frozen=True)
class ViewResult:
    """A view's columns, its first rows (at most MAX_BARS) and how many rows it has, as exported."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_count: int


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read in one snapshot."""

    loads: LoadsSummary
    views: tuple[ViewData, ...]
    failed_folder: str  # where quarantined files wait, as the hints' commands name it
    export_files: Mapping[str, str] = field(default_factory=dict)  # a view exported other than as `<view>.csv`


def render_report(report: ReportData, generated_at: datetime) -> str:
    """The whole page: the loads section, then one section per view."""
    links = [("loads", "Loads"), *((f"view-{v.name}", view_title(v.name, v.presentation)) for v in report.views)]
    sections = [
        render_loads(report.loads, report.failed_folder),
        *(render_view(view, report.export_files.get(view.name, f"{view.name}.csv")) for view in report.views),
    ]
    return page(REPORT_TITLE, f"Generated {format_value(generated_at, 'datetime')}.", links, sections)


def render_view(view: ViewData, export_file: str | None = None) -> str:
    """One view's section: title, what it answers, where it comes from, and its chart, cards or table."""
    export_file = export_file or f"{view.name}.csv"
    presentation = view.presentation
    if not view.row_count:
        body = note(_EMPTY)
    elif view.problem:
        body = note(f"Shown as a table because {view.problem}.") + _table(view)
    else:
        body = _BODIES[presentation.chart](view)
    body += _cut_note(view, export_file)
    rows = "row" if view.row_count == 1 else "rows"
    count = escape(format_value(view.row_count, "count"))
    source = f"From the view <code>{escape(view.name)}</code>; all {count} {rows} are in "
    source += f"<code>{escape(export_file)}</code>."
    title = view_title(view.name, presentation)
    return section(f"view-{view.name}", title, presentation.about, body, source=source)


def _cut_note(view: ViewData, export_file: str) -> str:
    chart = "table" if view.problem else view.presentation.chart
    shown = 1 if chart == "cards" else len(view.rows)
    if chart == "timeseries" or view.row_count <= shown:
        return ""
    which = "last" if view.presentation.rows == "last" and chart != "cards" else "first"
    return note(f"The {which} {shown:,} of {view.row_count:,} rows; {export_file} has all.")


def _format_of(view: ViewData, column: str) -> ValueFormat | None:
    return view.presentation.formats.get(column)


def _values(view: ViewData, column: str) -> list[object]:
    index = view.columns.index(column)
    return [row[index] for row in view.rows]


def _timeseries(view: ViewData) -> str:
    assert view.timeseries is not None  # read_view reads it for every time series it does not replace
    series, presentation = view.timeseries, view.presentation
    y = presentation.y[0]
    y_title = column_title(y, presentation)
    y_format = _format_of(view, y)
    total = Line(_total_title(view), series.total) if series.series_count > 1 else None
    lines = series.lines or (Line(y_title, series.total),)
    figures = _timeseries_figures(view, y_title, y_format)
    svg = timeseries_svg(
        total, lines, lines_title=_lines_title(view), y_title=y_title, y_format=y_format, salt=view.name
    )
    return cards(figures) + svg


def _timeseries_figures(view: ViewData, y_title: str, y_format: ValueFormat | None) -> list[tuple[str, str]]:
    assert view.timeseries is not None
    series, presentation = view.timeseries, view.presentation
    x_format = _format_of(view, presentation.x or "")
    first, last = series.total[0][0], series.total[-1][0]
    figures = [
        ("From", format_value(first, x_format)),
        ("To", format_value(last, x_format)),
        (f"{y_title}, all together", format_value(sum(value for _, value in series.total), y_format)),
    ]
    if presentation.series:
        figures.insert(0, (_plural(column_title(presentation.series, presentation)), f"{series.series_count:,}"))
    return figures


def _total_title(view: ViewData) -> str:
    assert view.timeseries is not None and view.presentation.series is not None
    name = _plural(column_title(view.presentation.series, view.presentation))
    return f"All {view.timeseries.series_count:,} {_mid_sentence(name)} together"


def _lines_title(view: ViewData) -> str:
    assert view.timeseries is not None
    presentation = view.presentation
    if presentation.series is None:
        return ""
    name = column_title(presentation.series, presentation)
    shown = len(view.timeseries.lines)
    if shown < view.timeseries.series_count:
        measure = column_title(presentation.y[0], presentation).lower()
        of_all = f"(of {view.timeseries.series_count:,})"
        return f"The {shown} {_mid_sentence(_plural(name))} with the most {measure} {of_all}"
    return f"Each {_mid_sentence(name)}"


def _mid_sentence(name: str) -> str:
    """A column title inside a sentence: `Display names` -> `display names`; an acronym (`NMIs`) stays."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _plural(name: str) -> str:
    return name if name.endswith("s") else f"{name}s"


def _bars(view: ViewData) -> str:
    presentation = view.presentation
    labels = [format_value(value) for value in _values(view, presentation.label or "")]
    y = presentation.y[0]
    values = _values(view, y)
    value_format = _format_of(view, y) or next((default_format(v) for v in values if v is not None), None)
    return ranked_bars_svg(labels, floats(values), value_format=value_format, salt=view.name)


def _cards(view: ViewData) -> str:
    columns = view.presentation.y or view.columns
    first = dict(zip(view.columns, view.rows[0], strict=True))
    return cards([(column_title(c, view.presentation), format_value(first[c], _format_of(view, c))) for c in columns])


def _stacked(view: ViewData) -> str:
    presentation = view.presentation
    categories = [
        format_value(value, _format_of(view, presentation.x or "")) for value in _values(view, presentation.x or "")
    ]
    parts = [(column_title(column, presentation), floats(_values(view, column))) for column in presentation.y]
    value_format = _format_of(view, presentation.y[0])
    return stacked_bars_svg(categories, parts, value_format=value_format, salt=view.name)


def _table(view: ViewData) -> str:
    headers = [column_title(column, view.presentation) for column in view.columns]
    numeric = [any(is_number(value) for value in _values(view, column)) for column in view.columns]
    rows = [
        [
            (escape if is_numeric else breakable)(format_value(value, _format_of(view, column)))
            for column, value, is_numeric in zip(view.columns, row, numeric, strict=True)
        ]
        for row in view.rows
    ]
    return table(headers, rows, numeric=numeric)


_BODIES: Final[dict[ChartKind, Callable[[ViewData], str]]] = {
    "timeseries": _timeseries,
    "bars": _bars,
    "cards": _cards,
    "stacked": _stacked,
    "table": _table,
}


async def read_report(
    conn: AsyncConnection, settings: Settings, view_names: Sequence[str], bundle_views: Sequence["BundleView"] = ()
) -> ReportData:
    """Read what the report shows: the ledger, then each view of sql/analysis/ and of the bundles that are on,
    as its presentation asks (sql/analysis/report.toml, or the bundle's manifest); a bundle's view with no rows
    is left out, so bundles nobody uses do not fill the page."""
    presentations = load_presentations(settings.sql_dir / "analysis")
    presentations |= {view.name: view.presentation for view in bundle_views}
    exports = {view.name: view.file.text for view in bundle_views}
    names = [*view_names, *(view.name for view in bundle_views)]
    loads = await read_loads(conn)
    views = await read_report_views(conn, settings.dw_schema, names, presentations)
    shown = [view for view in views if view.row_count or view.name not in exports]  # a bundle nobody uses: left out
    return ReportData(loads, tuple(shown), settings.failed_dir.as_posix(), exports)
