"""NEM12 parsing, file by file: iter_interval_days (read back through copy_lines) over small hand-written files."""

import io
from collections.abc import Iterator, Sequence

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.encodings import UTF8
from services.importers.mdff import bounded_lines
from services.importers.nem12 import iter_interval_days
from services.importers.nem12_records import IntervalDay
from tests.meter_data import (
    B2B,
    BLOCK_5,
    BLOCK_30,
    DAY,
    END,
    HEADER,
    StagedReading,
    bad_file,
    day_line,
    nem12,
    notes_of,
    readings,
    records,
    rejects,
)


def test_a_whole_file_gives_one_reading_per_interval_numbered_by_its_300_line() -> None:
    items = readings(nem12(HEADER, BLOCK_30, DAY, day_line("20260102"), END))
    assert len(items) == 96
    assert items[0] == StagedReading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)
    assert items[47].interval_start == "2026-01-01 23:30"
    assert items[48] == StagedReading(4, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-02 00:00", "1", "A", None)


def test_a_header_and_trailer_alone_give_nothing() -> None:
    assert records(nem12(HEADER, END)) == []


# the first record


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (nem12(DAY, END), 1),
        (nem12("", "  ", DAY, END), 3),
        (nem12("100", END), 1),
        (nem12(END), 1),
        (nem12("\ufeff" + HEADER, END), 1),
        (nem12("title,pdl count", "nurse,1"), 1),
    ],
    ids=["a-300-first", "a-300-after-blank-lines", "bare-100", "trailer-only", "raw-bom", "not-meter-data"],
)
def test_a_file_that_starts_with_neither_a_header_nor_a_200_record_is_a_bad_file(text: str, line: int) -> None:
    error = bad_file(text)
    assert error.reason == (
        f"line {line} is neither a 100,NEM12 header record nor a 200 record: this is not a NEM12 file"
    )
    assert error.line == line


def test_a_nem13_header_in_a_nem12_file_is_a_bad_file() -> None:
    error = bad_file(nem12(HEADER, BLOCK_30, DAY, END, "100,NEM13,202601010000,MDP1,RETAILER1", END))
    assert error.reason == "line 5 starts a NEM13 block in a NEM12 file: send NEM12 and NEM13 data in separate files"


@pytest.mark.parametrize("text", ["", "\n", "\r\n  \r\n\t\n", ",,,\n,,\n"])
def test_an_empty_or_blank_file_is_a_bad_file(text: str) -> None:
    assert bad_file(text).reason == "the file is empty: a NEM12 file starts with a 100 header record"


def test_a_byte_order_mark_is_dropped_by_the_loader_encoding() -> None:
    raw = ("\ufeff" + nem12(HEADER, BLOCK_30, DAY, END)).encode("utf-8")
    assert len(readings(raw.decode(UTF8))) == 48


def test_a_second_100_header_inside_a_block_is_rejected_and_parsing_goes_on() -> None:
    items = records(nem12(HEADER, HEADER, BLOCK_30, DAY, END))
    assert items[0] == Reject(2, HEADER, "a 100 header record must start the file or follow a 900 record")
    assert len(items) == 49


# portal exports: no 100 header, perhaps no 900 trailer


def test_a_file_that_starts_at_a_200_record_loads_with_a_warning() -> None:
    text = nem12("", BLOCK_30, DAY, END)
    assert readings(text) == readings(nem12(HEADER, BLOCK_30, DAY, END))[:0] + readings(text)
    assert len(readings(text)) == 48
    assert notes_of(text) == {"headerless_blocks": 1}


def test_a_headerless_file_without_a_trailer_loads_when_its_last_record_is_whole() -> None:
    text = nem12(BLOCK_30, DAY, day_line("20260102", quality="V"), "400,1,48,A,,")
    assert len(readings(text)) == 96
    assert notes_of(text) == {"headerless_blocks": 1, "no_trailer": True}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (nem12(BLOCK_30, DAY, day_line("20260102"))[:-30], 3),
        (nem12(BLOCK_30, DAY, day_line("20260102", quality="V"), "400,1,4"), 4),
        (nem12(BLOCK_30, DAY) + "200,NMI00", 3),
    ],
    ids=["cut-mid-300", "cut-mid-400", "cut-mid-200"],
)
def test_a_headerless_file_cut_mid_line_is_a_bad_file(text: str, line: int) -> None:
    error = bad_file(text)
    assert error.line == line
    assert "it looks truncated; send it again whole" in error.reason


def test_a_headerless_file_whose_last_300_record_lost_its_last_values_is_a_bad_file() -> None:
    cut = ",".join(DAY.split(",")[:40])
    error = bad_file(nem12(BLOCK_30, DAY, cut))
    assert error.reason.startswith("line 3: a 300 record of a 30-minute stream needs 48 values, this one has 38")


