"""NEM12 parsing, record by record (nem12_records): times of day, 200 and 300 records; recognition and COPY rows."""

from datetime import date

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.mdff import Record, split_fields
from services.importers.nem12 import COPY_COLUMNS, copy_lines, is_nem12, iter_interval_days
from services.importers.nem12_records import (
    IntervalDay,
    NmiBlock,
    is_interval_length,
    parse_200,
    parse_300,
    times_of_day,
)
from tests.meter_data import StagedReading, decode_copy_line, readings_and_rejects
from tests.support.samples.nem12 import nem12_lines

GOOD_200 = "200,NMI0000001,E1B1,1,E1,N1,METER1,kWh,30,20260101"
VALUES_PER_DAY = {5: 288, 10: 144, 15: 96, 30: 48}


def record(text: str, line_no: int = 2) -> Record:
    return Record(line_no, split_fields(text), text, True)


def block_of(interval_length: int = 30) -> NmiBlock:
    return NmiBlock(2, "NMI0000001", "1", "E1", "kWh", interval_length)


def text_300(
    day: str = "20260101", values: list[str] | None = None, *, count: int = 48, quality: str = "A", reason: str = ""
) -> str:
    """A 300 record: date, values, then QualityMethod, ReasonCode, ReasonDescription and two stamps."""
    values = [str(number) for number in range(1, count + 1)] if values is None else values
    return ",".join(["300", day, *values, quality, reason, "", "20260102000000", "20260102000100"])


def with_one_value(value: str, position: int = 7) -> str:
    values = ["1.5"] * 48
    values[position - 1] = value
    return text_300(values=values)


def wrong_count(text: str, interval_length: int = 30) -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        parse_300(record(text, 8), block_of(interval_length))
    return caught.value


# times_of_day and interval lengths


