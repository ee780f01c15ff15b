"""Turns for files loaded side by side: within a kind, loads start and commit in the order files were taken.

The watcher takes files oldest first (mtime, then name) and loads several at once. "A later file wins"
in the warehouse, which builds files in ledger-id order, so two files of one kind must not overlap:
the later one could get the smaller ledger id, or commit first and be built before the earlier one.
So a file's load (its ledger row, its rows, its commit) waits until every file taken before it that
shares a kind has finished; files of other kinds, and every file's claim, hash, recognition and
archiving, go on meanwhile. A file's kinds are known once it is recognised, so a file also waits for
the files taken before it to be recognised. Waits only ever point at earlier files: no cycle, no deadlock.
"""

import asyncio
from dataclasses import dataclass, field


@dataclass(eq=False)
class Turn:
    """One file's place in line: its kinds once recognised (a container may hold several), and whether its
    load is over."""

    line: list["Turn"]
    kinds: frozenset[str] = frozenset()
    recognised: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, kinds: frozenset[str]) -> bool:
        """Wait until every file taken before this one is recognised and, where it shares a kind, finished;
        True when one of those was still in flight (its commit may have changed what this file is)."""
        self.kinds = kinds
        self.recognised.set()
        has_waited = False
        for earlier in self.line[: self.line.index(self)]:
            await earlier.recognised.wait()
            if earlier.kinds & kinds:
                has_waited = has_waited or not earlier.finished.is_set()
                await earlier.finished.wait()
        return has_waited

    def done(self) -> None:
        """The file's load is over (committed, rolled back, or never begun): later files need not wait for it."""
        self.recognised.set()
        self.finished.set()
        if self in self.line:
            self.line.remove(self)


@dataclass
class KindTurns:
    """The files in flight, in the order they were taken."""

    _line: list[Turn] = field(default_factory=list)

    def take(self) -> Turn:
        """A place at the end of the line: call in the order files are taken."""
        turn = Turn(self._line)
        self._line.append(turn)
        return turn