def test_a_headerless_file_whose_last_record_is_rejected_is_a_bad_file() -> None:
    error = bad_file(nem12(BLOCK_30, DAY, ",".join(DAY.split(",")[:50])))
    assert error.reason.startswith("the file has no 900 end-of-data record and its last record (line 3) is not whole")
    assert error.line == 3


def test_a_headerless_file_with_a_rejected_record_before_its_last_still_loads() -> None:
    items = records(nem12(BLOCK_30, day_line("20260230"), DAY))
    assert isinstance(items[0], Reject) and len(items) == 49


# the 900 trailer, and several blocks


@pytest.mark.parametrize(
    "text",
    [
        nem12(HEADER),
        nem12(HEADER, BLOCK_30, DAY),
        nem12(HEADER, BLOCK_30, DAY, B2B),
        nem12(HEADER, BLOCK_30, DAY[: len(DAY) // 2]),
        nem12(HEADER, BLOCK_30, DAY, "90"),
        nem12(HEADER, BLOCK_30, DAY, END, HEADER, BLOCK_30, DAY),
    ],
    ids=["header-only", "after-a-300", "after-a-500", "cut-mid-record", "cut-mid-trailer", "second-block-cut"],
)
def test_a_file_with_a_header_but_without_its_900_trailer_is_truncated(text: str) -> None:
    with pytest.raises(BadFileError) as caught:
        records(text)
    assert caught.value.reason in (
        "the file has no 900 end-of-data record: it is truncated; send it again whole",
        "line 3: a 300 record of a 30-minute stream needs 48 values, this one has 23; the file is refused whole, "
        "since values in the wrong intervals give wrong numbers: fix the record (or the interval length of the "
        "200 record on line 2) and send it again",
    )


def test_a_truncated_file_streams_the_records_before_its_last_then_is_a_bad_file() -> None:
    stream = iter_interval_days(io.StringIO(nem12(HEADER, BLOCK_30, DAY, day_line("20260102")), newline=""))
    assert isinstance(next(stream), IntervalDay)
    with pytest.raises(BadFileError):
        next(stream)


@pytest.mark.parametrize(
    ("text", "line", "end_line"),
    [
        (nem12(HEADER, BLOCK_30, DAY, END, DAY), 5, 4),
        (nem12(HEADER, END, "", END), 4, 2),
        (nem12(HEADER, END, B2B), 3, 2),
        (nem12(HEADER, END, "garbage"), 3, 2),
    ],
    ids=["a-300", "a-second-900", "a-500", "garbage"],
)
def test_a_record_after_the_900_trailer_that_starts_no_block_is_a_bad_file(text: str, line: int, end_line: int) -> None:
    assert bad_file(text).reason == (
        f"line {line} comes after the 900 end-of-data record (line {end_line}) "
        "but starts no new block (a 100 or 200 record)"
    )


def test_several_blocks_in_one_file_load_with_a_warning() -> None:
    text = nem12(HEADER, BLOCK_30, DAY, END, HEADER, BLOCK_5, day_line(count=288), END)
    assert len(readings(text)) == 48 + 288
    assert notes_of(text) == {"blocks": 2}


def test_headerless_blocks_after_a_900_load_like_a_powercor_concatenation() -> None:
    second = day_line(values=["3.333"] * 48)
    text = nem12("", BLOCK_30, DAY, END, "", BLOCK_30, second, END)
    items = readings(text)
    assert [item.value for item in items[::48]] == ["1", "3.333"]
    assert notes_of(text) == {"headerless_blocks": 2, "blocks": 2, "duplicate_days": 1}


def test_a_300_record_after_a_900_needs_the_new_block_to_name_its_stream() -> None:
    items = records(nem12(HEADER, BLOCK_30, DAY, END, HEADER, DAY, END))
    assert items[-1] == Reject(6, DAY, "a 300 record must follow a valid 200 record")


def test_blank_lines_after_the_900_trailer_are_fine() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY, END, "", "  ", "", ",,,"))) == 48


def test_a_trailer_with_extra_fields_still_ends_the_file() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY, "900,,,,"))) == 48


# the same stream and day twice


def test_the_same_stream_and_day_twice_in_a_file_is_counted_and_both_are_staged() -> None:
    text = nem12(HEADER, BLOCK_30, DAY, day_line("20260102"), day_line(values=["2"] * 48), END)
    items = readings(text)
    assert [item.line_no for item in items[::48]] == [3, 4, 5]
    assert notes_of(text) == {"duplicate_days": 1}


