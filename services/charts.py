"""Charts as inline SVG, drawn by matplotlib: text stays text (`svg.fonttype = none`), nothing is loaded from anywhere.

Pure: values in, an `<svg>` string out. Each chart gets its own hash salt, so the ids of clip paths and markers
of several charts in one page never collide.
"""

import html
import io
import math
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise
from typing import Final

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from services.display import format_value, is_number
from services.presentation import ValueFormat

ACCENT: Final = "#2f6fbd"
# Okabe-Ito: told apart by people with any common colour-vision deficiency.
PALETTE: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH_INCHES: Final = 9.0
BAR_INCHES: Final = 0.28
MAX_LABEL_CHARS: Final = 48
MAX_MARKED_POINTS: Final = 60
MAX_DAY_TICKS: Final = 10  # up to this many days of daily values get a tick each
_STYLE: Final[dict[RcKeyType, object]] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#999999",
    "axes.titlesize": 10,
    "axes.titlelocation": "left",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "grid.color": "#e6e6e6",
    "legend.frameon": False,
}
# Tick labels of a dated axis, for ticks a year, a month, a day, an hour, a minute or a second apart: day ticks
# name their month ("27 Mar", "1 Apr"), so no tick depends on a neighbour; the corner says the year once.
_TICK_FORMATS: Final = ["%Y", "%b", "%-d %b", "%H:%M", "%H:%M", "%S.%f"]
_ZERO_FORMATS: Final = ["", "%Y", "%-d %b", "%-d %b", "%H:%M", "%H:%M"]
_OFFSET_FORMATS: Final = ["", "%Y", "%Y", "%-d %b %Y", "%-d %b %Y", "%-d %b %Y %H:%M"]
_PROLOG: Final = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_PLAIN_IDS: Final = re.compile(r' id="[A-Za-z][A-Za-z0-9.]*_\d+"')  # matplotlib's structural ids; hashed ones are kept
_NAMESPACES: Final = re.compile(r' xmlns(?::xlink)?="[^"]*"')  # inline SVG in HTML needs none

TimePoint = date | datetime | time


def _styled(salt: str) -> AbstractContextManager[None]:
    return matplotlib.rc_context({**_STYLE, "svg.hashsalt": salt})


@dataclass(frozen=True)
class Line:
    """One named series of a time series, in time order."""

    name: str
    points: tuple[tuple[TimePoint, float], ...]

    @property
    def values(self) -> list[float]:
        """The values, in time order."""
        return [value for _, value in self.points]


def timeseries_svg(
    total: Line | None,
    lines: Sequence[Line],
    *,
    lines_title: str,
    y_title: str,
    y_format: ValueFormat | None,
    salt: str,
) -> str:
    """A dated time series: a panel with the total (when given; titled with its name) above a panel with one
    line per series (titled `lines_title`)."""
    panels = [
        (list(group), is_total) for group, is_total in (([total] if total else [], True), (lines, False)) if group
    ]
    with _styled(salt):
        figure = Figure(figsize=(WIDTH_INCHES, 0.8 + 2.2 * len(panels)), layout="constrained")
        axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for axes, (group, is_total) in zip(axes_list, panels, strict=True):
            _draw_lines(axes, group, title=group[0].name if is_total else lines_title, is_total=is_total)
            _value_axis(axes, y_title, y_format)
        _time_axis(axes_list[-1], [point for group, _ in panels for line in group for point, _ in line.points])
        return _svg(figure, salt)


def _draw_lines(axes: Axes, lines: Sequence[Line], *, title: str, is_total: bool) -> None:
    for index, line in enumerate(lines):
        xs, ys = with_gaps([float(x) for x in mdates.date2num([_plottable(p) for p, _ in line.points])], line.values)
        # Few points get markers, so a day standing alone between gaps is still seen.
        marker = "o" if len(line.points) <= MAX_MARKED_POINTS else None
        if is_total:
            axes.fill_between(xs, ys, color=ACCENT, alpha=0.1, linewidth=0)
            axes.plot(xs, ys, color=ACCENT, linewidth=1.6, label=line.name, marker=marker, markersize=3)
        else:
            color = PALETTE[index % len(PALETTE)]
            axes.plot(xs, ys, color=color, linewidth=1.2, label=line.name, marker=marker, markersize=3)
    axes.set_title(title)
    if not is_total and len(lines) > 1:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    axes.grid(axis="y")


