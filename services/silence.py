"""Silent kinds: a kind whose files are expected every so often, and none has loaded for longer than that.

Pure decisions; the caller passes in the clock, the newest load of each kind (from the ledger) and what
it has already reported, and sends the alerts.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

MIN_CHECK_SECONDS: Final = 1.0
MAX_CHECK_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Silence:
    """A kind that has been silent for longer than expected."""

    kind: str
    silent_for: timedelta
    expected_every: timedelta
    last_loaded_at: datetime | None  # None: never, as far as the ledger knows


def find_silences(
    expected: Mapping[str, timedelta],
    newest_loads: Mapping[str, datetime],
    started_at: datetime,
    now: datetime,
    reported: Mapping[str, datetime | None],
) -> list[Silence]:
    """The kinds silent for longer than expected that were not reported yet for this silence.

    A kind that never loaded counts from `started_at`. `reported` maps a kind to its newest load when its
    silence was reported: the same silence is said once, and a kind is said again only after it loaded since.
    """
    silences = []
    for kind, every in sorted(expected.items()):
        last = newest_loads.get(kind)
        silent_for = now - (last or started_at)
        if silent_for > every and not (kind in reported and reported[kind] == last):
            silences.append(Silence(kind, silent_for, every, last))
    return silences


def check_every_seconds(expected: Mapping[str, timedelta]) -> float:
    """How often to look: a quarter of the shortest interval, between once a second and once a minute."""
    shortest = min((every.total_seconds() for every in expected.values()), default=MAX_CHECK_SECONDS * 4)
    return min(MAX_CHECK_SECONDS, max(MIN_CHECK_SECONDS, shortest / 4))
