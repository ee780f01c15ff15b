"""NEM12 parsing, file by file: iter_nem12_records over small hand-written files."""

import io
from collections.abc import Iterator, Sequence

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.encodings import UTF8
from services.importers.nem12 import Reading, iter_nem12_records

HEADER = "100,NEM12,202601010000,MDP1,RETAILER1"
BLOCK_30 = "200,NMI0000001,E1B1,1,E1,N1,METER1,kWh,30,20260101"
BLOCK_5 = "200,NMI0000002,E1,1,E1,N1,METER2,KWH,5,20260101"
B2B = "500,O,S01009,20260101000000,"
END = "900"


def day_line(day: str = "20260101", *, count: int = 48, quality: str = "A", reason: str = "") -> str:
    """A 300 record whose interval i has the value i."""
    values = [str(number) for number in range(1, count + 1)]
    return ",".join(["300", day, *values, quality, reason, "", "20260102000000", "20260102000100"])


DAY = day_line()


def nem12(*lines: str, line_end: str = "\n") -> str:
    return line_end.join(lines) + line_end


def records(text: str) -> list[Reading | Reject]:
    """Parse text the way the loader does: a text stream that keeps line ends as written."""
    return list(iter_nem12_records(io.StringIO(text, newline="")))


def readings(text: str) -> list[Reading]:
    items = records(text)
    assert not [item for item in items if isinstance(item, Reject)]
    return [item for item in items if isinstance(item, Reading)]


def rejects(text: str) -> list[Reject]:
    return [item for item in records(text) if isinstance(item, Reject)]


def bad_file(text: str) -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        records(text)
    return caught.value


def test_a_whole_file_gives_one_reading_per_interval_numbered_by_its_300_line() -> None:
    items = readings(nem12(HEADER, BLOCK_30, DAY, day_line("20260102"), END))
    assert len(items) == 96
    assert items[0] == Reading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)
    assert items[47].interval_start == "2026-01-01 23:30"
    assert items[48] == Reading(4, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-02 00:00", "1", "A", None)


def test_a_header_and_trailer_alone_give_nothing() -> None:
    assert records(nem12(HEADER, END)) == []


# the 100 header comes first


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (nem12(BLOCK_30, DAY, END), 1),
        (nem12("", "  ", BLOCK_30, DAY, END), 3),
        (nem12(BLOCK_30, HEADER, DAY, END), 1),
        (nem12("100,NEM13,202601010000,MDP1,RETAILER1", END), 1),
        (nem12("100", END), 1),
        (nem12(END), 1),
        (nem12("\ufeff" + HEADER, END), 1),
    ],
    ids=["headerless", "headerless-after-blank-lines", "header-second", "nem13", "bare-100", "trailer-only", "raw-bom"],
)
def test_a_file_whose_first_record_is_not_a_100_nem12_header_is_a_bad_file(text: str, line: int) -> None:
    error = bad_file(text)
    assert error.reason == f"line {line} is not a 100,NEM12 header record"
    assert error.line == line


@pytest.mark.parametrize("text", ["", "\n", "\r\n  \r\n\t\n"])
def test_an_empty_or_blank_file_is_a_bad_file(text: str) -> None:
    assert bad_file(text).reason == "the file is empty: a NEM12 file starts with a 100 header record"


def test_a_byte_order_mark_is_dropped_by_the_loader_encoding() -> None:
    raw = ("\ufeff" + nem12(HEADER, BLOCK_30, DAY, END)).encode("utf-8")
    assert len(readings(raw.decode(UTF8))) == 48


def test_a_second_100_header_is_rejected_and_parsing_goes_on() -> None:
    items = records(nem12(HEADER, HEADER, BLOCK_30, DAY, END))
    assert isinstance(items[0], Reject)
    assert items[0].line_no == 2
    assert len(items) == 49


# the 900 trailer comes last


@pytest.mark.parametrize(
    "text",
    [
        nem12(HEADER),
        nem12(HEADER, BLOCK_30, DAY),
        nem12(HEADER, BLOCK_30, DAY, B2B),
        nem12(HEADER, BLOCK_30, DAY[: len(DAY) // 2]),
        nem12(HEADER, BLOCK_30, DAY, "90"),
    ],
    ids=["header-only", "after-a-300", "after-a-500", "cut-mid-record", "cut-mid-trailer"],
)
def test_a_file_without_a_900_trailer_is_truncated(text: str) -> None:
    error = bad_file(text)
    assert error.reason == "the file has no 900 end-of-data record: it is truncated; send it again whole"


def test_a_truncated_file_streams_the_records_before_its_last_then_is_a_bad_file() -> None:
    stream = iter_nem12_records(io.StringIO(nem12(HEADER, BLOCK_30, DAY, day_line("20260102")), newline=""))
    assert {next(stream).line_no for _ in range(48)} == {3}
    with pytest.raises(BadFileError):
        next(stream)


@pytest.mark.parametrize(
    ("text", "line", "end_line"),
    [
        (nem12(HEADER, BLOCK_30, DAY, END, DAY), 5, 4),
        (nem12(HEADER, END, "", END), 4, 2),
        (nem12(HEADER, END, B2B), 3, 2),
        (nem12(HEADER, END, "garbage"), 3, 2),
        (nem12(HEADER, END, HEADER), 3, 2),
    ],
    ids=["a-300", "a-second-900", "a-500", "garbage", "a-new-header"],
)
def test_a_record_after_the_900_trailer_is_a_bad_file(text: str, line: int, end_line: int) -> None:
    assert bad_file(text).reason == f"line {line} comes after the 900 end-of-data record (line {end_line})"


def test_blank_lines_after_the_900_trailer_are_fine() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY, END, "", "  ", ""))) == 48


