"""NEM12 interval events: 400 records give the intervals of a `V` day their quality, or are rejected with their line."""

import pytest

from services.importers.base import Reject
from services.importers.mdff import Record, split_fields
from services.importers.nem12 import copy_lines
from services.importers.nem12_records import IntervalDay, NmiBlock, apply_400, parse_300
from tests.meter_data import decode_copy_line

VALUES_PER_DAY = {5: 288, 15: 96, 30: 48}


def record(text: str, line_no: int = 4) -> Record:
    return Record(line_no, split_fields(text), text, True)


def interval_day(quality: str = "V", interval_length: int = 30, reason: str = "") -> IntervalDay:
    """A parsed 300 record of 2026-01-01 on line 3 whose interval i has the value i."""
    values = [str(number) for number in range(1, VALUES_PER_DAY[interval_length] + 1)]
    text = ",".join(["300", "20260101", *values, quality, reason, "", "20260102000000", "20260102000100"])
    parsed = parse_300(record(text, 3), NmiBlock(2, "NMI0000001", "1", "E1", "kWh", interval_length))
    assert isinstance(parsed, IntervalDay)
    return parsed


def test_400_records_give_each_interval_range_its_quality() -> None:
    day = interval_day("V")
    assert apply_400(record("400,1,20,A,,"), day) is None
    assert apply_400(record("400,21,48,S14,79,", 5), day) is None
    assert day.qualities == [("A", None)] * 20 + [("S14", "79")] * 28


def test_intervals_no_400_record_covers_keep_the_300_quality() -> None:
    day = interval_day("V")
    assert apply_400(record("400,2,3,E52"), day) is None
    assert day.qualities == [("V", None)] + [("E52", None)] * 2 + [("V", None)] * 45


@pytest.mark.parametrize(("second", "overlapped"), [("400,10,20,F16,5,", "1-10"), ("400,5,5,E52,,", "1-10")])
def test_a_400_record_overlapping_an_earlier_one_is_rejected_and_the_earlier_stands(
    second: str, overlapped: str
) -> None:
    day = interval_day("V")
    apply_400(record("400,1,10,A,,"), day)
    fields = second.split(",")
    assert apply_400(record(second, 5), day) == Reject(
        5, second, f"intervals {fields[1]}-{fields[2]} overlap {overlapped}"
    )
    assert day.qualities == [("A", None)] * 10 + [("V", None)] * 38


def test_adjacent_400_ranges_do_not_overlap() -> None:
    day = interval_day("V")
    assert apply_400(record("400,1,10,A,,"), day) is None
    assert apply_400(record("400,11,11,E52,,"), day) is None
    assert apply_400(record("400,12,48,A,,"), day) is None


def test_a_400_record_applies_to_five_minute_intervals_up_to_288() -> None:
    day = interval_day("V", interval_length=5)
    assert apply_400(record("400,288,288,E52,,"), day) is None
    assert day.qualities[-2:] == [("V", None), ("E52", None)]


@pytest.mark.parametrize("quality", ["A", "E52", "S14", "F16", "N"])
def test_a_400_record_after_a_300_record_that_is_not_v_is_rejected(quality: str) -> None:
    day = interval_day(quality)
    assert apply_400(record("400,1,48,A,,"), day) == Reject(
        4, "400,1,48,A,,", "a 400 record must follow a 300 record whose quality method is V"
    )
    assert day.qualities == []


@pytest.mark.parametrize(("start", "end"), [("0", "5"), ("5", "49"), ("10", "5"), ("49", "49"), ("0", "0")])
def test_a_400_record_outside_the_intervals_of_its_day_is_rejected(start: str, end: str) -> None:
    day = interval_day("V")
    text = f"400,{start},{end},A,,"
    assert apply_400(record(text), day) == Reject(4, text, f"intervals {start}-{end} are outside 1-48")
    assert day.qualities == []


@pytest.mark.parametrize("text", ["400", "400,1", "400,a,5,A", "400,1,-5,A", "400,,5,A", "400,1.0,5,A"])
def test_a_400_record_without_a_start_and_end_number_is_rejected(text: str) -> None:
    assert apply_400(record(text), interval_day("V")) == Reject(
        4, text, "a 400 record needs a start and an end interval number"
    )


@pytest.mark.parametrize("quality", ["V", "", "X", "v"])
def test_a_400_record_must_give_a_quality_other_than_v(quality: str) -> None:
    text = f"400,1,48,{quality},,"
    assert apply_400(record(text), interval_day("V")) == Reject(
        4, text, f"quality method {quality!r} of a 400 record is not A, E, F, N or S"
    )


def test_a_rejected_400_record_leaves_earlier_ranges_alone() -> None:
    day = interval_day("V")
    apply_400(record("400,1,48,A,,"), day)
    assert isinstance(apply_400(record("400,40,50,E52,,"), day), Reject)
    assert day.qualities == [("A", None)] * 48


def test_a_400_record_with_a_superscript_interval_number_is_rejected_not_raised() -> None:
    assert isinstance(apply_400(record("400,²,3,A,,"), interval_day("V")), Reject)


def test_readings_take_their_quality_per_interval_from_400_records() -> None:
    day = interval_day("V")
    apply_400(record("400,1,24,A,,"), day)
    apply_400(record("400,25,48,S14,79,"), day)
    readings = [decode_copy_line(line) for line in copy_lines(1, day)]
    assert [(reading.quality_method, reading.reason_code) for reading in readings] == [("A", None)] * 24 + [
        ("S14", "79")
    ] * 24
    assert {reading.line_no for reading in readings} == {3}


def test_readings_of_a_day_without_400_records_share_its_quality_and_reason() -> None:
    readings = [decode_copy_line(line) for line in copy_lines(1, interval_day("S14", reason="79"))]
    assert {(reading.quality_method, reading.reason_code) for reading in readings} == {("S14", "79")}
