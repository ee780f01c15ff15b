"""Job-title parsing, file by file: iter_title_records over whole texts."""

import csv
import io
from collections.abc import Iterator

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.job_titles import TitleRecord, iter_title_records

HEADER = "title,pdl count,top related titles 1,top related titles 2\n"
SMALL_FIELD_LIMIT = 40


def records(text: str) -> list[TitleRecord | Reject]:
    """Parse text the way the loader does: a text stream that keeps line ends as written."""
    return list(iter_title_records(io.StringIO(text, newline="")))


def bad_file(text: str) -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        records(text)
    return caught.value


@pytest.fixture
def small_field_limit() -> Iterator[int]:
    """A small csv field-size limit (the module-wide setting), restored afterwards."""
    previous = csv.field_size_limit(SMALL_FIELD_LIMIT)
    try:
        yield SMALL_FIELD_LIMIT
    finally:
        csv.field_size_limit(previous)


def test_rows_become_records_numbered_by_their_line() -> None:
    assert records(HEADER + "nurse,12,rn,carer\nchef,,cook\n") == [
        TitleRecord(2, "nurse", 12, ["rn", "carer"], None),
        TitleRecord(3, "chef", None, ["cook"], None),
    ]


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_every_common_line_end_is_read(line_end: str) -> None:
    text = f"title,pdl count{line_end}a,1,b{line_end}c,2{line_end}"
    assert records(text) == [TitleRecord(2, "a", 1, ["b"], None), TitleRecord(3, "c", 2, [], None)]


def test_a_last_line_without_a_line_end_is_read() -> None:
    assert records("title,pdl count\na,1") == [TitleRecord(2, "a", 1, [], None)]


def test_quoted_fields_keep_their_commas_and_doubled_quotes() -> None:
    text = HEADER + '"manager, sales",3,"sales ""lead""","a, b"\n'
    assert records(text) == [TitleRecord(2, "manager, sales", 3, ['sales "lead"', "a, b"], None)]


def test_blank_lines_are_skipped_but_still_counted() -> None:
    text = "\n\n" + HEADER + "\na,1\n\n\nb,2\n\n"
    assert [(r.line_no, r.title) for r in records(text) if isinstance(r, TitleRecord)] == [(5, "a"), (8, "b")]


def test_a_row_of_empty_cells_is_a_record_with_an_empty_title() -> None:
    assert records(HEADER + ",,,\n") == [TitleRecord(2, "", None, [], None)]


def test_spill_over_cells_become_related_titles_and_short_rows_are_padded() -> None:
    text = "title,pdl count,top related titles\na,1,b,c,d\ne\n"
    assert records(text) == [TitleRecord(2, "a", 1, ["b", "c", "d"], None), TitleRecord(3, "e", None, [], None)]


def test_extra_named_columns_are_kept_in_extra() -> None:
    text = "Title,PDL_Count,Source,Top Related Titles\na,1,web,x,y\nb,, ,\n"
    assert records(text) == [
        TitleRecord(2, "a", 1, ["x", "y"], {"Source": "web"}),
        TitleRecord(3, "b", None, [], None),
    ]


def test_a_bad_count_rejects_its_row_and_parsing_goes_on() -> None:
    assert records(HEADER + "a,-1,x\nb,2\n") == [
        Reject(2, "a,-1,x", "pdl_count -1 is negative; counts must be 0 or more"),
        TitleRecord(3, "b", 2, [], None),
    ]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_quoted_field_over_several_lines_rejects_that_record(line_end: str) -> None:
    text = HEADER.replace("\n", line_end) + f'a,1,"x{line_end}y{line_end}z"{line_end}b,2{line_end}'
    reject, record = records(text)
    assert isinstance(reject, Reject)
    assert (reject.line_no, reject.reason) == (2, "a quoted field runs over lines 2-4")
    assert f"x{line_end}y{line_end}z" in reject.raw_text
    assert record == TitleRecord(5, "b", 2, [], None)


def test_a_multi_line_title_is_rejected_with_the_lines_it_spans() -> None:
    reject, record = records(HEADER + '"a\n",1\nb,2\n')
    assert isinstance(reject, Reject)
    assert (reject.line_no, reject.reason) == (2, "a quoted field runs over lines 2-3")
    assert record == TitleRecord(4, "b", 2, [], None)


