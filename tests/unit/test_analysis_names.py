"""Pure parts of --analysis: which view a file creates, and how many rows a COPY wrote."""

import pytest

from services.sql_steps import copied_rows, view_name


def test_an_analysis_file_creates_the_view_it_is_named_after() -> None:
    assert view_name("010_top_related_titles.sql") == "top_related_titles"


@pytest.mark.parametrize("file_name", ["top_related_titles.sql", "010_Top.sql", "010_a-b.sql", "010_x.sql.bak"])
def test_a_badly_named_analysis_file_is_refused_with_the_rule(file_name: str) -> None:
    with pytest.raises(ValueError, match=r"must be named NNN_<view name>\.sql"):
        view_name(file_name)


@pytest.mark.parametrize(("status", "rows"), [("COPY 0", 0), ("COPY 42", 42), ("COPY 12000000", 12_000_000)])
def test_the_rows_of_a_copy_come_from_its_status(status: str, rows: int) -> None:
    assert copied_rows(status) == rows


@pytest.mark.parametrize("status", ["INSERT 0 1", "COPY", "COPY x", ""])
def test_a_status_that_is_not_a_copy_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match="not the status of a COPY"):
        copied_rows(status)
