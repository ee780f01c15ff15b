"""The HTML report: a chart for a view with numbers, a table for one without, and a note when rows are cut."""

from services.report import MAX_BARS, ViewResult, render_section


def test_a_long_chart_shows_the_first_rows_and_says_how_many_there_are() -> None:
    rows = tuple((f"title {i}", i) for i in range(MAX_BARS + 5))
    section = render_section(ViewResult("title_pdl_count", ("job_title", "pdl_count"), rows[:MAX_BARS], len(rows)))

    assert "<svg" in section
    assert f"The first {MAX_BARS} of {MAX_BARS + 5} rows; title_pdl_count.csv has all." in section


def test_a_long_table_shows_the_first_rows_and_says_how_many_there_are() -> None:
    rows = tuple((f"L{i}", "new") for i in range(MAX_BARS + 2))
    section = render_section(ViewResult("new_leads", ("lead_id", "change"), rows[:MAX_BARS], len(rows)))

    assert "<table>" in section and "<svg" not in section
    assert section.count("<tr>") == MAX_BARS + 1  # the header row and the first MAX_BARS rows
    assert f"The first {MAX_BARS} of {MAX_BARS + 2} rows; new_leads.csv has all." in section


def test_short_and_empty_views_carry_no_note() -> None:
    short = render_section(ViewResult("new_leads", ("lead_id",), (("L1",),), 1))
    empty = render_section(ViewResult("new_leads", ("lead_id",), (), 0))

    assert "The first" not in short and "The first" not in empty
    assert "No data yet" in empty
