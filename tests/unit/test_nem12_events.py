"""NEM12 interval events and readings: 400 records give intervals their quality, readings_of gives one row each."""

import pytest

from services.importers.base import Reject
from services.importers.nem12 import IntervalDay, NmiBlock, Reading, apply_400, parse_300, readings_of, times_of_day

VALUES_PER_DAY = {5: 288, 15: 96, 30: 48}


def fields_of(record: str) -> list[str]:
    return record.split(",")


def interval_day(quality: str = "V", interval_length: int = 30, reason: str = "") -> IntervalDay:
    """A parsed 300 record of 2026-01-01 on line 3 whose interval i has the value i."""
    values = [str(number) for number in range(1, VALUES_PER_DAY[interval_length] + 1)]
    fields = ["300", "20260101", *values, quality, reason, "", "20260102000000", "20260102000100"]
    parsed = parse_300(fields, 3, NmiBlock(2, "NMI0000001", "1", "E1", "kWh", interval_length))
    assert isinstance(parsed, IntervalDay)
    return parsed


# apply_400


def test_400_records_give_each_interval_range_its_quality() -> None:
    day = interval_day("V")
    assert apply_400(fields_of("400,1,20,A,,"), 4, day) is None
    assert apply_400(fields_of("400,21,48,S14,79,"), 5, day) is None
    assert day.qualities == [("A", None)] * 20 + [("S14", "79")] * 28


def test_intervals_no_400_record_covers_keep_the_300_quality() -> None:
    day = interval_day("V")
    assert apply_400(["400", "2", "3", "E52"], 4, day) is None
    assert day.qualities == [("V", None)] + [("E52", None)] * 2 + [("V", None)] * 45


def test_a_later_overlapping_400_range_wins() -> None:
    day = interval_day("V")
    apply_400(fields_of("400,1,48,A,,"), 4, day)
    apply_400(fields_of("400,10,20,F16,5,"), 5, day)
    apply_400(fields_of("400,20,25,E52,,"), 6, day)
    assert day.qualities == [("A", None)] * 9 + [("F16", "5")] * 10 + [("E52", None)] * 6 + [("A", None)] * 23


def test_a_400_record_applies_to_five_minute_intervals_up_to_288() -> None:
    day = interval_day("V", interval_length=5)
    assert apply_400(fields_of("400,288,288,E52,,"), 4, day) is None
    assert day.qualities[-2:] == [("V", None), ("E52", None)]


@pytest.mark.parametrize("quality", ["A", "E52", "S14", "F16", "N"])
def test_a_400_record_after_a_300_record_that_is_not_v_is_rejected(quality: str) -> None:
    day = interval_day(quality)
    assert apply_400(fields_of("400,1,48,A,,"), 4, day) == Reject(
        4, "400,1,48,A,,", "a 400 record must follow a 300 record whose quality method is V"
    )
    assert day.qualities == []


@pytest.mark.parametrize(("start", "end"), [("0", "5"), ("5", "49"), ("10", "5"), ("49", "49"), ("0", "0")])
def test_a_400_record_outside_the_intervals_of_its_day_is_rejected(start: str, end: str) -> None:
    day = interval_day("V")
    fields = ["400", start, end, "A", "", ""]
    assert apply_400(fields, 4, day) == Reject(4, ",".join(fields), f"intervals {start}-{end} are outside 1-48")
    assert day.qualities == []


@pytest.mark.parametrize("record", ["400", "400,1", "400,1,5", "400,a,5,A", "400,1,-5,A", "400,,5,A", "400,1.0,5,A"])
def test_a_400_record_without_a_start_and_end_number_is_rejected(record: str) -> None:
    assert apply_400(record.split(","), 4, interval_day("V")) == Reject(
        4, record, "a 400 record needs a start and an end interval number"
    )


def test_a_rejected_400_record_leaves_earlier_ranges_alone() -> None:
    day = interval_day("V")
    apply_400(fields_of("400,1,48,A,,"), 4, day)
    assert isinstance(apply_400(fields_of("400,40,50,E52,,"), 5, day), Reject)
    assert day.qualities == [("A", None)] * 48


def test_a_400_record_with_a_superscript_interval_number_is_rejected_not_raised() -> None:
    assert isinstance(apply_400(fields_of("400,²,3,A,,"), 4, interval_day("V")), Reject)


def test_a_400_record_without_a_quality_method_is_rejected() -> None:
    assert isinstance(apply_400(fields_of("400,1,48,,,"), 4, interval_day("V")), Reject)


# readings_of


def test_readings_start_at_the_interval_date_and_step_by_the_interval_length() -> None:
    readings = list(readings_of(interval_day("A")))
    assert [reading.interval_start for reading in readings[:3]] == [
        "2026-01-01 00:00",
        "2026-01-01 00:30",
        "2026-01-01 01:00",
    ]
    assert readings[-1].interval_start == "2026-01-01 23:30"
    assert [reading.value for reading in readings] == [str(number) for number in range(1, 49)]


@pytest.mark.parametrize("interval_length", [5, 15, 30])
def test_a_day_gives_one_reading_per_interval_all_on_that_day(interval_length: int) -> None:
    readings = list(readings_of(interval_day("A", interval_length)))
    assert len(readings) == VALUES_PER_DAY[interval_length]
    assert [reading.interval_start[11:] for reading in readings] == times_of_day(interval_length)
    assert {reading.interval_start[:10] for reading in readings} == {"2026-01-01"}


def test_a_reading_carries_its_block_line_and_quality() -> None:
    first = next(readings_of(interval_day("A")))
    assert first == Reading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)


def test_readings_take_their_quality_per_interval_from_400_records() -> None:
    day = interval_day("V")
    apply_400(fields_of("400,1,24,A,,"), 4, day)
    apply_400(fields_of("400,25,48,S14,79,"), 5, day)
    qualities = [(reading.quality_method, reading.reason_code) for reading in readings_of(day)]
    assert qualities == [("A", None)] * 24 + [("S14", "79")] * 24
    assert {reading.line_no for reading in readings_of(day)} == {3}


def test_readings_of_a_day_without_400_records_share_its_quality_and_reason() -> None:
    day = interval_day("S14", reason="79")
    assert {(reading.quality_method, reading.reason_code) for reading in readings_of(day)} == {("S14", "79")}
