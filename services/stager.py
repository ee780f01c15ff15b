"""Staging a dropped file's rows: what loading it means (its kind, or its parts), and the load itself inside
the caller's transaction, judged (column drift, the reject ratio) before the caller commits.

Used by the ingest path (services/ingest.py), the dry run (services/check.py) and --reload (services/reload.py).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from core.config import Settings
from core.errors import BadFileError
from core.logfmt import log_event
from services import ledger
from services.column_matching import column_drift, mapped_columns, render_drift
from services.importers.archives import ArchiveLimits
from services.importers.base import Importer, LoadJob, LoadResult
from services.importers.containers import Part, Plan, plan_parts
from services.importers.copying import KEPT_REJECTS
from services.importers.sources import FileSource, read_head
from services.inbox import hash_source
from services.ledger import FileFacts

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A file this small is hashed, recognised and moved in the event loop: handing such short work to a
# thread costs more than the work itself, and a burst of small files is mostly such overhead.
INLINE_FILE_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class Stager:
    """What staging a file needs: the settings, the import services, and this process's name for the ledger."""

    settings: Settings
    importers: tuple[Importer, ...]
    worker: str

    async def plan(self, path: Path, size: int | None = None) -> Plan:
        """What loading `path` (of `size` bytes, if known) means: its kind, its parts; BadFileError when it is
        empty or nothing takes it."""
        limits = ArchiveLimits(
            self.settings.archive_max_bytes, self.settings.archive_max_ratio, self.settings.archive_max_members
        )
        source = FileSource(path, limits)
        head = await off_loop(size, read_head, source)
        return await off_loop(size, plan_parts, source, head, self.importers)

    async def stage(self, conn: AsyncConnection, plan: Plan, facts: FileFacts, file_id: int) -> LoadResult:
        """Stage the file's rows (or its parts' rows) inside the caller's transaction and judge them."""
        if plan.is_container:
            result = combined([await self._stage_part(conn, part, facts, file_id) for part in plan.parts])
        else:
            result = await self._stage_whole(conn, plan.parts[0], file_id)
        check_reject_ratio(result, self.settings.max_reject_ratio)
        return result

    async def _stage_whole(self, conn: AsyncConnection, part: Part, file_id: int) -> LoadResult:
        result = await part.importer.load(conn, self._job(part, file_id))
        return await with_drift(conn, result, part.importer.kind, file_id)

    async def _stage_part(
        self, conn: AsyncConnection, part: Part, container: FileFacts, container_id: int
    ) -> LoadResult:
        """One part of a container under a ledger row of its own, in the container's transaction.

        An archive member whose content was loaded before (alone, or in another archive) is recorded
        as a duplicate of that load and not loaded again.
        """
        started = time.monotonic()
        kind, name = part.importer.kind, part.name or ""
        facts = FileFacts(container.file_name, "", None)
        if part.is_member:
            sha256, size = await asyncio.to_thread(hash_source, part.source)
            facts = FileFacts(container.file_name, sha256, size)
            earlier = await ledger.find_loaded(conn, sha256)
            if earlier is not None:
                await ledger.record_duplicate_part(conn, container_id, facts, name, earlier, self.worker)
                return LoadResult(0, 0, notes={name: f"duplicate of {earlier.id}"})
        part_id = await ledger.start_part(conn, container_id, facts, name, kind, self.worker)
        result = await self._stage_whole(conn, part, part_id)
        await ledger.finish_load(conn, part_id, result, time.monotonic() - started)
        return replace(result, notes={name: kind})

    def _job(self, part: Part, file_id: int) -> LoadJob:
        shown = part.source.name if part.name is None else f"{part.source.name}/{part.name}"
        return LoadJob(
            source=part.source,
            head=part.head,
            file_id=file_id,
            staging_schema=self.settings.staging_schema,
            copy_chunk_bytes=self.settings.copy_chunk_bytes,
            on_progress=progress_logger(shown, part.importer.kind, time.monotonic(), self.settings.progress_seconds),
        )


def combined(results: list[LoadResult]) -> LoadResult:
    """A container's result: its parts' rows and rejects summed, and which part loaded as which kind."""
    notes: dict[str, object] = {}
    for result in results:
        notes.update(result.notes)
    return LoadResult(
        rows_loaded=sum(result.rows_loaded for result in results),
        rows_rejected=sum(result.rows_rejected for result in results),
        encoding=results[0].encoding if len({result.encoding for result in results}) == 1 else None,
        first_rejects=tuple(reject for result in results for reject in result.first_rejects)[:KEPT_REJECTS],
        source_records=sum(result.source_records or result.rows_loaded for result in results),
        notes={"parts": ",".join(f"{name}:{kind}" for name, kind in notes.items())},
    )


def check_reject_ratio(result: LoadResult, max_reject_ratio: float) -> None:
    """Refuse the whole file when more than `max_reject_ratio` of its rows were rejected."""
    loaded = result.source_records if result.source_records is not None else result.rows_loaded
    total = loaded + result.rows_rejected
    if total and result.rows_rejected / total > max_reject_ratio:
        examples = "; ".join(f"line {r.line_no}: {r.reason}" for r in result.first_rejects)
        raise BadFileError(
            f"{result.rows_rejected} of {total} rows were rejected, more than the allowed "
            f"{max_reject_ratio:.0%}, so nothing of the file was kept; fix the rows and drop the file again",
            detail=f"first rejected rows: {examples}",
            line=result.first_rejects[0].line_no if result.first_rejects else None,
        )


async def with_drift(conn: AsyncConnection, result: LoadResult, kind: str, file_id: int) -> LoadResult:
    """Add `drift` (columns added, missing, renamed since the kind's previous file) to a declared kind's result."""
    if result.column_map is None:
        return result
    previous = await ledger.previous_columns(conn, kind, file_id)
    drift = render_drift(column_drift(previous, mapped_columns(result.column_map) or {}))
    return replace(result, notes={**result.notes, "drift": drift})


def progress_logger(file_name: str, kind: str, started: float, every_seconds: float) -> Callable[[int], None]:
    last_logged = started

    def on_progress(rows: int) -> None:
        nonlocal last_logged
        now = time.monotonic()
        if now - last_logged >= every_seconds:
            last_logged = now
            elapsed = now - started
            log_event(
                logger,
                "load_progress",
                file=file_name,
                kind=kind,
                rows=rows,
                seconds=elapsed,
                rows_per_s=round(rows / elapsed),
            )

    return on_progress


async def off_loop(size: int | None, work: Callable[..., T], *args: object) -> T:
    """Run blocking file work in a thread, or right here for a file of at most INLINE_FILE_BYTES."""
    if size is not None and size <= INLINE_FILE_BYTES:
        return work(*args)
    return await asyncio.to_thread(work, *args)
