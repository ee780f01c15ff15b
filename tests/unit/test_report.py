"""The HTML report: each view drawn as its presentation says, cut notes, fallbacks, and a page that loads nothing."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

from services.charts import Line
from services.presentation import Presentation
from services.report import MAX_BARS, ReportData, render_report, render_view
from services.report_html import breakable
from services.report_loads import KindLoads, LoadsSummary, QuarantinedFile
from services.report_views import TimeSeries, ViewData

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BARS = Presentation(chart="bars", about="The ten biggest.", label="job_title", y=("pdl_count",))
CARDS = Presentation(
    chart="cards",
    y=("manager_title_count", "avg_pdl_count", "total_pdl_count"),
    formats={"manager_title_count": "count", "avg_pdl_count": "number", "total_pdl_count": "count"},
)
DAILY = Presentation(
    chart="timeseries", x="day", y=("consumption_kwh",), series="nmi", formats={"consumption_kwh": "kwh"},
    column_titles={"nmi": "NMI", "consumption_kwh": "Consumption"},
)  # fmt: skip
STACKED = Presentation(chart="stacked", x="file_name", y=("new_leads", "removed_leads"), rows="last")


def _view(name: str, presentation: Presentation, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> ViewData:
    return ViewData(name, presentation, columns, tuple(rows[:MAX_BARS]), len(rows))


def test_a_ranked_list_is_a_bar_chart_with_counts_for_people_and_a_cut_note() -> None:
    rows: list[tuple[object, ...]] = [(f"title {i}", 1_999_995 - i) for i in range(MAX_BARS + 5)]

    section = render_view(_view("title_pdl_count", BARS, ("job_title", "pdl_count"), rows))

    assert "<h2>Title pdl count</h2>" in section and '<p class="about">The ten biggest.</p>' in section
    assert "<svg " in section and ">1,999,995<" in section and "1,999,995.00" not in section
    assert f"The first {MAX_BARS} of {MAX_BARS + 5} rows; title_pdl_count.csv has all." in section


def test_a_one_row_summary_is_figure_cards_each_in_its_own_format() -> None:
    row = (456, Decimal("131003.45"), Decimal("59737450"))

    section = render_view(_view("manager_titles", CARDS, CARDS.y, [row]))

    assert "<svg" not in section and section.count('class="card"') == 3
    assert ">456<" in section and ">131,003.45<" in section and ">59,737,450<" in section


def test_a_time_series_shows_its_period_total_and_a_dated_chart() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(60)]
    total = tuple((day, 30.0) for day in days)
    lines = tuple(Line(nmi, tuple((day, 10.0) for day in days)) for nmi in ("NMI1", "NMI2", "NMI3"))
    view = ViewData("daily_consumption", DAILY, ("nmi", "day", "consumption_kwh"), (), 180, TimeSeries(total, lines, 3))

    section = render_view(view)

    assert ">2026-01-01<" in section and ">2026-03-01<" in section and ">1,800 kWh<" in section
    assert ">NMIs<" in section and ">All 3 NMIs together<" in section and ">15 Feb<" in section
    assert "The first" not in section  # a time series draws every row


def test_a_file_by_file_view_is_stacked_bars_of_its_latest_files() -> None:
    rows: list[tuple[object, ...]] = [(f"week{i}.csv", 10, 2) for i in range(MAX_BARS + 3)]
    shown = ViewData("lead_changes", STACKED, ("file_name", "new_leads", "removed_leads"), tuple(rows[3:]), len(rows))

    section = render_view(shown)

    assert "<svg " in section and ">week3.csv<" in section and ">week0.csv<" not in section
    assert f"The last {MAX_BARS} of {MAX_BARS + 3} rows; lead_changes.csv has all." in section


def test_a_view_without_a_spec_or_whose_spec_does_not_fit_is_a_table() -> None:
    plain = _view("new_leads", Presentation(), ("lead_id", "zip"), [("L1", "02134"), ("L2", None)])
    broken = ViewData(
        "daily_consumption", DAILY, ("nmi", "day"), (("NMI1", date(2026, 1, 1)),), 1, problem="it lacks a column"
    )

    assert "<table>" in render_view(plain) and "<svg" not in render_view(plain) and ">02134<" in render_view(plain)
    assert "Shown as a table because it lacks a column." in render_view(broken) and ">2026-01-01<" in render_view(
        broken
    )


def test_an_empty_view_says_what_to_do() -> None:
    section = render_view(_view("new_leads", Presentation(), ("lead_id",), []))

    assert "No data yet: load files of its kind, then run --pipeline and --analysis." in section
    assert "all 0 rows are in <code>new_leads.csv</code>." in section


class _Fetches(HTMLParser):
    """Every tag that would load something: scripts, links, and src/href attributes that leave the page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "link", "iframe", "img", "object", "embed"}:
            self.found.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "xlink:href"} and value and not value.startswith("#"):
                self.found.append(f"{tag} {name}={value}")


def test_the_page_has_the_loads_first_then_every_view_and_loads_nothing() -> None:
    loads = LoadsSummary(
        (KindLoads("job_titles", 1, 0, 1, 0, 10, 0, "titles.csv", AT),),
        (QuarantinedFile("notes.csv", None, "no import service recognises this file", AT, is_resolved=False),),
        1,
        1,
    )
    views = (
        _view("title_pdl_count", BARS, ("job_title", "pdl_count"), [("a", 1)]),
        _view("new_leads", Presentation(), ("lead_id",), [("L1",)]),
    )

    page = render_report(ReportData(loads, views, "imports/failed"), AT)

    fetches = _Fetches()
    fetches.feed(page)
    assert fetches.found == []
    assert page.index('id="loads"') < page.index('id="view-title_pdl_count"') < page.index('id="view-new_leads"')
    assert '<a href="#view-new_leads">New leads</a>' in page and "Generated 2026-03-01 09:30 UTC." in page


def test_long_names_and_addresses_may_wrap_after_their_separators_and_stay_escaped() -> None:
    assert breakable("smart_meter") == "smart_<wbr>meter"
    assert breakable("case.db/agreement") == "case.<wbr>db/<wbr>agreement"
    assert breakable("ann@example.com") == "ann@<wbr>example.<wbr>com"
    assert breakable("<a_b>.") == "&lt;a_<wbr>b&gt;."  # nothing to break before the end
