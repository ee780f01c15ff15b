"""Job-title parsing, row by row: counts, rows, COPY values and the first row (the header has its own file)."""

import pytest

from services.column_types import MAX_BIGINT
from services.importers.base import Reject
from services.importers.csv_lines import first_row
from services.importers.job_title_header import TitleLayout, parse_header
from services.importers.job_titles import (
    TitleRecord,
    encode_copy_line,
    parse_count,
    parse_title_row,
    pg_text_array,
    render_cells,
)


def layout_of(header: str) -> TitleLayout:
    return parse_header(header.split(","))


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        ("", None),
        ("   ", None),
        ("\t", None),
        ("0", 0),
        ("12", 12),
        (" 12 ", 12),
        ("0012", 12),
        (str(MAX_BIGINT), MAX_BIGINT),
    ],
)
def test_blank_and_whole_number_counts_are_read(raw: str, count: int | None) -> None:
    assert parse_count(raw) == count


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-3", "pdl_count -3 is negative; counts must be 0 or more"),
        ("-0", "pdl_count -0 is negative; counts must be 0 or more"),
        ("9223372036854775808", f"pdl_count 9223372036854775808 is too large (the largest supported is {MAX_BIGINT})"),
        ("1.5", "pdl_count '1.5' is not a whole number"),
        ("+3", "pdl_count '+3' is not a whole number"),
        ("-", "pdl_count '-' is not a whole number"),
        ("1e3", "pdl_count '1e3' is not a whole number"),
        ("1_000", "pdl_count '1_000' is not a whole number"),
        ("1,000", "pdl_count '1,000' is not a whole number"),
        ("many", "pdl_count 'many' is not a whole number"),
        ("²", "pdl_count '²' is not a whole number"),
        ("١٢", "pdl_count '١٢' is not a whole number"),
        ("１２", "pdl_count '１２' is not a whole number"),
        ("-²", "pdl_count '-²' is not a whole number"),
    ],
)
def test_counts_that_are_not_bigints_give_a_reason(raw: str, reason: str) -> None:
    assert parse_count(raw) == reason


def test_a_huge_bad_count_is_shortened_in_its_reason() -> None:
    reason = parse_count("x" * 500)
    assert isinstance(reason, str)
    assert reason == f"pdl_count '{'x' * 200}… (500 characters)' is not a whole number"


@pytest.mark.parametrize(
    ("cells", "title", "count", "related"),
    [
        (["  a  ", " 5 ", " b ", "", "  ", "c"], "a", 5, ["b", "c"]),
        (["a", "", "b"], "a", None, ["b"]),
        (["a"], "a", None, []),
        ([""], "", None, []),
        (["a", "1", "b", "c", "d", "e"], "a", 1, ["b", "c", "d", "e"]),
    ],
    ids=["padded", "blank-count", "missing-cells", "blank-row", "spill-over"],
)
def test_rows_of_any_length_follow_the_ragged_row_policy(
    cells: list[str], title: str, count: int | None, related: list[str]
) -> None:
    layout = layout_of("title,pdl count,top related titles 1,top related titles 2")
    assert parse_title_row(cells, layout, 9) == TitleRecord(9, title, count, related, None)


def test_spill_over_cells_follow_related_columns_that_are_not_the_tail() -> None:
    layout = layout_of("top related titles 1,title,pdl count,source")
    record = parse_title_row(["r1", "a", "1", "web", "r2", " ", "r3"], layout, 2)
    assert record == TitleRecord(2, "a", 1, ["r1", "r2", "r3"], {"source": "web"})


@pytest.mark.parametrize(
    ("cells", "extra"),
    [(["a", "1", " web ", "r"], {"Source": "web"}), (["a", "1", "  ", "r"], None), (["a", "1"], None)],
)
def test_extra_named_columns_go_to_extra_when_not_blank(cells: list[str], extra: dict[str, str] | None) -> None:
    layout = layout_of("title,pdl count,Source,top related titles")
    assert parse_title_row(cells, layout, 3) == TitleRecord(3, "a", 1, ["r"] if len(cells) > 3 else [], extra)


def test_a_row_with_a_bad_count_is_rejected_with_its_cells_as_csv() -> None:
    layout = layout_of("title,pdl count,top related titles")
    assert parse_title_row(["a, b", "x1", 'say "hi"'], layout, 7) == Reject(
        7, '"a, b",x1,"say ""hi"""', "pdl_count 'x1' is not a whole number"
    )


def test_render_cells_writes_one_csv_line_without_a_line_end() -> None:
    assert render_cells(["a", "b,c", "", 'd"e']) == 'a,"b,c",,"d""e"'


@pytest.mark.parametrize(
    ("items", "literal"),
    [
        ([], "{}"),
        ([""], '{""}'),
        (["a"], '{"a"}'),
        (["a", "b c"], '{"a","b c"}'),
        (["a,b", "{x}", "NULL", " pad "], '{"a,b","{x}","NULL"," pad "}'),
        (['say "hi"'], r'{"say \"hi\""}'),
        (["a\\b", "c"], r'{"a\\b","c"}'),
        (['\\"', "x"], r'{"\\\"","x"}'),
    ],
)
def test_pg_text_array_quotes_every_element_and_escapes_quotes_and_backslashes(items: list[str], literal: str) -> None:
    assert pg_text_array(items) == literal


def test_a_copy_line_has_the_staging_columns_in_order_in_copy_text_format() -> None:
    record = TitleRecord(3, "chef", None, ["cook", 'a "b"'], {"Source": "wéb"})
    line = encode_copy_line(7, record)
    assert line == '7\t3\tchef\t\\N\t{"cook","a \\\\"b\\\\""}\t{"Source": "wéb"}\n'


def test_a_copy_line_without_extra_data_has_null_for_it() -> None:
    assert encode_copy_line(1, TitleRecord(2, "a", 5, [], None)) == "1\t2\ta\t5\t{}\t\\N\n"


def test_a_copy_line_escapes_tabs_backslashes_and_line_breaks() -> None:
    line = encode_copy_line(1, TitleRecord(2, "a\tb\\c\nd", None, [], None))
    assert line == "1\t2\ta\\tb\\\\c\\nd\t\\N\t{}\t\\N\n"


@pytest.mark.parametrize(
    ("head", "cells"),
    [
        (b"title,pdl count\nx,1\n", ["title", "pdl count"]),
        (b"\xef\xbb\xbftitle,pdl count\r\nx,1\r\n", ["title", "pdl count"]),
        (b'"title","pdl count",top related titles 1', ["title", "pdl count", "top related titles 1"]),
        (b"title,pdl\xff count\n", ["title", "pdl\ufffd count"]),
        (b"caf\xe9,x\rnext", ["caf\ufffd", "x"]),
        (b"", []),
    ],
)
def test_the_first_row_is_read_leniently_from_the_first_bytes(head: bytes, cells: list[str]) -> None:
    assert first_row(head) == cells
