"""Values for people: counts with separators, kWh with a sensible precision, dates as dates."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from services.display import column_title, format_value, view_title
from services.presentation import DEFAULT_PRESENTATION, Presentation, ValueFormat


@pytest.mark.parametrize(
    ("value", "value_format", "expected"),
    [
        (30, None, "30"),
        (Decimal("257.00"), "count", "257"),
        (59737450, "count", "59,737,450"),
        (Decimal("131003.456"), None, "131,003.46"),
        (Decimal("131003.00"), "number", "131,003"),
        (Decimal("12345.678"), "kwh", "12,346 kWh"),
        (Decimal("104.818"), "kwh", "104.8 kWh"),
        (Decimal("1.234"), "kwh", "1.23 kWh"),
        (Decimal("0.1234"), "kwh", "0.123 kWh"),
        (0, "kwh", "0 kWh"),
        (date(2026, 1, 31), None, "2026-01-31"),
        (datetime(2026, 1, 31, 23, 5), None, "2026-01-31 23:05"),
        (datetime(2026, 1, 31, 23, 5, tzinfo=timezone(timedelta(hours=10))), None, "2026-01-31 13:05 UTC"),
        (datetime(2026, 1, 31, 23, 5, tzinfo=UTC), "date", "2026-01-31"),
        (time(13, 30), "datetime", "13:30"),
        (None, "count", "\u2013"),
        ("manager", "count", "manager"),
        (True, None, "True"),
    ],
)
def test_values_read_as_people_expect(value: object, value_format: ValueFormat | None, expected: str) -> None:
    assert format_value(value, value_format) == expected


def test_titles_come_from_the_spec_or_from_the_name_in_words() -> None:
    spec = Presentation(title="Energy per day", column_titles={"nmi": "NMI"})

    assert view_title("daily_consumption", spec) == "Energy per day"
    assert view_title("daily_consumption", DEFAULT_PRESENTATION) == "Daily consumption"
    assert column_title("nmi", spec) == "NMI"
    assert column_title("rows_loaded", spec) == "Rows loaded"