@pytest.mark.parametrize(
    ("interval_length", "first", "last"),
    [
        (5, ["00:00", "00:05", "00:10"], "23:55"),
        (10, ["00:00", "00:10", "00:20"], "23:50"),
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


@pytest.mark.parametrize("minutes", [1, 5, 10, 15, 30, 60, 1440])
def test_any_interval_length_that_divides_a_day_is_one(minutes: int) -> None:
    assert is_interval_length(minutes)
    assert len(times_of_day(minutes)) * minutes == 1440


@pytest.mark.parametrize("minutes", [0, -5, 7, 25, 45 * 7, 1441, 2880])
def test_a_length_that_does_not_divide_a_day_is_no_interval_length(minutes: int) -> None:
    assert not is_interval_length(minutes)


# parse_200


def test_a_good_200_record_starts_a_stream() -> None:
    assert parse_200(record(GOOD_200)) == NmiBlock(2, "NMI0000001", "1", "E1", "kWh", 30)


@pytest.mark.parametrize("length", [5, 10, 15, 30])
def test_a_200_record_takes_each_interval_length_real_files_use(length: int) -> None:
    parsed = parse_200(record(GOOD_200.replace(",30,", f",{length},")))
    assert isinstance(parsed, NmiBlock)
    assert parsed.interval_length == length


def test_a_200_record_suffix_is_upper_cased() -> None:
    parsed = parse_200(record(GOOD_200.replace(",E1,N1,", ",e1,N1,")))
    assert isinstance(parsed, NmiBlock)
    assert parsed.suffix == "E1"


@pytest.mark.parametrize(
    "text",
    [
        "200,NMI0000001,E1,1,E1,N1,,kWh,15,",
        "200,NMI0000001,E1,1,E1,N1,,kWh,15",
        "200,NMI0000001,E1,1,E1,N1,,kWh,15,,,,",
    ],
    ids=["blank-next-read-date", "no-next-read-date-field", "padded"],
)
def test_a_200_record_without_its_optional_next_read_date_starts_a_stream(text: str) -> None:
    assert isinstance(parse_200(record(text)), NmiBlock)


@pytest.mark.parametrize("count", [1, 5, 8])
def test_a_short_200_record_is_rejected_with_its_field_count(count: int) -> None:
    text = ",".join(GOOD_200.split(",")[:count])
    assert parse_200(record(text, 6)) == Reject(6, text, f"a 200 record needs at least 9 fields, this one has {count}")


@pytest.mark.parametrize("nmi", ["NMI111", "123", "C123", "SAMPLE1", "nmi1", "NMI0000001"])
def test_a_200_record_takes_an_nmi_of_up_to_ten_letters_or_digits_as_written(nmi: str) -> None:
    parsed = parse_200(record(GOOD_200.replace("NMI0000001", nmi)))
    assert isinstance(parsed, NmiBlock)
    assert parsed.nmi == nmi


def test_an_nmi_padded_with_spaces_is_trimmed() -> None:
    parsed = parse_200(record(GOOD_200.replace("NMI0000001", "  NMI111 ")))
    assert isinstance(parsed, NmiBlock)
    assert parsed.nmi == "NMI111"


@pytest.mark.parametrize("nmi", ["", "NMI00000011", "NMI-000001", "NMI 000001", "NMI000000é"])
def test_a_200_record_with_a_bad_nmi_is_rejected(nmi: str) -> None:
    text = GOOD_200.replace("NMI0000001", nmi)
    assert parse_200(record(text)) == Reject(2, text, f"NMI {nmi!r} is not 1 to 10 letters or digits")


@pytest.mark.parametrize("length", ["", "0", "7", "25", "1441", "-5", "+5", "30.0", "x", "thirty"])
def test_a_200_record_with_a_bad_interval_length_is_rejected(length: str) -> None:
    text = GOOD_200.replace(",30,", f",{length},")
    assert parse_200(record(text)) == Reject(
        2, text, f"interval length {length!r} is not a whole number of minutes dividing a day"
    )


@pytest.mark.parametrize("length", ["²", "³⁰", "١٥", "３０"])
def test_a_200_record_with_a_non_ascii_digit_interval_length_is_rejected_not_raised(length: str) -> None:
    assert isinstance(parse_200(record(GOOD_200.replace(",30,", f",{length},"))), Reject)


def test_a_200_record_without_a_suffix_is_rejected() -> None:
    assert isinstance(parse_200(record("200,NMI0000001,E1,1,,N1,M1,kWh,30,")), Reject)


@pytest.mark.parametrize(("suffix", "uom"), [("E1", ""), ("B1", "kVArh"), ("E2", "kW")])
def test_an_energy_stream_without_an_energy_unit_is_rejected(suffix: str, uom: str) -> None:
    text = f"200,NMI0000001,E1,1,{suffix},N1,M1,{uom},30,"
    assert parse_200(record(text)) == Reject(
        2, text, f"stream {suffix} is energy, so its unit {uom!r} must be Wh, kWh or MWh"
    )


@pytest.mark.parametrize(("suffix", "uom"), [("V1", ""), ("Q1", "kVArh"), ("K1", "VARH")])
def test_other_streams_may_have_any_unit_or_none(suffix: str, uom: str) -> None:
    assert isinstance(parse_200(record(f"200,NMI0000001,E1,1,{suffix},N1,M1,{uom},10,")), NmiBlock)


# parse_300


@pytest.mark.parametrize("interval_length", [5, 10, 15, 30])
def test_a_300_record_with_a_full_day_of_values_is_an_interval_day(interval_length: int) -> None:
    count = VALUES_PER_DAY[interval_length]
    text = text_300(count=count)
    assert parse_300(record(text, 3), block_of(interval_length)) == IntervalDay(
        block_of(interval_length), 3, date(2026, 1, 1), text.split(",")[2 : 2 + count], "A", None
    )


@pytest.mark.parametrize(
    "text",
    [
        ",".join(["300", "20260101", *["1"] * 48, "A", "", "", "20260102000000"]),
        ",".join(["300", "20260101", *["1"] * 48, "A", "", "", "20260102000000", "20260102000100", "", "", ""]),
        ",".join(["300", "20260101", *["1"] * 48, "A"]),
        ",".join(["300", " 20260101 ", *[" 1 "] * 48, " A "]),
    ],
    ids=["no-msats-load-date-time", "padded-with-empty-fields", "quality-only", "spaces"],
)
def test_a_300_record_needs_only_its_values_and_quality_method(text: str) -> None:
    parsed = parse_300(record(text), block_of())
    assert isinstance(parsed, IntervalDay)
    assert (parsed.values, parsed.quality_method) == (["1"] * 48, "A")


@pytest.mark.parametrize(
    ("interval_length", "count"),
    [(30, 47), (30, 49), (30, 96), (15, 95), (15, 97), (15, 48), (15, 288), (5, 287), (5, 289), (5, 96), (10, 48)],
)
def test_a_300_record_with_the_wrong_number_of_values_refuses_the_file(interval_length: int, count: int) -> None:
    error = wrong_count(text_300(count=count), interval_length)
    needed = VALUES_PER_DAY[interval_length]
    assert error.reason.startswith(
        f"line 8: a 300 record of a {interval_length}-minute stream needs {needed} values, this one has {count}; "
        "the file is refused whole"
    )
    assert "interval length of the 200 record on line 2" in error.reason
    assert (error.line, error.detail) == (8, "NMI NMI0000001, stream E1")


def test_a_300_record_without_any_value_refuses_the_file() -> None:
    assert "needs 48 values, this one has 0" in wrong_count("300,20040201,V,,,20040202120025,").reason


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is empty"),
        ("-1", "is negative: meter data is never below zero"),
        ("-.5", "is negative: meter data is never below zero"),
        ("1e5", "is not a plain decimal number"),
        ("nan", "is not a plain decimal number"),
        ("inf", "is not a plain decimal number"),
        ("+1", "is not a plain decimal number"),
        ("1.", "is not a plain decimal number"),
        ("1.2.3", "is not a plain decimal number"),
        ("0x10", "is not a plain decimal number"),
        ("1_000", "is not a plain decimal number"),
        ("1 2", "is not a plain decimal number"),
    ],
)
def test_a_300_record_with_a_bad_value_is_rejected_naming_the_interval(value: str, problem: str) -> None:
    reject = parse_300(record(with_one_value(value), 3), block_of())
    assert isinstance(reject, Reject)
    assert reject.reason.startswith(f"interval 7 value {value!r} {problem}")
    assert reject.raw_text == with_one_value(value)


