"""NEM12 parsing, record by record: times of day, 200 and 300 records, recognition and COPY rows."""

from collections.abc import Sequence
from datetime import date

import pytest

from services.importers.base import Reject
from services.importers.nem12 import (
    COPY_COLUMNS,
    IntervalDay,
    NmiBlock,
    Reading,
    copy_lines,
    is_nem12,
    iter_interval_days,
    iter_nem12_copy_lines,
    parse_200,
    parse_300,
    readings_of,
    times_of_day,
    to_copy_line,
)
from tests.support.samples.nem12 import nem12_lines

GOOD_200 = "200,NMI0000001,E1B1,1,E1,N1,METER1,kWh,30,20260101"
VALUES_PER_DAY = {5: 288, 15: 96, 30: 48}


def fields_of(record: str) -> list[str]:
    return record.split(",")


def block_of(interval_length: int = 30) -> NmiBlock:
    return NmiBlock(2, "NMI0000001", "1", "E1", "kWh", interval_length)


def fields_300(
    day: str = "20260101", values: Sequence[str] | None = None, *, count: int = 48, quality: str = "A", reason: str = ""
) -> list[str]:
    """The fields of a 300 record: date, values, then QualityMethod, ReasonCode, ReasonDescription and two stamps."""
    values = [str(number) for number in range(1, count + 1)] if values is None else values
    return ["300", day, *values, quality, reason, "", "20260102000000", "20260102000100"]


def with_one_value(value: str, position: int = 7) -> list[str]:
    values = ["1.5"] * 48
    values[position - 1] = value
    return fields_300(values=values)


# times_of_day


@pytest.mark.parametrize(
    ("interval_length", "first", "last"),
    [
        (5, ["00:00", "00:05", "00:10"], "23:55"),
        (15, ["00:00", "00:15", "00:30"], "23:45"),
        (30, ["00:00", "00:30", "01:00"], "23:30"),
    ],
)
def test_times_of_day_start_at_midnight_and_step_by_the_interval_length(
    interval_length: int, first: list[str], last: str
) -> None:
    times = times_of_day(interval_length)
    assert len(times) == VALUES_PER_DAY[interval_length]
    assert times[:3] == first
    assert times[-1] == last
    assert len(set(times)) == len(times)


def test_the_thirty_minute_times_of_day_are_the_half_hours() -> None:
    assert times_of_day(30) == [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30)]


# parse_200


def test_a_good_200_record_starts_a_block() -> None:
    assert parse_200(GOOD_200.split(","), 2) == NmiBlock(2, "NMI0000001", "1", "E1", "kWh", 30)


@pytest.mark.parametrize("length", [5, 15, 30])
def test_a_200_record_takes_each_nem12_interval_length(length: int) -> None:
    parsed = parse_200(GOOD_200.replace(",30,", f",{length},").split(","), 4)
    assert isinstance(parsed, NmiBlock)
    assert parsed.interval_length == length


def test_a_200_record_suffix_is_upper_cased() -> None:
    parsed = parse_200(GOOD_200.replace(",E1,N1,", ",e1,N1,").split(","), 2)
    assert isinstance(parsed, NmiBlock)
    assert parsed.suffix == "E1"


def test_a_200_record_with_a_blank_next_read_date_is_a_block() -> None:
    assert isinstance(parse_200(fields_of("200,NMI0000001,E1,1,E1,N1,,kWh,15,"), 2), NmiBlock)


@pytest.mark.parametrize("count", [1, 5, 9])
def test_a_short_200_record_is_rejected_with_its_field_count(count: int) -> None:
    fields = GOOD_200.split(",")[:count]
    assert parse_200(fields, 6) == Reject(6, ",".join(fields), f"a 200 record needs 10 fields, this one has {count}")


@pytest.mark.parametrize(
    "nmi", ["", "NMI000001", "NMI00000011", "nmi0000001", "NMI-000001", "NMI 000001", "NMI000000é"]
)
def test_a_200_record_with_a_bad_nmi_is_rejected(nmi: str) -> None:
    fields = GOOD_200.replace("NMI0000001", nmi).split(",")
    assert parse_200(fields, 2) == Reject(2, ",".join(fields), f"NMI {nmi!r} is not 10 letters or digits")


@pytest.mark.parametrize("length", ["", "0", "1", "10", "60", "-5", "+5", "30.0", "x", "thirty"])
def test_a_200_record_with_a_bad_interval_length_is_rejected(length: str) -> None:
    fields = GOOD_200.replace(",30,", f",{length},").split(",")
    assert parse_200(fields, 2) == Reject(2, ",".join(fields), f"interval length {length!r} is not 5, 15 or 30 minutes")


