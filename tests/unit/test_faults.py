"""services/faults.py: a spell of system trouble is news when it starts or changes, not on every retry."""

from services.faults import FaultSpell, SpellEnd


def test_the_first_failure_starts_a_spell_and_is_news() -> None:
    spell = FaultSpell()
    assert not spell.is_on
    assert spell.note_failure("database unavailable: refused", now=10.0)
    assert spell.is_on


def test_repeated_failures_with_the_same_reason_are_not_news() -> None:
    spell = FaultSpell()
    spell.note_failure("database refused the load: permission denied", now=10.0)
    assert not spell.note_failure("database refused the load: permission denied", now=11.0)
    assert not spell.note_failure("database refused the load: permission denied", now=12.0)


def test_a_changed_reason_is_news_within_the_same_spell() -> None:
    spell = FaultSpell()
    spell.note_failure("database refused the load: permission denied", now=10.0)
    assert spell.note_failure("database refused the load: read-only transaction", now=15.0)
    assert spell.end(now=20.0) == SpellEnd(10.0, 2, "database refused the load: read-only transaction")


def test_ending_reports_the_spell_once_and_a_new_failure_is_news_again() -> None:
    spell = FaultSpell()
    spell.note_failure("disk full", now=1.0)
    spell.note_failure("disk full", now=2.0)
    assert spell.end(now=4.5) == SpellEnd(3.5, 2, "disk full")
    assert spell.end(now=5.0) is None
    assert spell.note_failure("disk full", now=6.0)