@pytest.mark.parametrize("value", ["٣", "１２", "1.٥", "߁"])
def test_a_300_record_with_a_non_ascii_digit_value_is_rejected(value: str) -> None:
    assert isinstance(parse_300(record(with_one_value(value)), block_of()), Reject)


@pytest.mark.parametrize("value", ["0", "12", "0.001", "007.50", "123456789012.345", ".02", ".144", ".5"])
def test_decimal_values_with_or_without_a_leading_zero_are_kept_as_written(value: str) -> None:
    parsed = parse_300(record(with_one_value(value, position=48)), block_of())
    assert isinstance(parsed, IntervalDay)
    assert parsed.values[-1] == value


def test_only_the_first_bad_value_is_named() -> None:
    values = ["1"] * 48
    values[2], values[9] = "x", "y"
    reject = parse_300(record(text_300(values=values)), block_of())
    assert isinstance(reject, Reject)
    assert reject.reason.startswith("interval 3 value 'x' is not a plain decimal number")


@pytest.mark.parametrize(
    "day",
    ["20260230", "20250229", "20261301", "20260100", "20260000", "00000101", "2026-01-01", "abcdefgh", "202601011"],
)
def test_a_300_record_with_an_invalid_date_is_rejected(day: str) -> None:
    text = text_300(day)
    assert parse_300(record(text, 3), block_of()) == Reject(
        3, text, f"interval date {day!r} is not a valid YYYYMMDD date"
    )


@pytest.mark.parametrize("day", ["2026111", "202611", "202601 1"])
def test_a_300_record_date_must_have_eight_digits(day: str) -> None:
    assert isinstance(parse_300(record(text_300(day)), block_of()), Reject)


def test_a_leap_day_is_a_valid_interval_date() -> None:
    parsed = parse_300(record(text_300("20280229")), block_of())
    assert isinstance(parsed, IntervalDay)
    assert parsed.day == date(2028, 2, 29)


def test_a_wrong_value_count_is_reported_before_a_bad_date() -> None:
    assert "needs 48 values, this one has 47" in wrong_count(text_300("20260230", count=47)).reason


@pytest.mark.parametrize(
    ("quality", "reason", "expected_reason"),
    [("A", "", None), ("E52", "", None), ("S14", "79", "79"), ("F16", "0", "0"), ("V", "", None), ("N", "", None)],
)
def test_a_300_record_keeps_its_quality_method_and_reason_code(
    quality: str, reason: str, expected_reason: str | None
) -> None:
    parsed = parse_300(record(text_300(quality=quality, reason=reason)), block_of())
    assert isinstance(parsed, IntervalDay)
    assert (parsed.quality_method, parsed.reason_code, parsed.qualities) == (quality, expected_reason, [])


@pytest.mark.parametrize("quality", ["", "X", "a", "A1"])
def test_a_300_record_without_a_quality_method_is_rejected(quality: str) -> None:
    reject = parse_300(record(text_300(quality=quality)), block_of())
    assert isinstance(reject, Reject)
    assert reject.reason == f"after the 48 values comes {quality!r}, not a quality method (A, E, F, N, S or V)"