@pytest.mark.parametrize("length", ["²", "³⁰"])
def test_a_200_record_with_a_superscript_interval_length_is_rejected_not_raised(length: str) -> None:
    assert isinstance(parse_200(GOOD_200.replace(",30,", f",{length},").split(","), 2), Reject)


@pytest.mark.parametrize("length", ["١٥", "３０"])
def test_a_200_record_with_a_non_ascii_digit_interval_length_is_rejected(length: str) -> None:
    assert isinstance(parse_200(GOOD_200.replace(",30,", f",{length},").split(","), 2), Reject)


@pytest.mark.parametrize("record", ["200,NMI0000001,E1,1,,N1,M1,kWh,30,", "200,NMI0000001,E1,1,E1,N1,M1,,30,"])
def test_a_200_record_without_a_suffix_or_a_unit_is_rejected(record: str) -> None:
    assert isinstance(parse_200(record.split(","), 2), Reject)


# parse_300


@pytest.mark.parametrize("interval_length", [5, 15, 30])
def test_a_300_record_with_a_full_day_of_values_is_an_interval_day(interval_length: int) -> None:
    count = VALUES_PER_DAY[interval_length]
    fields = fields_300(count=count)
    assert parse_300(fields, 3, block_of(interval_length)) == IntervalDay(
        block_of(interval_length), 3, date(2026, 1, 1), fields[2 : 2 + count], "A", None
    )


@pytest.mark.parametrize(
    ("interval_length", "count"),
    [(30, 47), (30, 49), (30, 0), (30, 96), (15, 95), (15, 97), (15, 48), (15, 288), (5, 287), (5, 289), (5, 96)],
)
def test_a_300_record_with_the_wrong_number_of_values_is_rejected(interval_length: int, count: int) -> None:
    fields = fields_300(count=count)
    needed = VALUES_PER_DAY[interval_length]
    assert parse_300(fields, 8, block_of(interval_length)) == Reject(
        8,
        ",".join(fields),
        f"a 300 record of a {interval_length}-minute block needs {needed} values, this one has {count}",
    )


@pytest.mark.parametrize(
    "value",
    ["", "-1", "-0", "+1", "1e5", "1E5", "nan", "NaN", "inf", "1.", ".5", "1.2.3", "1 2", "0x10", "1_000", "abc"],
)
def test_a_300_record_with_a_non_numeric_value_is_rejected_naming_the_interval(value: str) -> None:
    fields = with_one_value(value)
    assert parse_300(fields, 3, block_of()) == Reject(
        3, ",".join(fields), f"interval 7 value {value!r} is not a number"
    )


@pytest.mark.parametrize("value", ["٣", "１２", "1.٥", "߁"])
def test_a_300_record_with_a_non_ascii_digit_value_is_rejected(value: str) -> None:
    assert isinstance(parse_300(with_one_value(value), 3, block_of()), Reject)


@pytest.mark.parametrize("value", ["0", "12", "0.001", "007.50", "123456789012.345"])
def test_plain_decimal_values_are_kept_as_written(value: str) -> None:
    parsed = parse_300(with_one_value(value, position=48), 3, block_of())
    assert isinstance(parsed, IntervalDay)
    assert parsed.values[-1] == value


def test_only_the_first_bad_value_is_named() -> None:
    values = ["1"] * 48
    values[2], values[9] = "x", "y"
    reject = parse_300(fields_300(values=values), 3, block_of())
    assert isinstance(reject, Reject)
    assert reject.reason == "interval 3 value 'x' is not a number"


@pytest.mark.parametrize(
    "day",
    ["20260230", "20250229", "20261301", "20260100", "20260000", "00000101", "2026-01-01", "", "abcdefgh", "202601011"],
)
def test_a_300_record_with_an_invalid_date_is_rejected(day: str) -> None:
    fields = fields_300(day)
    assert parse_300(fields, 3, block_of()) == Reject(
        3, ",".join(fields), f"interval date {day!r} is not a valid YYYYMMDD date"
    )


@pytest.mark.parametrize("day", ["2026111", "202611", "202601 1"])
def test_a_300_record_date_must_have_eight_digits(day: str) -> None:
    assert isinstance(parse_300(fields_300(day), 3, block_of()), Reject)


def test_a_leap_day_is_a_valid_interval_date() -> None:
    parsed = parse_300(fields_300("20280229"), 3, block_of())
    assert isinstance(parsed, IntervalDay)
    assert parsed.day == date(2028, 2, 29)


