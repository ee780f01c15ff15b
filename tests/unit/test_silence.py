"""services/silence.py: when a kind counts as silent, and that each silence is said once."""

from datetime import UTC, datetime, timedelta

import pytest

from services.silence import Silence, check_every_seconds, find_silences

START = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
EXPECTED = {"nem12": DAY}


def test_a_kind_that_never_loaded_is_silent_once_the_interval_has_passed_since_the_start() -> None:
    assert find_silences(EXPECTED, {}, START, START + DAY, {}) == []
    assert find_silences(EXPECTED, {}, START, START + DAY + timedelta(seconds=1), {}) == [
        Silence("nem12", DAY + timedelta(seconds=1), DAY, None)
    ]


def test_a_kind_that_loaded_recently_is_not_silent() -> None:
    newest = {"nem12": START + timedelta(hours=20)}

    assert find_silences(EXPECTED, newest, START, START + timedelta(hours=30), {}) == []


def test_a_load_before_the_service_started_counts_from_that_load() -> None:
    last = START - timedelta(days=3)

    silences = find_silences(EXPECTED, {"nem12": last}, START, START + timedelta(minutes=1), {})

    assert silences == [Silence("nem12", timedelta(days=3, minutes=1), DAY, last)]


def test_a_silence_already_reported_is_not_said_again() -> None:
    reported: dict[str, datetime | None] = {"nem12": None}

    assert find_silences(EXPECTED, {}, START, START + 5 * DAY, reported) == []


def test_after_a_load_the_kind_is_said_again_only_once_it_is_silent_again() -> None:
    last = START + 2 * DAY
    reported: dict[str, datetime | None] = {"nem12": None}

    assert find_silences(EXPECTED, {"nem12": last}, START, last + timedelta(hours=1), reported) == []
    assert [s.kind for s in find_silences(EXPECTED, {"nem12": last}, START, last + 2 * DAY, reported)] == ["nem12"]


def test_kinds_without_an_expected_interval_are_never_silent() -> None:
    assert find_silences(EXPECTED, {"nem12": START}, START, START + timedelta(hours=1), {}) == []
    assert find_silences({}, {}, START, START + 100 * DAY, {}) == []


def test_each_kind_is_judged_on_its_own_interval() -> None:
    expected = {"nem12": DAY, "leads": timedelta(days=7)}

    silences = find_silences(expected, {}, START, START + 2 * DAY, {})

    assert [s.kind for s in silences] == ["nem12"]


@pytest.mark.parametrize(
    ("expected", "seconds"),
    [({}, 60.0), ({"nem12": DAY}, 60.0), ({"a": timedelta(seconds=40)}, 10.0), ({"a": timedelta(seconds=2)}, 1.0)],
)
def test_the_check_runs_at_a_quarter_of_the_shortest_interval_between_1_and_60_seconds(
    expected: dict[str, timedelta], seconds: float
) -> None:
    assert check_every_seconds(expected) == seconds