def test_a_300_record_with_fields_past_its_msats_load_date_time_is_rejected() -> None:
    reject = parse_300(record(text_300() + ",300,20260102"), block_of())
    assert isinstance(reject, Reject)
    assert reject.reason == "2 fields after MSATSLoadDateTime: two records on one line?"


# is_nem12


@pytest.mark.parametrize(
    "head",
    [
        b"100,NEM12,202601010000,MDP1,RETAILER1\r\n200,NMI0000001,E1",
        b"\xef\xbb\xbf100,NEM12,202601010000,MDP1,RETAILER1\n",
        b"\r\n\n  \t100,NEM12,202601010000,MDP1,RETAILER1\n",
        b"\xef\xbb\xbf\r\n100,NEM12",
        b"100,NEM12",
        b",,,\r\n100,NEM12,202311302114,WPNTKS,WPNTKS,,,,,,,,,\r\n",
        b"100 , NEM12 ,x\n",
    ],
    ids=["plain", "bom", "leading-blank-lines", "bom-then-blank-line", "cut-short", "comma-line-padded", "spaces"],
)
def test_a_first_record_of_100_nem12_is_nem12(head: bytes) -> None:
    assert is_nem12(head)


@pytest.mark.parametrize(
    "head",
    [
        b"200,NMI0000001,E1,1,E1,N1,M1,kWh,30,\n300,20260101",
        b"\n200,VABD000163,E1Q1,1,E1,N1,METSER123,KWH,30,\n",
        b"200,NMI111,Q1K1E1B1,E1,E1,N1,METER_SN,KWH,15\n",
    ],
)
def test_a_headerless_file_starting_with_a_well_formed_200_record_is_nem12(head: bytes) -> None:
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
        b"200,NMI123456789,E1,1,E1,N1,METER1,KWH,30,20220101\n",
        b"200,NMI0000001,E1,1,E1,N1,M1,kWh,7,\n",
        b"300,20260101,1,2\n",
        b"x,100,NEM12\n",
    ],
)
def test_other_heads_are_not_nem12(head: bytes) -> None:
    assert not is_nem12(head)


# copy_lines


def test_a_copy_line_is_the_file_id_then_the_reading_in_staging_column_order() -> None:
    day = IntervalDay(NmiBlock(2, "NMI0000001", "2", "B1", "Wh", 15), 3, date(2026, 1, 1), ["0.5"] * 96, "S14", "79")
    fields = next(iter(copy_lines(9, day))).removesuffix("\n").split("\t")
    assert dict(zip(COPY_COLUMNS, fields, strict=True)) == {
        "file_id": "9",
        "line_no": "3",
        "nmi": "NMI0000001",
        "nmi_suffix": "B1",
        "register_id": "2",
        "uom": "Wh",
        "interval_length": "15",
        "interval_start": "2026-01-01 00:00",
        "value": "0.5",
        "quality_method": "S14",
        "reason_code": "79",
    }


def test_a_copy_line_writes_a_missing_reason_code_as_null() -> None:
    day = IntervalDay(block_of(), 3, date(2026, 1, 1), ["1"] * 48, "A", None)
    assert list(copy_lines(1, day))[1] == "1\t3\tNMI0000001\tE1\t1\tkWh\t30\t2026-01-01 00:30\t1\tA\t\\N\n"


def test_copy_lines_give_one_reading_per_interval_at_its_time_of_day() -> None:
    day = IntervalDay(block_of(), 3, date(2026, 1, 1), [str(n) for n in range(1, 49)], "A", None)
    readings = [decode_copy_line(line) for line in copy_lines(1, day)]
    assert [reading.interval_start[11:] for reading in readings] == times_of_day(30)
    assert [reading.value for reading in readings] == [str(n) for n in range(1, 49)]
    assert readings[0] == StagedReading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)


@pytest.mark.parametrize("with_400", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_generated_interval_gets_one_copy_line_with_its_own_quality(seed: int, with_400: bool) -> None:
    lines = list(nem12_lines(3, 2, seed=seed, with_400=with_400))
    items = readings_and_rejects(iter_interval_days(lines))
    days = [item for item in iter_interval_days(lines) if isinstance(item, IntervalDay)]
    assert len(items) == sum(len(day.values) for day in days)
    for day in days:
        of_day = [item for item in items if isinstance(item, StagedReading) and item.line_no == day.line_no]
        qualities = day.qualities or [(day.quality_method, day.reason_code)] * len(day.values)
        assert [(item.quality_method, item.reason_code) for item in of_day] == qualities
