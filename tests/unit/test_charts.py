"""Charts: inline SVG whose text stays text, dated time axes, and ids that do not collide between charts."""

import math
import re
from datetime import date, time, timedelta

from services.charts import Line, ranked_bars_svg, stacked_bars_svg, timeseries_svg, with_gaps

DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(90)]


def _texts(svg: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_a_time_series_has_dated_tick_labels_and_the_year_once() -> None:
    total = Line("All 2 NMIs together", tuple((day, 10.0 + n % 7) for n, day in enumerate(DAYS)))
    lines = [Line(nmi, tuple((day, 5.0) for day in DAYS)) for nmi in ("NMI01", "NMI02")]

    svg = timeseries_svg(total, lines, lines_title="Each NMI", y_title="Consumption", y_format="kwh", salt="daily")

    texts = _texts(svg)
    assert {"1 Feb", "15 Feb", "1 Mar", "15 Mar"} <= set(texts)  # each day tick names its month
    assert texts.count("2026") == 1
    assert {"All 2 NMIs together", "Each NMI", "NMI01", "NMI02", "Consumption (kWh)"} <= set(texts)
    assert svg.startswith("<svg ") and 'role="img"' in svg and "<?xml" not in svg and "http" not in svg


def test_a_year_has_month_ticks_and_a_few_days_have_day_ticks() -> None:
    year = [Line("a", tuple((date(2025, 1, 1) + timedelta(days=n), 1.0) for n in range(365)))]
    days = [Line("a", tuple((date(2005, 3, 27) + timedelta(days=n), 1.0) for n in (0, 1, 2, 3, 5, 6, 7, 8)))]

    year_texts = _texts(timeseries_svg(None, year, lines_title="", y_title="kWh", y_format=None, salt="y"))
    day_texts = _texts(timeseries_svg(None, days, lines_title="", y_title="kWh", y_format=None, salt="d"))

    assert {"2025", "Mar", "May", "Jul", "Sep", "Nov"} <= set(year_texts)
    assert {"27 Mar", "31 Mar", "1 Apr", "4 Apr", "2005"} <= set(day_texts)


def test_a_few_days_of_daily_values_tick_days_not_hours() -> None:
    days = [Line("a", tuple((date(2021, 1, 1) + timedelta(days=n), 1.0) for n in range(3)))]

    texts = _texts(timeseries_svg(None, days, lines_title="", y_title="kWh", y_format=None, salt="three"))

    assert {"1 Jan", "2 Jan", "3 Jan"} <= set(texts)
    assert not [text for text in texts if re.fullmatch(r"\d\d:\d\d", text)], texts


def test_a_daily_profile_has_hours_on_its_axis() -> None:
    profile = Line("mean", tuple((time(hour, minute), 0.5) for hour in range(24) for minute in (0, 30)))

    svg = timeseries_svg(None, [profile], lines_title="", y_title="Consumption", y_format="kwh", salt="profile")

    assert {"00:00", "03:00", "12:00", "21:00"} <= set(_texts(svg))


def test_ranked_and_stacked_bars_print_their_values_for_people() -> None:
    bars = ranked_bars_svg(["manager", "engineer"], [59_737_450.0, 456.0], value_format="count", salt="bars")
    stacked = stacked_bars_svg(
        ["week1.csv", "week2.csv"], [("New", [60.0, 9.0]), ("Changed", [0.0, 11.0])], value_format="count", salt="s"
    )

    assert {"manager", "engineer", "59,737,450", "456"} <= set(_texts(bars))
    assert {"week1.csv", "week2.csv", "New", "Changed", "60", "20"} <= set(_texts(stacked))


def test_two_charts_on_one_page_share_no_ids() -> None:
    first = ranked_bars_svg(["a"], [1.0], value_format="count", salt="first")
    second = ranked_bars_svg(["a"], [1.0], value_format="count", salt="second")

    ids = re.findall(r' id="([^"]+)"', first), re.findall(r' id="([^"]+)"', second)
    assert ids[0] and not set(ids[0]) & set(ids[1])


def test_a_missing_day_is_a_gap_not_a_line_across_it() -> None:
    xs, ys = with_gaps([1.0, 2.0, 3.0, 5.0, 6.0], [10.0, 11.0, 12.0, 14.0, 15.0])

    assert xs == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert ys[:3] == [10.0, 11.0, 12.0] and math.isnan(ys[3]) and ys[4:] == [14.0, 15.0]
    assert with_gaps([1.0], [2.0]) == ([1.0], [2.0]) and with_gaps([], []) == ([], [])