def with_gaps(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """The points with a break (NaN) wherever a step is longer than 1.5 times the shortest: a missing day is
    drawn as a gap, not as a line across it."""
    steps = [later - earlier for earlier, later in pairwise(xs) if later > earlier]
    shortest = min(steps, default=0.0)
    gapped_x, gapped_y = list(xs[:1]), list(ys[:1])
    for (earlier, later), value in zip(pairwise(xs), ys[1:], strict=True):
        if shortest and later - earlier > 1.5 * shortest:
            gapped_x.append((earlier + later) / 2)
            gapped_y.append(math.nan)
        gapped_x.append(later)
        gapped_y.append(value)
    return gapped_x, gapped_y


def _plottable(point: TimePoint) -> date | datetime:
    # A time of day (a daily profile) is drawn on one arbitrary day; the axis then shows hours only.
    return datetime.combine(date(2000, 1, 1), point) if isinstance(point, time) else point


def _time_axis(axes: Axes, points: Sequence[TimePoint]) -> None:
    if points and all(isinstance(point, time) for point in points):
        axes.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 3)))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        return
    locator = _day_ticks(points) or mdates.AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(
            locator, formats=_TICK_FORMATS, zero_formats=_ZERO_FORMATS, offset_formats=_OFFSET_FORMATS
        )
    )


def _day_ticks(points: Sequence[TimePoint]) -> mdates.DayLocator | None:
    """A tick on every day for a few days of daily values (dates, not times), where matplotlib's own choice would
    tick hours that no value has."""
    days = [point for point in points if isinstance(point, date) and not isinstance(point, datetime)]
    if not days or len(days) != len(points) or (max(days) - min(days)).days >= MAX_DAY_TICKS:
        return None
    return mdates.DayLocator()


def _value_axis(axes: Axes, title: str, value_format: ValueFormat | None) -> None:
    # Ticks carry plain numbers; the unit goes once into the axis title. Positive values start at zero.
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: format_value(value, "number")))
    axes.set_ylabel(f"{title} (kWh)" if value_format == "kwh" else title)
    if axes.get_ylim()[0] > 0:
        axes.set_ylim(bottom=0)


def ranked_bars_svg(
    labels: Sequence[str], values: Sequence[float], *, value_format: ValueFormat | None, salt: str
) -> str:
    """Horizontal bars, largest first (the order given), each with its value printed at its end."""
    with _styled(salt):
        figure = Figure(figsize=(WIDTH_INCHES, 0.5 + BAR_INCHES * len(values)), layout="constrained")
        axes = figure.subplots()
        positions = range(len(values))
        axes.barh(positions, values, color=ACCENT, height=0.62)
        axes.set_yticks(list(positions), [_short(label) for label in labels])
        axes.invert_yaxis()
        _print_values(axes, values, values, value_format)
        _bare_value_axis(axes)
        return _svg(figure, salt)


def stacked_bars_svg(
    categories: Sequence[str],
    parts: Sequence[tuple[str, Sequence[float]]],
    *,
    value_format: ValueFormat | None,
    salt: str,
) -> str:
    """Horizontal stacked bars: one bar per category (in the order given), one colour per part, totals at the end."""
    with _styled(salt):
        figure = Figure(figsize=(WIDTH_INCHES, 0.9 + BAR_INCHES * len(categories)), layout="constrained")
        axes = figure.subplots()
        positions = list(range(len(categories)))
        left = [0.0] * len(categories)
        for index, (name, values) in enumerate(parts):
            axes.barh(positions, values, left=left, height=0.7, color=PALETTE[index % len(PALETTE)], label=name)
            left = [start + value for start, value in zip(left, values, strict=True)]
        axes.set_yticks(positions, [_short(category) for category in categories])
        axes.invert_yaxis()
        _print_values(axes, left, left, value_format)
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=max(len(parts), 1), fontsize=9)
        _bare_value_axis(axes)
        return _svg(figure, salt)


def _print_values(axes: Axes, ends: Sequence[float], values: Sequence[float], value_format: ValueFormat | None) -> None:
    top = max((abs(end) for end in ends), default=0.0) or 1.0
    for position, (end, value) in enumerate(zip(ends, values, strict=True)):
        axes.text(end + top * 0.01, position, format_value(value, value_format), va="center", fontsize=9)
    axes.set_xlim(min(0.0, *ends), top * 1.18)  # room for the printed values


def _bare_value_axis(axes: Axes) -> None:
    axes.xaxis.set_visible(False)
    axes.spines["bottom"].set_visible(False)
    axes.tick_params(axis="y", length=0)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _svg(figure: Figure, description: str) -> str:
    stream = io.StringIO()
    figure.savefig(stream, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = _NAMESPACES.sub("", _PLAIN_IDS.sub("", _PROLOG.sub("", stream.getvalue(), count=1)))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(description)}" ', 1)


def floats(values: Sequence[object]) -> list[float]:
    """Numbers for a chart; a missing or non-numeric value counts as zero."""
    return [float(value) if is_number(value) else 0.0 for value in values]