def test_a_multi_line_reject_keeps_its_cells_as_readable_csv() -> None:
    reject = records(HEADER + 'a,1,"x\ny"\nb,2\n')[0]
    assert isinstance(reject, Reject)
    assert list(csv.reader(io.StringIO(reject.raw_text, newline=""))) == [["a", "1", "x\ny"]]


def test_a_closed_multi_line_last_cell_ending_in_a_line_break_is_only_a_reject() -> None:
    reject, record = records(HEADER + 'a,1,"x\n"\nb,2\n')
    assert isinstance(reject, Reject)
    assert (reject.line_no, reject.reason) == (2, "a quoted field runs over lines 2-3")
    assert record == TitleRecord(4, "b", 2, [], None)


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_an_unclosed_quote_that_swallows_the_rest_of_the_file_is_a_bad_file(line_end: str) -> None:
    text = f'title,pdl count{line_end}a,1{line_end}b,2,"oops{line_end}c,3{line_end}d,4{line_end}'
    error = bad_file(text)
    assert error.line == 3
    assert error.reason.startswith("line 3 opens a quote that is never closed, swallowing lines 3-5;")


def test_an_unclosed_quote_is_a_bad_file_even_without_a_final_line_end() -> None:
    assert bad_file('title,pdl count\na,1\nb,2,"oops\nc,3\nd,4').line == 3


def test_a_header_without_data_rows_is_a_bad_file() -> None:
    error = bad_file(HEADER + "\n\n")
    assert error.reason == "the file has a header but no data rows"
    assert error.line == 1  # the header's line


def test_a_header_alone_is_a_bad_file() -> None:
    assert bad_file(HEADER.rstrip("\n")).reason == "the file has a header but no data rows"


@pytest.mark.parametrize("text", ["", "\n", "\r\n\r\n\n"])
def test_an_empty_or_blank_file_has_no_header(text: str) -> None:
    error = bad_file(text)
    assert error.reason == "the file has no header row (it is empty or blank)"
    assert error.line is None


def test_a_file_that_is_not_a_job_title_file_is_a_bad_file() -> None:
    assert "the header has no 'title' column" in bad_file("name,age\nx,1\n").reason


def test_a_byte_order_mark_is_dropped_by_the_decoder_and_ignored_by_the_header_key() -> None:
    raw = ("\ufeff" + HEADER + "a,1\n").encode("utf-8")
    # The loader decodes with utf-8-sig; were a BOM left in, the header key (letters and digits only) ignores it.
    assert records(raw.decode("utf-8")) == [TitleRecord(2, "a", 1, [], None)]
    assert records(raw.decode("utf-8-sig")) == [TitleRecord(2, "a", 1, [], None)]


def test_a_row_with_a_nul_byte_is_rejected_with_the_nul_shown() -> None:
    assert records(HEADER + "a\x00b,1\nc,2\n") == [
        Reject(2, "a\\0b,1", "the row contains a NUL (0x00) byte"),
        TitleRecord(3, "c", 2, [], None),
    ]


def test_an_oversized_field_rejects_its_line_and_parsing_goes_on(small_field_limit: int) -> None:
    text = HEADER + "a,1,x\nb,2," + "y" * (small_field_limit + 1) + "\nc,3\n"
    assert records(text) == [
        TitleRecord(2, "a", 1, ["x"], None),
        Reject(
            3,
            "b,2," + "y" * (small_field_limit + 1),
            f"unparseable CSV: field larger than field limit ({small_field_limit})",
        ),
        TitleRecord(4, "c", 3, [], None),
    ]


def test_an_unclosed_quote_that_overflows_the_field_limit_is_a_bad_file(small_field_limit: int) -> None:
    text = HEADER + 'a,1\nb,2,"oops\n' + "c,3,more text\n" * small_field_limit
    assert bad_file(text).line == 3


def test_a_file_whose_only_row_is_oversized_is_not_said_to_have_no_rows(small_field_limit: int) -> None:
    items = list(iter_title_records(io.StringIO(HEADER + "b,2," + "y" * (small_field_limit + 1) + "\n", newline="")))
    assert [item.line_no for item in items] == [2]


def test_an_oversized_header_field_is_a_bad_file(small_field_limit: int) -> None:
    bad_file("title,pdl count," + "h" * (small_field_limit + 1) + "\na,1\n")


def test_records_are_streamed_without_reading_ahead() -> None:
    def lines() -> Iterator[str]:
        yield HEADER
        yield "a,1\n"
        raise AssertionError("the parser read past the first data row")

    assert next(iter_title_records(lines())) == TitleRecord(2, "a", 1, [], None)
