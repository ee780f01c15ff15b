"""System faults as spells: said loudly once when the trouble starts or changes, not on every retry.

A spell starts with the first file that cannot be loaded for a reason that is not the file's
(the database down or refusing, the disk full) and ends when a file is handled again. Pure state:
the watcher passes the clock in and does the logging.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SpellEnd:
    """How long a spell lasted and how many attempts failed during it."""

    seconds: float
    failed_attempts: int
    reason: str


@dataclass
class FaultSpell:
    """The current spell of system trouble, if any."""

    reason: str | None = None
    started_at: float = 0.0
    failed_attempts: int = 0

    @property
    def is_on(self) -> bool:
        """Whether the system is in trouble right now."""
        return self.reason is not None

    def note_failure(self, reason: str, now: float) -> bool:
        """Count one failed attempt; True when it starts the spell or changes its reason (worth saying)."""
        is_news = reason != self.reason
        if self.reason is None:
            self.started_at = now
        self.reason = reason
        self.failed_attempts += 1
        return is_news

    def end(self, now: float) -> SpellEnd | None:
        """A file was handled: end the spell; returns what it was, or None when there was none."""
        if self.reason is None:
            return None
        ended = SpellEnd(now - self.started_at, self.failed_attempts, self.reason)
        self.reason, self.failed_attempts = None, 0
        return ended
