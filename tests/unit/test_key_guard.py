"""The first row of a key wins inside a file; how many keys are remembered is bounded."""

from datetime import datetime

import pytest

from services.declarations import parse_declaration
from services.importers import key_guard
from services.importers.key_guard import KeyGuard

READINGS = parse_declaration(
    """
kind = "readings"
formats = ["csv"]
key = ["meter", "start"]

[[columns]]
name = "meter"
type = "text"
required = true

[[columns]]
name = "start"
type = "timestamp"
required = true
""",
    "readings.toml",
)
AT = datetime(2026, 1, 5, 0, 30)


def _row(meter: str | None) -> dict[str, object]:
    return {"meter": meter, "start": AT}


def test_a_later_row_of_a_key_is_rejected_naming_the_first_line_as_postgres_would_write_the_key() -> None:
    guard = KeyGuard(READINGS)

    assert guard.check(2, _row("mp1")) is None
    assert guard.check(3, _row("mp2")) is None
    reject = guard.check(4, _row("mp1"))

    assert reject is not None and reject.line_no == 4
    assert reject.reason == (
        "meter 'mp1', start '2026-01-05 00:30:00' was already on line 2; the first row of a key wins"
    )
    assert not guard.is_over


def test_quotes_and_nulls_in_a_key_are_shown_as_sql_literals() -> None:
    guard = KeyGuard(READINGS)
    guard.check(2, _row("o'brien"))
    guard.check(3, _row(None))

    assert "meter 'o''brien'," in str(guard.check(4, _row("o'brien")))
    assert "meter NULL," in str(guard.check(5, _row(None)))


def test_past_the_bound_new_keys_are_not_remembered_and_the_staged_rows_are_checked_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(key_guard, "MAX_KEYS_IN_MEMORY", 2)
    guard = KeyGuard(READINGS)

    assert [guard.check(line, _row(meter)) for line, meter in ((2, "a"), (3, "b"), (4, "c"))] == [None] * 3
    assert guard.is_over and len(guard.first_line) == 2
    assert guard.check(5, _row("c")) is None  # not remembered: the staged pass finds it
    assert guard.check(6, _row("a")) is not None  # remembered: rejected as it is read


def test_a_kind_without_a_key_checks_nothing() -> None:
    plain = parse_declaration(
        'kind = "notes"\nformats = ["csv"]\n\n[[columns]]\nname = "note"\ntype = "text"\n', "notes.toml"
    )
    guard = KeyGuard(plain)

    assert guard.check(2, {"note": "x"}) is None and guard.check(3, {"note": "x"}) is None
