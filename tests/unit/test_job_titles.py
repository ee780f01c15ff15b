"""Job-title parsing, row by row: header names, the layout, counts, rows, COPY values and the first row."""

import pytest

from core.errors import BadFileError
from services.column_types import MAX_BIGINT
from services.importers.base import Reject
from services.importers.csv_lines import first_row
from services.importers.job_titles import (
    TitleLayout,
    TitleRecord,
    encode_copy_line,
    is_job_title_header,
    parse_count,
    parse_header,
    parse_title_row,
    pg_text_array,
    render_cells,
)

PUBLIC_HEADER = ["title", "pdl count", *(f"top related titles {i}" for i in range(1, 20))]


def layout_of(header: str) -> TitleLayout:
    return parse_header(header.split(","))


@pytest.mark.parametrize(
    "cells",
    [["title", "pdl count"], ["Title", "PDL_Count", "x"], ["pdl-count", "TITLE"], PUBLIC_HEADER],
)
def test_a_row_naming_a_title_and_a_pdl_count_is_a_job_title_header(cells: list[str]) -> None:
    assert is_job_title_header(cells)


@pytest.mark.parametrize(
    "cells",
    [["pdl count"], ["job title", "pdl count"], ["title", "top related titles 1"], ["Title", "Top Related Titles"]],
)
def test_a_pdl_count_or_a_title_with_related_titles_claims_the_file_to_explain_what_is_missing(
    cells: list[str],
) -> None:
    assert is_job_title_header(cells)


@pytest.mark.parametrize(
    "cells",
    [[], ["title"], ["title", "count"], ["name", "value"], ["a", "1"], ["title", "related"]],
)
def test_a_row_without_a_pdl_count_or_related_titles_is_not_a_job_title_header(cells: list[str]) -> None:
    assert not is_job_title_header(cells)


def test_the_public_header_puts_related_titles_in_the_tail() -> None:
    assert parse_header(PUBLIC_HEADER) == TitleLayout(
        title_index=0,
        count_index=1,
        width=21,
        related_start=2,
        related_indexes=tuple(range(2, 21)),
        extra_columns=(),
    )


def test_blank_header_columns_become_related_titles() -> None:
    layout = layout_of("Title,PDL_Count,Top Related Titles,,,")
    assert layout.related_start == 2
    assert layout.related_indexes == (2, 3, 4, 5)


def test_a_header_with_only_title_and_count_takes_every_later_cell_as_related() -> None:
    layout = layout_of("pdl count,title")
    assert (layout.title_index, layout.count_index, layout.width) == (1, 0, 2)
    assert layout.related_start == 2
    assert layout.related_indexes == ()


def test_an_extra_named_column_is_kept_by_its_name_as_written() -> None:
    layout = layout_of("title,pdl count, Source ,top related titles 1")
    assert layout.extra_columns == ((2, "Source"),)
    assert layout.related_start == 3


def test_related_columns_before_a_named_column_are_listed_by_index() -> None:
    layout = layout_of("title,top related titles,pdl count,,source")
    assert layout.related_start is None
    assert layout.related_indexes == (1, 3)
    assert layout.extra_columns == ((4, "source"),)


def test_repeated_related_title_headers_are_not_duplicates() -> None:
    assert layout_of("title,pdl count,top related title,top related title").related_indexes == (2, 3)


@pytest.mark.parametrize(
    ("header", "shown", "columns"),
    [
        ("title,pdl count,Title", "'Title'", "(columns 1 and 3)"),
        ("title,PDL_Count,pdl-count", "'pdl-count'", "(columns 2 and 3)"),
        ("source,title,pdl count, source ", "'source'", "(columns 1 and 4)"),
    ],
)
def test_a_duplicate_header_name_is_a_bad_file(header: str, shown: str, columns: str) -> None:
    with pytest.raises(BadFileError) as caught:
        layout_of(header)
    assert f"duplicate header name {shown} {columns}" in caught.value.reason
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("name,pdl count,top related titles 1", "'title'"),
        ("title,count,top related titles 1", "'pdl count'"),
        ("job title,pdl count", "'title'"),
        ("", "'title'"),
    ],
)
def test_a_header_without_title_or_pdl_count_is_a_bad_file(header: str, missing: str) -> None:
    with pytest.raises(BadFileError) as caught:
        layout_of(header)
    assert f"the header has no {missing} column" in caught.value.reason
    assert caught.value.detail == f"header: {header}"
    assert caught.value.line == 1


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
