"""What the report shows of each analysis view, read as its presentation asks: the rows a table or bar chart
shows, and for a time series the total per point in time and the largest series. The CSV export has every row;
the report reads only what it draws, so a view of any size gives a page of a few hundred kilobytes.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.logfmt import log_event
from services.charts import Line
from services.display import is_number
from services.presentation import Presentation, presentation_for
from services.sql_steps import quoted_relation

logger = logging.getLogger(__name__)

MAX_BARS: Final = 30  # the most bars or table rows a section shows; the CSV has every row
_COUNT: Final = "_report_row_count"  # the two columns the report adds to a view's rows while reading it
_POSITION: Final = "_report_position"
MAX_POINTS: Final = 5000  # more points in time than this are drawn as a table instead (the CSV has them)


@dataclass(frozen=True)
class TimeSeries:
    """A time series as drawn: the total per point in time (over every series), and the largest series."""

    total: tuple[tuple[date | time, float], ...]
    lines: tuple[Line, ...]
    series_count: int


@dataclass(frozen=True)
class ViewData:
    """One view as the report shows it: the rows it prints (first or last MAX_BARS) and, for a time series,
    its totals and top series. `problem` says why the declared chart gave way to a table."""

    name: str
    presentation: Presentation
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_count: int
    timeseries: TimeSeries | None = None
    problem: str | None = field(default=None)


async def read_report_views(
    conn: AsyncConnection, schema: str, names: Sequence[str], presentations: Mapping[str, Presentation]
) -> list[ViewData]:
    """Each view in `names`, read as its presentation asks (views without one: as a table)."""
    for unknown in sorted(set(presentations) - set(names)):
        log_event(logger, "report_presentation_unused", logging.WARNING, view=unknown, note="no view of this name")
    return [await read_view(conn, _Source(conn, schema, name), presentation_for(name, presentations)) for name in names]


@dataclass(frozen=True)
class _Source:
    """A view as a quoted `schema.view`, and its columns quoted."""

    conn: AsyncConnection
    schema: str
    name: str

    @property
    def table(self) -> str:
        return quoted_relation(self.conn, self.schema, self.name)

    def column(self, name: str) -> str:
        return str(self.conn.dialect.identifier_preparer.quote(name))


async def read_view(conn: AsyncConnection, source: _Source, presentation: Presentation) -> ViewData:
    """One view: its count, the rows it shows, and its time series when it is drawn as one."""
    view = await _read_rows(conn, source, presentation)
    problem = _mismatch(view)
    if problem is None and presentation.chart == "timeseries" and view.row_count:
        series = await _read_timeseries(conn, source, presentation)
        problem = _unplottable(series, presentation)
        view = view if problem else _replace_timeseries(view, series)
    if problem:
        log_event(logger, "report_chart_replaced", logging.WARNING, view=source.name, reason=problem)
        return _replace_problem(view, problem)
    return view


async def _read_rows(conn: AsyncConnection, source: _Source, presentation: Presentation) -> ViewData:
    # One pass over the view (a top-10 list over a million titles takes a while): its first or last
    # MAX_BARS rows in the view's own order, each carrying the view's row count.
    window = f"{_POSITION} > {_COUNT} - :limit" if presentation.rows == "last" else f"{_POSITION} <= :limit"
    result = await conn.execute(
        text(
            f"SELECT * FROM (SELECT view.*, count(*) OVER () AS {_COUNT}, row_number() OVER () AS {_POSITION} "
            f"FROM {source.table} AS view) AS numbered WHERE {window} ORDER BY {_POSITION}"
        ),
        {"limit": MAX_BARS},
    )
    rows = [tuple(row) for row in result]
    columns = tuple(result.keys())[:-2]
    count = int(rows[0][-2]) if rows else 0
    return ViewData(source.name, presentation, columns, tuple(row[:-2] for row in rows), count)


def _mismatch(view: ViewData) -> str | None:
    missing = view.presentation.missing_columns(view.columns)
    if missing:
        return f"its presentation names column(s) the view does not have: {', '.join(missing)}"
    numeric_problem = [
        column
        for column in (view.presentation.y if view.presentation.chart != "table" else ())
        if not all(is_number(value) or value is None for value in _column(view, column))
    ]
    return f"column(s) {', '.join(numeric_problem)} are not numbers" if numeric_problem else None


def _column(view: ViewData, name: str) -> Iterable[object]:
    index = view.columns.index(name)
    return (row[index] for row in view.rows)


def _unplottable(series: TimeSeries, presentation: Presentation) -> str | None:
    if not series.total:
        return f"column {presentation.x} has no values"
    if not all(isinstance(point, date | time) for point, _ in series.total):
        return f"column {presentation.x} holds no dates or times"
    if len(series.total) > MAX_POINTS:
        return f"{len(series.total):,} points in time are more than a chart shows ({MAX_POINTS:,})"
    return None


def _replace_timeseries(view: ViewData, series: TimeSeries) -> ViewData:
    return ViewData(view.name, view.presentation, view.columns, view.rows, view.row_count, timeseries=series)


def _replace_problem(view: ViewData, problem: str) -> ViewData:
    return ViewData(view.name, view.presentation, view.columns, view.rows, view.row_count, problem=problem)


async def _read_timeseries(conn: AsyncConnection, source: _Source, presentation: Presentation) -> TimeSeries:
    x, y = source.column(presentation.x or ""), source.column(presentation.y[0])
    totals = await conn.execute(
        text(f"SELECT {x}, sum({y}) FROM {source.table} WHERE {x} IS NOT NULL GROUP BY 1 ORDER BY 1")
    )
    total = tuple((point, float(value or 0)) for point, value in totals)
    if presentation.series is None:
        return TimeSeries(total, (), 1)
    series = source.column(presentation.series)
    named = f"CAST({series} AS text)"
    count = (await conn.execute(text(f"SELECT count(DISTINCT {series}) FROM {source.table}"))).scalar_one()
    top = await conn.execute(
        text(
            f"SELECT {named} FROM {source.table} WHERE {series} IS NOT NULL "
            f"GROUP BY 1 ORDER BY sum({y}) DESC NULLS LAST, 1 LIMIT :top"
        ),
        {"top": presentation.top},
    )
    names = [name for (name,) in top]
    points = await conn.execute(
        text(
            f"SELECT {named}, {x}, sum({y}) FROM {source.table} WHERE {named} = ANY(:names) AND {x} IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        {"names": names},
    )
    by_name: dict[str, list[tuple[date | time, float]]] = {name: [] for name in names}
    for name, point, value in points:
        by_name[name].append((point, float(value or 0)))
    return TimeSeries(total, tuple(Line(name, tuple(by_name[name])) for name in names), int(count))
