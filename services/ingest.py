"""One dropped file, start to finish: claim, hash, deduplicate, route, load, archive or quarantine.

Each step that writes to the ledger runs in its own `transaction` (services/unit_of_work.py); the
load itself is one transaction holding the staged rows and the ledger's `loaded` row together.
"""

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.db import short_error, translate_db_error
from core.errors import BadFileError, FileChangedError, TransientError
from core.logfmt import log_event
from services import ledger
from services.bundles import catalogue_for
from services.file_reports import FileReport, Outcome, log_duplicate, log_loaded, log_quarantined
from services.importers import importers_for
from services.importers.base import Importer, LoadResult
from services.importers.containers import Plan
from services.inbox import FileStat, hash_file, move_without_overwrite, quarantine_file, stat_file
from services.ledger import FileFacts
from services.stager import Stager, off_loop
from services.turns import Turn
from services.unit_of_work import autocommit, finish_uninterrupted, transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ingestor:
    """Everything needed to take files: the engine, settings, import services and this process's name."""

    engine: AsyncEngine
    settings: Settings
    worker: str = f"{socket.gethostname()}:{os.getpid()}"
    importers: tuple[Importer, ...] = ()
    stager: Stager = field(init=False)

    def __post_init__(self) -> None:
        if not self.importers:  # the built-in services plus one per declared kind (of the bundles that are on)
            declared = importers_for(catalogue_for(self.settings).declarations)
            object.__setattr__(self, "importers", declared)
        object.__setattr__(self, "stager", Stager(self.settings, self.importers, self.worker))

    async def plan(self, path: Path, size: int | None = None) -> Plan:
        """What loading `path` means (services/stager.py); BadFileError when it is empty or nothing takes it."""
        return await self.stager.plan(path, size)

    async def stage(self, conn: AsyncConnection, plan: Plan, facts: FileFacts, file_id: int) -> LoadResult:
        """Stage the file's rows inside the caller's transaction and judge them (services/stager.py)."""
        return await self.stager.stage(conn, plan, facts, file_id)

    async def ingest(self, path: Path) -> Outcome:
        """Take one settled file and say what became of it; raises TransientError when it must be retried later."""
        return (await self.handle(path)).outcome

    async def handle(self, path: Path, turn: Turn | None = None) -> FileReport:
        """Take one settled file and report on it; raises TransientError when it must be retried later.

        With a `turn`, the file's load waits for the earlier files of its kind (services/turns.py).
        """
        key = ledger.claim_key(self.settings.staging_schema, path.name)
        try:
            async with self.engine.connect() as conn:
                async with autocommit(conn):
                    is_claimed = await ledger.try_claim(conn, key)
                if not is_claimed:
                    return FileReport(Outcome.SKIPPED, path.name)
                try:
                    return await self._ingest_claimed(conn, path, turn)
                finally:
                    await _release(conn, key)
        except Exception as exc:
            translated = translate_db_error(exc)
            if translated is exc:
                raise
            raise translated from exc
        finally:
            if turn is not None:
                turn.done()

    async def recover_interrupted(self) -> list[str]:
        """Mark `loading` rows whose owner is gone as interrupted; returns their file names.

        An owner holds the file's claim for as long as it lives, so a claim we can take belongs to
        nobody: that load died with its process, and its rows were rolled back with it.
        """
        async with self.engine.connect() as conn:
            async with transaction(conn):
                loading = await ledger.loading_files(conn)
            return [row.file_name for row in loading if await self._recover(conn, row)]

    async def _recover(self, conn: AsyncConnection, row: ledger.LoadingFile) -> bool:
        key = ledger.claim_key(self.settings.staging_schema, row.file_name)
        async with autocommit(conn):
            is_claimed = await ledger.try_claim(conn, key)
        if not is_claimed:
            return False  # its owner is alive and still loading it
        try:
            async with autocommit(conn):
                return await ledger.record_stale(conn, row.id)
        finally:
            await _release(conn, key)

    async def _ingest_claimed(self, conn: AsyncConnection, path: Path, turn: Turn | None) -> FileReport:
        before = stat_file(path)
        if before is None:
            return FileReport(Outcome.SKIPPED, path.name)  # another process archived it between our scan and our claim
        if path.is_symlink():
            facts = FileFacts(path.name, "", before.size)
            return await self._quarantine(conn, path, facts, None, BadFileError(_SYMLINK_REASON))
        try:
            sha256, size = await off_loop(before.size, hash_file, path)
        except PermissionError as exc:
            facts = FileFacts(path.name, "", before.size)
            return await self._quarantine(conn, path, facts, None, _unreadable(exc))
        except OSError as exc:
            raise TransientError(f"cannot read the file: {short_error(exc)}") from exc
        facts = FileFacts(path.name, sha256, size)
        async with autocommit(conn):
            earlier = await ledger.find_loaded(conn, facts.sha256)
        if earlier is not None:
            return await self._archive_earlier_load(conn, path, facts, earlier)
        return await self._route_and_load(conn, path, facts, before, turn)

    async def _route_and_load(
        self, conn: AsyncConnection, path: Path, facts: FileFacts, before: FileStat, turn: Turn | None
    ) -> FileReport:
        try:
            plan = await self.plan(path, before.size)
        except BadFileError as exc:
            return await self._quarantine(conn, path, facts, None, exc)
        if turn is not None and await turn.wait(frozenset({plan.kind, *(part.importer.kind for part in plan.parts)})):
            async with autocommit(conn):  # the file it waited for may have been this same content
                earlier = await ledger.find_loaded(conn, facts.sha256)
            if earlier is not None:
                return await self._archive_earlier_load(conn, path, facts, earlier)
        async with autocommit(conn):
            file_id = await ledger.start_load(conn, facts, plan.kind, self.worker)
        try:
            result, seconds = await self._load(conn, plan, path, facts, file_id, before)
        except BadFileError as exc:
            return await self._quarantine(conn, path, facts, plan.kind, exc, file_id=file_id)
        except FileChangedError:
            async with autocommit(conn):
                await ledger.record_interrupted(conn, file_id, _CHANGED_REASON)
            raise
        except _LoadedElsewhereError:
            return await self._lost_race(conn, path, facts, file_id, before.size)
        except TransientError as exc:
            await self._note_interrupted(conn, file_id, str(exc))
            raise
        finally:
            if turn is not None:
                turn.done()  # committed or rolled back: the next file of its kind may go
        await finish_uninterrupted(self._archive_loaded(conn, path, file_id, before.size))
        log_loaded(path, plan.kind, result, seconds, file_id)
        return FileReport(Outcome.LOADED, path.name, plan.kind, result.rows_loaded, result.rows_rejected, seconds)

    async def _load(
        self, conn: AsyncConnection, plan: Plan, path: Path, facts: FileFacts, file_id: int, before: FileStat
    ) -> tuple[LoadResult, float]:
        """The file's rows and its ledger row, in one transaction."""
        started = time.monotonic()
        try:
            async with transaction(conn):
                result = await self.stage(conn, plan, facts, file_id)
                if stat_file(path) != before:
                    raise FileChangedError(f"{path.name} changed while it was being loaded")
                seconds = time.monotonic() - started
                await ledger.finish_load(conn, file_id, result, seconds)
        except Exception as exc:
            if ledger.is_duplicate_content(exc):
                raise _LoadedElsewhereError from exc
            translated = translate_db_error(exc)
            if translated is not exc:
                raise translated from exc
            raise
        return result, seconds

    async def _note_interrupted(self, conn: AsyncConnection, file_id: int, reason: str) -> None:
        """Mark the rolled-back attempt in the ledger if the database lets us; recovery does it otherwise."""
        try:
            async with autocommit(conn):
                await ledger.record_interrupted(conn, file_id, reason)
        except Exception as exc:  # noqa: BLE001 - the system is in trouble already; the original error is raised
            log_event(logger, "ledger_update_skipped", logging.DEBUG, file_id=file_id, reason=short_error(exc))

    async def _lost_race(
        self, conn: AsyncConnection, path: Path, facts: FileFacts, file_id: int, size: int
    ) -> FileReport:
        """Another process committed the same content while we loaded it: ours was rolled back, so it is a duplicate."""
        async with transaction(conn):
            earlier = await ledger.find_loaded(conn, facts.sha256)
            if earlier is None:  # that load is gone again (reloaded): simply try once more
                raise TransientError("another process loaded the same content at the same time; trying again")
            await ledger.mark_duplicate(conn, file_id, earlier.id)
        await self._archive_loaded(conn, path, file_id, size)
        log_duplicate(facts, earlier)
        return FileReport(Outcome.DUPLICATE, path.name, earlier.kind)

    async def _archive_loaded(self, conn: AsyncConnection, path: Path, file_id: int, size: int | None) -> None:
        target = await _archive(path, self.settings.processed_dir, size)
        async with autocommit(conn):
            await ledger.record_archived(conn, file_id, _relative(target, self.settings.imports_dir))

    async def _archive_earlier_load(
        self, conn: AsyncConnection, path: Path, facts: FileFacts, earlier: ledger.LoadedFile
    ) -> FileReport:
        if earlier.file_name == path.name and earlier.archived_as is None and earlier.part_name is None:
            # Loaded and committed, then stopped before the move: finish the job, no second ledger row.
            await self._archive_loaded(conn, path, earlier.id, facts.size_bytes)
            log_event(logger, "file_archived", file=path.name, file_id=earlier.id, note="loaded before a restart")
            return FileReport(Outcome.LOADED, path.name, earlier.kind)
        async with autocommit(conn):
            duplicate_id = await ledger.record_duplicate(conn, facts, earlier.id, self.worker)
        await self._archive_loaded(conn, path, duplicate_id, facts.size_bytes)
        log_duplicate(facts, earlier)
        return FileReport(Outcome.DUPLICATE, path.name, earlier.kind)

    async def _quarantine(
        self,
        conn: AsyncConnection,
        path: Path,
        facts: FileFacts,
        kind: str | None,
        error: BadFileError,
        *,
        file_id: int | None = None,
    ) -> FileReport:
        async with autocommit(conn):
            await ledger.record_failure(conn, file_id, facts, kind, error.reason, self.worker)
        sha256 = facts.sha256 or None
        try:
            moved_to = await asyncio.to_thread(
                quarantine_file, path, self.settings.failed_dir, error, kind=kind, sha256=sha256, moment=_now()
            )
        except OSError as exc:
            raise TransientError(f"cannot quarantine the file: {short_error(exc)}") from exc
        moved_to_name = _relative(moved_to, self.settings.imports_dir)
        log_quarantined(path.name, kind, error, moved_to_name)
        return FileReport(Outcome.QUARANTINED, path.name, kind, reason=error.reason, moved_to=moved_to_name)


_SYMLINK_REASON = "symbolic links are refused: copy the file itself into the folder"
_CHANGED_REASON = "the file changed while it was being loaded; it will be loaded once it stops changing"


class _LoadedElsewhereError(Exception):
    """The ledger refused our `loaded` row: another process committed the same content first."""


def _unreadable(exc: OSError) -> BadFileError:
    return BadFileError(
        "the file cannot be read by the service (permission denied); fix its permissions and drop it again",
        detail=str(exc),
    )


async def _archive(path: Path, folder: Path, size: int | None) -> Path:
    """Move a handled file into `folder`; a file-system failure is transient (the file stays, is retried)."""
    try:
        return await off_loop(size, move_without_overwrite, path, folder, _now())
    except OSError as exc:
        raise TransientError(f"cannot move the file into {folder.name}/: {short_error(exc)}") from exc


async def _release(conn: AsyncConnection, key: str) -> None:
    try:
        async with autocommit(conn):
            await ledger.release(conn, key)
    except Exception as exc:  # noqa: BLE001 - a broken connection loses its locks anyway
        log_event(logger, "claim_release_failed", logging.DEBUG, key=key, reason=short_error(exc))
        await conn.invalidate()


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def _now() -> datetime:
    return datetime.now(UTC)