def test_a_trailer_with_extra_fields_still_ends_the_file() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY, "900,"))) == 48


# records out of place


@pytest.mark.parametrize("kind", ["250", "30", "3000", "", "NEM12", "x"])
def test_an_unknown_record_type_is_rejected_with_its_line_and_parsing_goes_on(kind: str) -> None:
    items = records(nem12(HEADER, BLOCK_30, f"{kind},a,b", DAY, END))
    assert items[0] == Reject(3, f"{kind},a,b", f"unknown record type {kind!r}")
    assert len(items) == 49


def test_a_300_record_before_any_200_record_is_rejected() -> None:
    items = records(nem12(HEADER, DAY, BLOCK_30, DAY, END))
    assert items[0] == Reject(2, DAY, "a 300 record must follow a valid 200 record")
    assert len(items) == 1 + 48


@pytest.mark.parametrize("text", [nem12(HEADER, "400,1,48,A,,", END), nem12(HEADER, BLOCK_30, "400,1,48,A,,", END)])
def test_a_400_record_before_any_300_record_is_rejected(text: str) -> None:
    assert records(text) == [Reject(text.count("\n") - 1, "400,1,48,A,,", "a 400 record must follow a 300 record")]


def test_a_rejected_200_record_makes_its_300_records_rejected() -> None:
    bad_block = BLOCK_30.replace(",30,", ",60,")
    items = records(nem12(HEADER, BLOCK_30, DAY, bad_block, DAY, day_line("20260102"), BLOCK_30, DAY, END))
    assert [(item.line_no, item.reason) for item in items if isinstance(item, Reject)] == [
        (4, "interval length '60' is not 5, 15 or 30 minutes"),
        (5, "a 300 record must follow a valid 200 record"),
        (6, "a 300 record must follow a valid 200 record"),
    ]
    assert {item.line_no for item in items if isinstance(item, Reading)} == {3, 8}


def test_a_rejected_300_record_does_not_stop_the_next_one() -> None:
    items = records(nem12(HEADER, BLOCK_30, day_line(count=47), DAY, END))
    assert isinstance(items[0], Reject)
    assert items[0].line_no == 3
    assert {item.line_no for item in items[1:]} == {4}
    assert len(items) == 49


def test_400_records_after_a_rejected_300_record_are_not_given_to_the_300_before_it() -> None:
    text = nem12(HEADER, BLOCK_30, day_line(quality="V"), day_line("20260230", quality="V"), "400,1,48,E52,,", END)
    items = records(text)
    assert [(item.line_no, item.reason) for item in items if isinstance(item, Reject)] == [
        (4, "interval date '20260230' is not a valid YYYYMMDD date"),
        (5, "a 400 record must follow a 300 record"),
    ]
    assert {item.quality_method for item in items if isinstance(item, Reading)} == {"V"}


# line ends, blank lines, padding and 500 records


def test_blank_lines_are_skipped_but_still_counted() -> None:
    items = readings(nem12("", HEADER, "", "   ", BLOCK_30, "\t", DAY, "", END))
    assert {item.line_no for item in items} == {7}


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_every_common_line_end_is_read(line_end: str) -> None:
    text = nem12(HEADER, BLOCK_30, DAY, BLOCK_30, day_line("20260102"), END, line_end=line_end)
    assert readings(text) == readings(nem12(HEADER, BLOCK_30, DAY, BLOCK_30, day_line("20260102"), END))


def test_a_reject_keeps_its_line_without_the_line_end() -> None:
    assert rejects(nem12(HEADER, "250,a", END, line_end="\r\n")) == [Reject(2, "250,a", "unknown record type '250'")]


def test_a_last_line_without_a_line_end_is_read() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY) + END)) == 48


def test_fields_padded_with_spaces_are_read() -> None:
    padded = " , ".join(DAY.split(","))
    items = readings(nem12(HEADER, " 200 , NMI0000001 ,E1,1, e1 ,N1,M1, kWh , 30 ,", padded, END))
    assert len(items) == 48
    assert items[0] == Reading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)