def test_the_same_day_of_other_streams_is_no_duplicate() -> None:
    text = nem12(HEADER, BLOCK_30, DAY, BLOCK_30.replace(",E1,N1,", ",B1,N1,"), DAY, BLOCK_5, day_line(count=288), END)
    assert notes_of(text) == {}


def test_a_stream_whose_interval_length_changes_between_200_records_keeps_each_length() -> None:
    fifteen = BLOCK_30.replace(",30,", ",15,")
    items = readings(nem12(HEADER, BLOCK_30, DAY, fifteen, day_line("20260102", count=96), END))
    assert [(item.interval_length, item.interval_start) for item in items[47:50]] == [
        (30, "2026-01-01 23:30"),
        (15, "2026-01-02 00:00"),
        (15, "2026-01-02 00:15"),
    ]


# short NMIs


def test_short_nmis_are_loaded_as_written_and_counted_once_each() -> None:
    short = BLOCK_30.replace("NMI0000001", "NMI111")
    text = nem12(HEADER, short, DAY, short.replace(",E1,N1,", ",B1,N1,"), DAY, BLOCK_30, DAY, END)
    assert {item.nmi for item in readings(text)} == {"NMI111", "NMI0000001"}
    assert notes_of(text) == {"short_nmis": 1}


# records out of place


@pytest.mark.parametrize("kind", ["250", "30", "3000", "NEM12", "x"])
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
    bad_block = BLOCK_30.replace(",30,", ",7,")
    items = records(nem12(HEADER, BLOCK_30, DAY, bad_block, DAY, day_line("20260102"), BLOCK_30, DAY, END))
    assert [(item.line_no, item.reason) for item in items if isinstance(item, Reject)] == [
        (4, "interval length '7' is not a whole number of minutes dividing a day"),
        (5, "a 300 record must follow a valid 200 record"),
        (6, "a 300 record must follow a valid 200 record"),
    ]
    assert {item.line_no for item in items if isinstance(item, StagedReading)} == {3, 8}


def test_a_rejected_300_record_does_not_stop_the_next_one() -> None:
    items = records(nem12(HEADER, BLOCK_30, day_line(values=["x"] * 48), DAY, END))
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
    assert {item.quality_method for item in items if isinstance(item, StagedReading)} == {"V"}


# line ends, blank lines, padding and 500 records


def test_blank_and_comma_only_lines_are_skipped_but_still_counted() -> None:
    items = readings(nem12("", HEADER, "", "   ", ",,,,", BLOCK_30, "\t", " , ,", DAY, "", END))
    assert {item.line_no for item in items} == {9}


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_every_common_line_end_is_read(line_end: str) -> None:
    text = nem12(HEADER, BLOCK_30, DAY, BLOCK_30, day_line("20260102"), END, line_end=line_end)
    assert readings(text) == readings(nem12(HEADER, BLOCK_30, DAY, BLOCK_30, day_line("20260102"), END))


def test_a_reject_keeps_its_line_as_written_without_the_line_end() -> None:
    assert rejects(nem12(HEADER, "250,a,,", END, line_end="\r\n")) == [
        Reject(2, "250,a,,", "unknown record type '250'")
    ]


def test_a_last_line_without_a_line_end_is_read() -> None:
    assert len(readings(nem12(HEADER, BLOCK_30, DAY) + END)) == 48


def test_fields_padded_with_spaces_are_read() -> None:
    padded = " , ".join(DAY.split(","))
    items = readings(nem12(HEADER, " 200 , NMI0000001 ,E1,1, e1 ,N1,M1, kWh , 30 ,", padded, END))
    assert len(items) == 48
    assert items[0] == StagedReading(3, "NMI0000001", "E1", "1", "kWh", 30, "2026-01-01 00:00", "1", "A", None)


def test_rows_padded_with_empty_fields_like_a_spreadsheet_re_save_are_read() -> None:
    pad = "," * 40
    no_msats = ",".join(DAY.split(",")[:-1])
    text = nem12(HEADER + pad, BLOCK_30 + pad, no_msats + pad, B2B + pad, END + pad)
    assert readings(text) == readings(nem12(HEADER, BLOCK_30, DAY, END))


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


# a line break inside a 300 record


@pytest.mark.parametrize("cuts", [[20], [20, 100], [8, 60, 120], [20, len(DAY) - 1]], ids=str)
def test_a_300_record_broken_across_lines_is_joined_back(cuts: list[int]) -> None:
    pieces = [DAY[start:end] for start, end in zip([0, *cuts], [*cuts, len(DAY)], strict=True)]
    text = nem12(HEADER, BLOCK_30, *pieces, day_line("20260102"), END)
    whole = readings(nem12(HEADER, BLOCK_30, DAY, day_line("20260102"), END))
    assert [item._replace(line_no=0) for item in readings(text)] == [item._replace(line_no=0) for item in whole]
    assert notes_of(text) == {"joined_lines": len(cuts)}


