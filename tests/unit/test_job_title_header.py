"""The job-title header: which first rows are one, and the column layout they give."""

import pytest

from core.errors import BadFileError
from services.importers.job_title_header import TitleLayout, is_job_title_header, parse_header

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
