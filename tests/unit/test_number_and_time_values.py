"""The exact types of declared columns, value by value: decimal, timestamp, timestamptz and time."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime, Numeric, Time

from services.column_types import COLUMN_TYPES, standardise
from services.number_and_time_values import (
    standardise_decimal,
    standardise_time,
    standardise_timestamp,
    standardise_timestamptz,
)

UTC = datetime.UTC
PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0.186", Decimal("0.186")),
        ("0.180", Decimal("0.180")),  # the scale as written
        ("-12", Decimal("-12")),
        ("+3.5", Decimal("3.5")),
        (".5", Decimal("0.5")),
        ("5.", Decimal("5")),
        ("1,200.50", Decimal("1200.50")),
        ("12,345,678", Decimal("12345678")),
        ("1e-05", Decimal("0.00001")),  # pandas writes small floats so
        ("2.5E+3", Decimal("2500")),
        (" 7 ", Decimal("7")),
        ("0.1000000000000000055511151231257827", Decimal("0.1000000000000000055511151231257827")),
    ],
)
def test_decimals_are_read_exactly_as_written(raw: str, value: Decimal) -> None:
    result = standardise_decimal(raw)

    assert result == value and str(result) == str(value)


@pytest.mark.parametrize(
    "raw",
    ["1,5", "1,20", "12,34.5", "nan", "NaN", "inf", "-Infinity", "$12", "12%", "1 200", "0x1F", "1.2.3", "e5", "."],
)
def test_values_that_would_give_a_wrong_or_no_number_are_refused_with_the_value(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a decimal number"):
        standardise_decimal(raw)


@pytest.mark.parametrize("raw", ["1e999999", "1e-20000"])
def test_decimals_beyond_what_a_numeric_column_holds_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="outside the range of a decimal column"):
        standardise_decimal(raw)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12))
def test_a_decimal_written_plainly_reads_back_as_the_same_number(value: Decimal) -> None:
    assert standardise_decimal(format(value, "f")) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2021-01-01 00:30:00", datetime.datetime(2021, 1, 1, 0, 30)),
        ("2021-01-01T00:30:00", datetime.datetime(2021, 1, 1, 0, 30)),
        ("2021-01-01t00:30", datetime.datetime(2021, 1, 1, 0, 30)),
        ("2021-01-01 00:30:15.5", datetime.datetime(2021, 1, 1, 0, 30, 15, 500000)),
        ("2021-01-01 00:30:15,25", datetime.datetime(2021, 1, 1, 0, 30, 15, 250000)),
        ("2021-01-01T00:30:15.123456000", datetime.datetime(2021, 1, 1, 0, 30, 15, 123456)),  # nanoseconds, all zero
        ("2021-01-01", datetime.datetime(2021, 1, 1)),  # pandas writes a midnight-only column as dates
    ],
)
def test_timestamps_without_a_zone_are_kept_as_written(raw: str, value: datetime.datetime) -> None:
    assert standardise_timestamp(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2021-01-01T00:30:00Z", "has a time zone; declare the column as timestamptz"),
        ("2021-01-01 00:30:00+01:00", "has a time zone"),
        ("2021-02-30 00:00", "is not a real date"),
        ("2021-01-01 24:00", "is not a real time of day"),
        ("2021-01-01 12:60", "is not a real time of day"),
        ("2021-01-01 00:30:00.1234567", "more precise than a microsecond"),
        ("01/02/2021 00:30", "is not a timestamp"),
        ("2021-1-1 00:30", "is not a timestamp"),
        ("1609461000", "is not a timestamp"),
        ("2021-01-01 00:30 AM", "is not a timestamp"),
    ],
)
def test_timestamps_that_would_load_as_another_moment_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        standardise_timestamp(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2021-01-01T00:30:00Z", datetime.datetime(2021, 1, 1, 0, 30, tzinfo=UTC)),
        ("2021-01-01 01:30:00+01:00", datetime.datetime(2021, 1, 1, 1, 30, tzinfo=PLUS_ONE)),
        ("2021-01-01 01:30+0100", datetime.datetime(2021, 1, 1, 1, 30, tzinfo=PLUS_ONE)),
        ("2021-01-01 01:30+01", datetime.datetime(2021, 1, 1, 1, 30, tzinfo=PLUS_ONE)),
        ("2020-12-31 19:00-05:30", datetime.datetime(2021, 1, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_with_a_zone_are_instants(raw: str, value: datetime.datetime) -> None:
    assert standardise_timestamptz(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2021-01-01 00:30:00", "has no time zone"),
        ("2021-01-01", "has no time zone"),
        ("2021-01-01 00:30+25", "offset"),
    ],
)
def test_a_timestamptz_without_a_zone_or_with_an_impossible_one_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        standardise_timestamptz(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("13:00:00", datetime.time(13)),
        ("06:00", datetime.time(6)),
        ("6:00:00", datetime.time(6)),
        ("23:59:59.999", datetime.time(23, 59, 59, 999000)),
    ],
)
def test_times_of_day_are_read_as_written(raw: str, value: datetime.time) -> None:
    assert standardise_time(raw) == value


@pytest.mark.parametrize("raw", ["25:00", "13:00:00Z", "1pm", "13h00", "13:0"])
def test_anything_but_a_time_of_day_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="time of day"):
        standardise_time(raw)


def test_the_exact_types_are_registered_with_their_sql_types() -> None:
    assert isinstance(COLUMN_TYPES["decimal"].sql_type, Numeric)
    timestamp, timestamptz = COLUMN_TYPES["timestamp"].sql_type, COLUMN_TYPES["timestamptz"].sql_type
    assert isinstance(timestamp, DateTime) and not timestamp.timezone
    assert isinstance(timestamptz, DateTime) and timestamptz.timezone
    assert isinstance(COLUMN_TYPES["time"].sql_type, Time)
    assert standardise("decimal", "1,200.5", phone_region="US") == Decimal("1200.5")
