"""Values written for people: counts with separators, kWh with a sensible precision, dates as dates."""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Final, TypeGuard

from services.presentation import Presentation, ValueFormat

MISSING: Final = "\u2013"  # an en dash in an empty cell


def is_number(value: object) -> TypeGuard[int | float | Decimal]:
    """An int, float or Decimal (not a bool)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def default_format(value: object) -> ValueFormat:
    """The format a value gets when its column declares none."""
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int) and not isinstance(value, bool):
        return "count"
    return "number" if is_number(value) else "text"


def format_value(value: object, value_format: ValueFormat | None = None) -> str:
    """One value as the report prints it."""
    if value is None:
        return MISSING
    chosen = value_format or default_format(value)
    if chosen in ("count", "number", "kwh") and is_number(value):
        return _format_number(float(value), chosen)
    if chosen in ("date", "datetime") and isinstance(value, date | time):
        return _format_moment(value, is_date_only=chosen == "date")
    return str(value)


def _format_number(value: float, value_format: ValueFormat) -> str:
    if value_format == "kwh":
        return f"{value:,.{kwh_decimals(value)}f} kWh"
    if value_format == "count" or value.is_integer():
        return f"{round(value):,}"
    return f"{value:,.2f}"


def kwh_decimals(value: float) -> int:
    """Decimals that keep an energy readable: 12,345 kWh, 123.4 kWh, 1.23 kWh, 0.123 kWh."""
    size = abs(value)
    if size >= 1000 or size == 0:
        return 0
    if size >= 10:
        return 1
    return 2 if size >= 1 else 3


def _format_moment(value: date | time, *, is_date_only: bool) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if not isinstance(value, datetime):
        return value.isoformat()
    if is_date_only:
        return value.date().isoformat()
    if value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


def column_title(column: str, presentation: Presentation) -> str:
    """A column's name for people: its declared title, or the name in words (`rows_loaded` -> `Rows loaded`)."""
    declared = presentation.column_titles.get(column)
    return declared or column.replace("_", " ").capitalize()


def view_title(view: str, presentation: Presentation) -> str:
    """A view's heading: its declared title, or its name in words."""
    return presentation.title or view.replace("_", " ").capitalize()
