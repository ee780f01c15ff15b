"""How each analysis view appears in `report.html`: a presentation spec per view, declared as data, not code.

The shipped views declare theirs in `sql/analysis/report.toml`; a folder of views elsewhere (a kind bundle)
declares its own the same way, one `[views.<name>]` table per view:

    [views.daily_consumption]
    chart = "timeseries"        # timeseries, bars, cards, stacked or table
    about = "How much energy the meters used each day."
    x = "day"                   # the time axis (timeseries) or the category of each bar (stacked)
    y = "consumption_kwh"       # the measured column(s): one for timeseries and bars, one or more otherwise
    series = "nmi"              # timeseries: one line per value (the total, and the `top` largest)
    formats = { consumption_kwh = "kwh" }

A view without a spec is shown as a table. A spec naming a column the view lacks is caught when the report
is written (the view falls back to a table, with a note), since only the database knows the view's columns.
"""

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from core.errors import ConfigError

REPORT_SPEC_FILE: Final = "report.toml"

ChartKind = Literal["timeseries", "bars", "cards", "stacked", "table"]
# count: whole numbers with separators; number: up to 2 decimals; kwh: energy with a sensible precision.
ValueFormat = Literal["count", "number", "kwh", "date", "datetime", "text"]
# Which rows a view longer than the report shows: its first (a ranking) or its last (files in load order).
RowWindow = Literal["first", "last"]


def _as_tuple(value: object) -> object:
    return (value,) if isinstance(value, str) else value


Columns = Annotated[tuple[str, ...], BeforeValidator(_as_tuple)]
_NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "timeseries": ("x", "y"),
    "bars": ("label", "y"),
    "stacked": ("x", "y"),
    "cards": (),
    "table": (),
}
_SINGLE_Y: Final = frozenset({"timeseries", "bars"})


class Presentation(BaseModel):
    """One view's presentation: the chart that fits it, which column plays which part, and how values read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chart: ChartKind = "table"
    about: str = ""  # one sentence: the question the view answers
    title: str | None = None  # defaults to the view's name in words
    x: str | None = None
    y: Columns = ()
    series: str | None = None
    label: str | None = None
    top: int = Field(default=5, ge=1, le=10)  # timeseries: how many series get a line of their own
    rows: RowWindow = "first"
    formats: dict[str, ValueFormat] = Field(default_factory=dict)
    column_titles: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_what_its_chart_needs(self) -> Self:
        missing = [field for field in _NEEDS[self.chart] if not getattr(self, field)]
        if missing:
            raise ValueError(f"a {self.chart} chart needs {' and '.join(missing)}")
        if self.chart in _SINGLE_Y and len(self.y) != 1:
            raise ValueError(f"a {self.chart} chart takes exactly one y column, not {len(self.y)}")
        return self

    def named_columns(self) -> tuple[str, ...]:
        """Every column the spec names (its roles, formats and titles), each once."""
        roles = (self.x, *self.y, self.series, self.label)
        named = (*(column for column in roles if column), *self.formats, *self.column_titles)
        return tuple(dict.fromkeys(named))

    def missing_columns(self, columns: tuple[str, ...]) -> list[str]:
        """The columns the spec names that the view does not have."""
        return [column for column in self.named_columns() if column not in columns]


# The keys of a view's table; a bundle that keeps other keys (how a view is exported) in the same table
# passes only these to `parse_presentation`.
PRESENTATION_KEYS: Final = frozenset(Presentation.model_fields)
DEFAULT_PRESENTATION: Final = Presentation()


def parse_presentation(view: str, table: Mapping[str, object], source: str) -> Presentation:
    """One view's spec from its TOML table; raises ConfigError naming the file, the view and the field."""
    try:
        return Presentation.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{source}: the presentation of view {view!r} is invalid: {problems}") from exc


def parse_presentations(document: Mapping[str, object], source: str) -> dict[str, Presentation]:
    """Every `[views.<name>]` table of a spec file, by view name."""
    unknown = sorted(set(document) - {"views"})
    views = document.get("views", {})
    if unknown or not isinstance(views, dict):
        raise ConfigError(f"{source}: expected only [views.<name>] tables, found {unknown or ['views = ...']}")
    not_tables = sorted(name for name, table in views.items() if not isinstance(table, dict))
    if not_tables:
        raise ConfigError(f"{source}: views.{not_tables[0]} must be a table ([views.{not_tables[0]}])")
    return {name: parse_presentation(name, table, source) for name, table in views.items()}


def load_presentations(folder: Path) -> dict[str, Presentation]:
    """The specs of the views in `folder` (from its report.toml; none when it has no such file)."""
    path = folder / REPORT_SPEC_FILE
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_presentations(document, str(path))


def presentation_for(view: str, presentations: Mapping[str, Presentation]) -> Presentation:
    """The view's spec, or a plain table for a view that declares none."""
    return presentations.get(view, DEFAULT_PRESENTATION)