def test_a_wrong_value_count_is_reported_before_a_bad_date() -> None:
    reject = parse_300(fields_300("20260230", count=47), 3, block_of())
    assert isinstance(reject, Reject)
    assert reject.reason.startswith("a 300 record of a 30-minute block needs 48 values")


@pytest.mark.parametrize(
    ("quality", "reason", "expected_reason"),
    [("A", "", None), ("E52", "", None), ("S14", "79", "79"), ("F16", "0", "0"), ("V", "", None), ("N", "", None)],
)
def test_a_300_record_keeps_its_quality_method_and_reason_code(
    quality: str, reason: str, expected_reason: str | None
) -> None:
    parsed = parse_300(fields_300(quality=quality, reason=reason), 3, block_of())
    assert isinstance(parsed, IntervalDay)
    assert (parsed.quality_method, parsed.reason_code, parsed.qualities) == (quality, expected_reason, [])


def test_a_300_record_without_a_quality_method_is_rejected() -> None:
    assert isinstance(parse_300(fields_300(quality=""), 3, block_of()), Reject)


# is_nem12


@pytest.mark.parametrize(
    "head",
    [
        b"100,NEM12,202601010000,MDP1,RETAILER1\r\n200,NMI0000001,E1",
        b"\xef\xbb\xbf100,NEM12,202601010000,MDP1,RETAILER1\n",
        b"\r\n\n  \t100,NEM12,202601010000,MDP1,RETAILER1\n",
        b"\xef\xbb\xbf\r\n100,NEM12",
        b"100,NEM12",
    ],
    ids=["plain", "bom", "leading-blank-lines", "bom-then-blank-line", "cut-short"],
)
def test_a_first_record_of_100_nem12_is_nem12(head: bytes) -> None:
    assert is_nem12(head)


@pytest.mark.parametrize("head", [b"200,NMI0000001,E1,1,E1,N1,M1,kWh,30,\n300,20260101", b"\n200,NMI0000001,"])
def test_a_headerless_file_starting_with_a_200_record_is_taken_as_nem12(head: bytes) -> None:
    assert is_nem12(head)


@pytest.mark.parametrize(
    "head",
    [
        b"title,pdl count,top related titles 1\nnurse,12,rn\n",
        b"\xef\xbb\xbftitle,pdl count\r\n",
        b"",
        b"\xef\xbb\xbf",
        b"\x00\xff\xfe garbage",
        b"100,NEM13,202601010000,MDP1,RETAILER1\n",
        b"100,nem12\n",
        b"1000,NEM12\n",
        b"NEM12\n",
        b"200,NMI01,E1\n",
        b"200,nmi0000001,E1\n",
        b"300,20260101,1,2\n",
        b"x,100,NEM12\n",
    ],
)
def test_other_heads_are_not_nem12(head: bytes) -> None:
    assert not is_nem12(head)


# to_copy_line and copy_lines


def test_a_copy_row_is_the_file_id_then_the_reading_in_staging_column_order() -> None:
    reading = Reading(3, "NMI0000001", "B1", "2", "Wh", 15, "2026-01-01 00:15", "0.5", "S14", "79")
    fields = to_copy_line(9, reading).removesuffix("\n").split("\t")
    assert dict(zip(COPY_COLUMNS, fields, strict=True)) == {
        "file_id": "9",
        "line_no": "3",
        "nmi": "NMI0000001",
        "nmi_suffix": "B1",
        "register_id": "2",
        "uom": "Wh",
        "interval_length": "15",
        "interval_start": "2026-01-01 00:15",
        "value": "0.5",
        "quality_method": "S14",
        "reason_code": "79",
    }


def test_a_copy_line_writes_a_missing_reason_code_as_null() -> None:
    line = to_copy_line(1, Reading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None))
    assert line == "1\t3\tNMI0000001\tE1\t1\tkWh\t30\t2026-01-01 00:00\t1\tA\t\\N\n"


@pytest.mark.parametrize("with_400", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_shared_per_record_lines_equal_one_line_per_reading(seed: int, with_400: bool) -> None:
    lines = list(nem12_lines(3, 2, seed=seed, with_400=with_400))
    days = [item for item in iter_interval_days(lines) if not isinstance(item, Reject)]
    fast = [line for day in days for line in copy_lines(7, day)]
    assert fast == [to_copy_line(7, reading) for day in days for reading in readings_of(day)]
    assert fast == list(iter_nem12_copy_lines(lines, 7))
