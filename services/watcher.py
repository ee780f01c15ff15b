"""The drop-folder loop: start-up scan, awatch, settle checks, several files at a time, retries, heartbeat.

Up to `max_concurrent_files` settled files are loaded at once, each on its own connection and in its
own transaction; files of one kind still start and commit in the order they were taken (services/turns.py).
"""

import asyncio
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.exc import SQLAlchemyError
from watchfiles import Change, awatch

from core.config import Settings
from core.db import short_error
from core.errors import BadFileError, FileChangedError, TransientError
from core.logfmt import log_event
from services.faults import FaultSpell
from services.file_reports import FileReport, Outcome, log_quarantined
from services.housekeeping import prune_archive
from services.inbox import (
    Observation,
    is_candidate_name,
    is_settled,
    observe,
    processing_order,
    quarantine_file,
    stat_file,
)
from services.ingest import Ingestor
from services.monitor import Monitor
from services.turns import KindTurns, Turn

logger = logging.getLogger(__name__)

RECOVERY_EVERY_SECONDS: Final = 60.0
PRUNE_EVERY_SECONDS: Final = 3600.0


@dataclass
class _Retry:
    attempts: int
    not_before: float


@dataclass
class Watcher:
    """Watches one folder and hands each settled file to the Ingestor."""

    ingestor: Ingestor
    settings: Settings
    is_once: bool = False
    monitor: Monitor = field(default_factory=Monitor)
    outcomes: Counter[str] = field(default_factory=Counter)
    _pending: dict[str, Observation] = field(default_factory=dict)
    _first_seen: dict[str, float] = field(default_factory=dict)
    _retries: dict[str, _Retry] = field(default_factory=dict)
    _exhausted: set[str] = field(default_factory=set)
    _faults: FaultSpell = field(default_factory=FaultSpell)
    _in_flight: dict[str, "asyncio.Task[None]"] = field(default_factory=dict)
    _turns: KindTurns = field(default_factory=KindTurns)
    _last_scan: float = 0.0
    _last_recovery: float = 0.0
    _last_prune: float = -PRUNE_EVERY_SECONDS

    @property
    def folder(self) -> Path:
        """The watched folder."""
        return self.settings.imports_dir

    async def watch(self, stop: asyncio.Event) -> None:
        """Process what is already there, then every file that arrives, until `stop` is set."""
        self._prepare_folders()
        await self._recover()
        self._scan()
        await self._process_ready(stop)
        is_armed = False
        async for changes in awatch(
            self.folder,
            watch_filter=lambda _change, path: is_candidate_name(os.path.basename(path)),
            debounce=200,
            step=50,
            rust_timeout=int(self.settings.tick_seconds * 1000),
            yield_on_timeout=True,
            stop_event=stop,
            recursive=False,
            force_polling=self.settings.force_polling,
        ):
            if not is_armed:  # awatch sets up its watch when first iterated: its first yield proves it is armed
                is_armed = True
                log_event(logger, "watching", folder=str(self.folder))
            self._note_changes(changes)
            await self._tick(stop)

    async def run_once(self, stop: asyncio.Event) -> bool:
        """Process the files present now (waiting for each to settle); False if some were left in the folder."""
        self._prepare_folders()
        await self._recover()
        self._scan()
        wanted = set(self._pending)
        while not stop.is_set() and wanted & (set(self._pending) - self._exhausted):
            await self._process_ready(stop, only=wanted)
            await asyncio.sleep(self.settings.tick_seconds)
            self._restat()
        return not (wanted & set(self._pending))  # stopped, or given up on after once_attempts: not done

    def _prepare_folders(self) -> None:
        for folder in (self.folder, self.settings.processed_dir, self.settings.failed_dir):
            folder.mkdir(parents=True, exist_ok=True)

    async def _tick(self, stop: asyncio.Event) -> None:
        now = time.monotonic()
        if now - self._last_scan >= self.settings.rescan_seconds:
            self._scan()  # a safety net for events lost by the OS or never sent (some bind mounts)
        else:
            self._restat()
        if now - self._last_recovery >= RECOVERY_EVERY_SECONDS:
            await self._recover()
        if now - self._last_prune >= PRUNE_EVERY_SECONDS:
            await self._prune()
        await self._process_ready(stop)
        self._publish_waiting()

    def _note_changes(self, changes: set[tuple[Change, str]]) -> None:
        for change, raw_path in changes:
            path = Path(raw_path)
            if path.parent.resolve() != self.folder.resolve():
                continue
            if change == Change.deleted:
                self._forget(path.name)
            else:
                self._observe(path.name)

    def _scan(self) -> None:
        self._last_scan = time.monotonic()
        present = set()
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if is_candidate_name(entry.name) and (entry.is_file(follow_symlinks=False) or entry.is_symlink()):
                    present.add(entry.name)
                    self._observe(entry.name)
        for name in set(self._pending) - present:
            self._forget(name)

    def _restat(self) -> None:
        for name in list(self._pending):
            self._observe(name)

    def _observe(self, name: str) -> None:
        current = stat_file(self.folder / name)
        if current is None:
            self._forget(name)
            return
        now = time.monotonic()
        self._pending[name] = observe(self._pending.get(name), current, now)
        self._first_seen.setdefault(name, now)

    def _forget(self, name: str) -> None:
        self._pending.pop(name, None)
        self._first_seen.pop(name, None)
        self._retries.pop(name, None)

    def _publish_waiting(self) -> None:
        self.monitor.files_waiting(len(self._pending), min(self._first_seen.values(), default=None))

    def _ready(self, only: set[str] | None) -> list[str]:
        now = time.monotonic()
        names = [
            name
            for name, seen in self._pending.items()
            if is_settled(seen, now, self.settings.settle_seconds)
            and now >= self._retries.get(name, _Retry(0, 0.0)).not_before
            and name not in self._exhausted
            and name not in self._in_flight
            and (only is None or name in only)
        ]
        return sorted(names, key=lambda name: processing_order(name, self._pending[name]))

    async def _process_ready(self, stop: asyncio.Event, only: set[str] | None = None) -> None:
        """Load every ready file, up to `max_concurrent_files` at once, until none is ready and none in flight.

        Once stopped, no file is started and those in flight finish; if this is cancelled (the grace
        period is over), they are cancelled too, and each rolls back.
        """
        try:
            ready = self._ready(only)
            while ready or self._in_flight:
                while ready and len(self._in_flight) < self.settings.max_concurrent_files and not stop.is_set():
                    self._start(ready.pop(0))
                if self._in_flight:
                    await _first_finished(list(self._in_flight.values()), self.settings.tick_seconds)
                if not ready and not stop.is_set():
                    self._scan()  # files dropped meanwhile can start beside a long load
                    ready = self._ready(only)
                if stop.is_set():
                    ready = []
        except asyncio.CancelledError:
            for task in self._in_flight.values():
                task.cancel()
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
            raise

    def _start(self, name: str) -> None:
        self._observe(name)  # a last look: it must still be there and unchanged
        seen = self._pending.get(name)
        if seen is None or not is_settled(seen, time.monotonic(), self.settings.settle_seconds):
            return
        task = asyncio.create_task(self._process(self.folder / name, self._turns.take()))
        self._in_flight[name] = task
        task.add_done_callback(lambda _: self._in_flight.pop(name, None))

    async def _process(self, path: Path, turn: Turn | None = None) -> None:
        try:
            report = await self.ingestor.handle(path, turn)
        except FileChangedError as exc:
            self._retry_later(path.name, str(exc), is_fault=False)
            return
        except TransientError as exc:
            self._retry_later(path.name, str(exc), is_fault=True)
            return
        except Exception as exc:  # noqa: BLE001 - the one broad handler: a bad file never stops the service
            report = self._quarantine_unexpected(path, exc)
        self._end_fault_spell()
        self.outcomes[report.outcome] += 1
        self.monitor.file_handled(report)
        self._forget(path.name)
        self._publish_waiting()

    def _quarantine_unexpected(self, path: Path, exc: Exception) -> FileReport:
        logger.exception("event=unexpected_error file=%s", path.name)
        error = BadFileError(f"unexpected error: {type(exc).__name__}: {exc}", detail=short_error(exc))
        try:
            moved_to = quarantine_file(
                path, self.settings.failed_dir, error, kind=None, sha256=None, moment=datetime.now(UTC)
            )
        except OSError as move_exc:
            self._retry_later(path.name, f"could not quarantine: {short_error(move_exc)}", is_fault=True)
            return FileReport(Outcome.SKIPPED, path.name)
        moved_to_name = str(moved_to.relative_to(self.folder))
        log_quarantined(path.name, None, error, moved_to_name)
        return FileReport(Outcome.QUARANTINED, path.name, reason=error.reason, moved_to=moved_to_name)

    def _retry_later(self, name: str, reason: str, *, is_fault: bool) -> None:
        """Leave the file where it is and try it again after a backoff; a system fault is said once per spell."""
        previous = self._retries.get(name, _Retry(0, 0.0))
        attempts = previous.attempts + 1
        delay = min(self.settings.retry_max_seconds, 2.0 ** (attempts - 1))
        self._retries[name] = _Retry(attempts, time.monotonic() + delay)
        self.outcomes["retry"] += 1
        self.monitor.file_retried()
        if self.is_once and attempts >= self.settings.once_attempts:
            self._exhausted.add(name)
        is_new_spell = is_fault and not self._faults.is_on
        is_news = is_fault and self._faults.note_failure(reason, time.monotonic())
        if is_new_spell:  # alerted once per spell; a changed reason within it is logged only
            self.monitor.fault_started(reason, name, len(self._pending))
        if is_news:
            log_event(
                logger,
                "system_fault",
                logging.ERROR,
                reason=reason,
                file=name,
                files_waiting=len(self._pending),
                note="not the file's fault: files stay in the drop folder and are retried until this is fixed",
            )
        level = logging.DEBUG if is_fault and not is_news else logging.INFO
        log_event(logger, "load_retry", level, file=name, attempt=attempts, retry_in_s=delay, reason=reason)

    def _end_fault_spell(self) -> None:
        ended = self._faults.end(time.monotonic())
        if ended is not None:
            log_event(
                logger,
                "system_recovered",
                seconds=ended.seconds,
                failed_attempts=ended.failed_attempts,
                last_reason=ended.reason,
            )
            self.monitor.fault_ended(ended)

    async def _prune(self) -> None:
        """Delete archived copies past their retention (when one is set); a failure is logged and retried later."""
        self._last_prune = time.monotonic()
        days = self.settings.processed_retention_days
        if days is None:
            return
        try:
            await asyncio.to_thread(prune_archive, self.settings.processed_dir, days)
        except OSError as exc:
            log_event(logger, "prune_skipped", logging.WARNING, reason=short_error(exc))

    async def _recover(self) -> None:
        self._last_recovery = time.monotonic()
        try:
            names = await self.ingestor.recover_interrupted()
        except (SQLAlchemyError, OSError, TransientError) as exc:  # retried on the next round
            log_event(logger, "recovery_skipped", logging.WARNING, reason=short_error(exc))
            return
        for name in names:
            log_event(logger, "load_interrupted", logging.WARNING, file=name, note="an earlier process died mid-load")


async def _first_finished(tasks: list["asyncio.Task[None]"], timeout_seconds: float) -> None:
    """Wait until one of `tasks` is done, or `timeout_seconds`; an error that escaped one (a bug of ours) is
    raised here, as it would have been had the file been processed inline."""
    done, _ = await asyncio.wait(tasks, timeout=timeout_seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