def test_a_line_after_a_whole_300_record_is_no_part_of_it() -> None:
    items = records(nem12(HEADER, BLOCK_30, DAY[:-1], DAY[-1:], END))
    assert items[-1] == Reject(4, DAY[-1:], f"unknown record type {DAY[-1:]!r}")
    assert len(items) == 49


def test_a_broken_300_record_joins_only_lines_that_are_no_records() -> None:
    text = nem12(HEADER, BLOCK_30, DAY[:30], day_line("20260102"), END)
    assert "needs 48 values, this one has" in bad_file(text).reason


def test_a_joined_300_record_with_the_wrong_value_count_refuses_the_file() -> None:
    text = nem12(HEADER, BLOCK_30, "300,20260101,1,2,", "3,4,A,,,20260102000000,", END)
    assert bad_file(text).reason.startswith(
        "line 3: a 300 record of a 30-minute stream needs 48 values, this one has 4"
    )


def test_400_records_apply_to_a_joined_300_record() -> None:
    broken = day_line(quality="V")
    text = nem12(HEADER, BLOCK_30, broken[:50], broken[50:], "400,1,48,E52,,", END)
    assert {item.quality_method for item in readings(text)} == {"E52"}


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
    assert {item.quality_method for item in items[1:] if isinstance(item, StagedReading)} == {"A"}
    assert len(items) == 49


def test_a_400_record_outside_its_day_is_rejected_and_the_rest_apply() -> None:
    text = nem12(HEADER, BLOCK_30, day_line(quality="V"), "400,1,47,A,,", "400,40,49,F16,,", "400,48,48,E52,,", END)
    items = records(text)
    assert items[0] == Reject(5, "400,40,49,F16,,", "intervals 40-49 are outside 1-48")
    assert [item.quality_method for item in items[1:] if isinstance(item, StagedReading)] == ["A"] * 47 + ["E52"]


def test_two_blocks_with_different_interval_lengths_keep_their_own_times() -> None:
    items = readings(nem12(HEADER, BLOCK_30, DAY, B2B, BLOCK_5, day_line(count=288), B2B, END))
    half_hours, five_minutes = items[:48], items[48:]
    assert len(five_minutes) == 288
    assert {(item.nmi, item.interval_length, item.uom) for item in half_hours} == {("NMI0000001", 30, "kWh")}
    assert {(item.nmi, item.interval_length, item.uom) for item in five_minutes} == {("NMI0000002", 5, "KWH")}
    assert [item.interval_start for item in five_minutes[:2]] == ["2026-01-01 00:00", "2026-01-01 00:05"]
    assert five_minutes[-1].interval_start == "2026-01-01 23:55"


@pytest.mark.parametrize(
    ("block", "count", "length", "needed"), [(BLOCK_5, 48, 5, 288), (BLOCK_30, 288, 30, 48)], ids=["5", "30"]
)
def test_a_300_record_is_checked_against_the_interval_length_of_its_own_block(
    block: str, count: int, length: int, needed: int
) -> None:
    error = bad_file(nem12(HEADER, block, day_line(count=count), END))
    assert error.reason.startswith(
        f"line 3: a 300 record of a {length}-minute stream needs {needed} values, this one has {count}"
    )


# streaming


def test_readings_are_streamed_without_reading_ahead() -> None:
    def lines() -> Iterator[str]:
        yield from (HEADER + "\n", BLOCK_30 + "\n", DAY + "\n", B2B + "\n")
        raise AssertionError("the parser read past the record after the first 300 record")

    day = next(iter_interval_days(lines()))
    assert isinstance(day, IntervalDay) and day.line_no == 3


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
        next(iter_interval_days(stream()))


def test_a_line_longer_than_the_bound_is_a_bad_file_before_it_is_read_whole() -> None:
    text = nem12(HEADER, BLOCK_30, "3" * 5000, END)
    with pytest.raises(BadFileError) as caught:
        list(iter_interval_days(bounded_lines(io.StringIO(text, newline=""), max_chars=1000)))
    assert caught.value.reason == "line 3 is longer than 1,000 characters: this is not meter data"
    assert caught.value.line == 3


def test_lines_up_to_the_bound_are_read_whole() -> None:
    lines = list(bounded_lines(io.StringIO("a" * 999 + "\r\nb\n", newline=""), max_chars=1001))
    assert lines == ["a" * 999 + "\r\n", "b\n"]