@pytest.mark.parametrize("position", ["before-the-block", "between-days", "after-the-block"])
def test_500_records_are_ignored(position: str) -> None:
    lines = {
        "before-the-block": (HEADER, B2B, BLOCK_30, DAY, day_line("20260102"), END),
        "between-days": (HEADER, BLOCK_30, DAY, B2B, day_line("20260102"), END),
        "after-the-block": (HEADER, BLOCK_30, DAY, day_line("20260102"), B2B, END),
    }[position]
    items = readings(nem12(*lines))
    assert len(items) == 96
    assert [item.interval_start for item in items[::48]] == ["2026-01-01 00:00", "2026-01-02 00:00"]


# 400 records and blocks


def test_a_v_record_takes_its_qualities_from_the_400_records_after_it() -> None:
    text = nem12(HEADER, BLOCK_30, day_line(quality="V"), "400,1,20,A,,", "400,21,48,S14,79,", B2B, END)
    qualities = [(item.quality_method, item.reason_code) for item in readings(text)]
    assert qualities == [("A", None)] * 20 + [("S14", "79")] * 28


def test_400_records_apply_only_to_the_300_record_just_before_them() -> None:
    text = nem12(HEADER, BLOCK_30, day_line(quality="V"), "400,1,48,E52,,", day_line("20260102", quality="V"), END)
    qualities = {(item.interval_start[:10], item.quality_method) for item in readings(text)}
    assert qualities == {("2026-01-01", "E52"), ("2026-01-02", "V")}


def test_a_400_record_after_a_300_record_that_is_not_v_is_rejected_and_its_readings_keep_their_quality() -> None:
    items = records(nem12(HEADER, BLOCK_30, day_line(quality="A"), "400,1,48,E52,,", END))
    assert items[0] == Reject(4, "400,1,48,E52,,", "a 400 record must follow a 300 record whose quality method is V")
    assert {item.quality_method for item in items[1:] if isinstance(item, Reading)} == {"A"}
    assert len(items) == 49


def test_a_400_record_outside_its_day_is_rejected_and_the_rest_apply() -> None:
    text = nem12(HEADER, BLOCK_30, day_line(quality="V"), "400,1,48,A,,", "400,40,49,F16,,", "400,48,48,E52,,", END)
    items = records(text)
    assert items[0] == Reject(5, "400,40,49,F16,,", "intervals 40-49 are outside 1-48")
    assert [item.quality_method for item in items[1:] if isinstance(item, Reading)] == ["A"] * 47 + ["E52"]


def test_two_blocks_with_different_interval_lengths_keep_their_own_times() -> None:
    items = readings(nem12(HEADER, BLOCK_30, DAY, B2B, BLOCK_5, day_line(count=288), B2B, END))
    half_hours, five_minutes = items[:48], items[48:]
    assert len(five_minutes) == 288
    assert {(item.nmi, item.interval_length, item.uom) for item in half_hours} == {("NMI0000001", 30, "kWh")}
    assert {(item.nmi, item.interval_length, item.uom) for item in five_minutes} == {("NMI0000002", 5, "KWH")}
    assert [item.interval_start for item in five_minutes[:2]] == ["2026-01-01 00:00", "2026-01-01 00:05"]
    assert five_minutes[-1].interval_start == "2026-01-01 23:55"


def test_a_300_record_is_checked_against_the_interval_length_of_its_own_block() -> None:
    items = rejects(nem12(HEADER, BLOCK_5, DAY, BLOCK_30, day_line(count=288), END))
    assert [(item.line_no, item.reason) for item in items] == [
        (3, "a 300 record of a 5-minute block needs 288 values, this one has 48"),
        (5, "a 300 record of a 30-minute block needs 48 values, this one has 288"),
    ]


def test_readings_are_streamed_without_reading_ahead() -> None:
    def lines() -> Iterator[str]:
        yield from (HEADER + "\n", BLOCK_30 + "\n", DAY + "\n", B2B + "\n")
        raise AssertionError("the parser read past the record after the first 300 record")

    assert next(iter_nem12_records(lines())).line_no == 3


@pytest.mark.parametrize(
    "lines",
    [[HEADER, BLOCK_30, DAY, END], [HEADER, BLOCK_30, day_line(quality="V"), "400,1,48,A,,", END]],
    ids=["plain", "with-400"],
)
def test_a_300_record_is_held_until_the_next_record_so_its_400s_can_follow(lines: Sequence[str]) -> None:
    def stream() -> Iterator[str]:
        yield from (line + "\n" for line in lines[:-1])
        raise AssertionError("read the trailer")

    with pytest.raises(AssertionError, match="read the trailer"):
        next(iter_nem12_records(stream()))
