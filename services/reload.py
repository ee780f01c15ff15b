"""`--reload NAME`: load again a file from processed/ whose content was loaded before (after a fix to a
declaration or an importer), replacing that load's staged rows in one transaction.

The earlier load and its parts are marked `replaced` and their staged rows (and rejects) deleted; the
new load records `reload_of` the original load, whose place in load order it takes, so the next
`--pipeline` rebuilds what the earlier load fed. Nothing is counted twice, and a reload that fails
changes nothing.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import BadFileError
from core.logfmt import log_event
from models import Base, FileLoad, LoadStatus
from services import ledger
from services.inbox import hash_file
from services.ingest import Ingestor
from services.ledger import FileFacts
from services.unit_of_work import transaction

logger = logging.getLogger(__name__)


class ReloadError(Exception):
    """The named file cannot be reloaded: the message says why and what to do instead."""


@dataclass(frozen=True)
class Reloaded:
    """What a reload did."""

    file_name: str
    file_id: int
    replaced_id: int
    kind: str
    rows_loaded: int
    rows_rejected: int
    seconds: float


async def reload_file(ingestor: Ingestor, name: str) -> Reloaded:
    """Load `processed/NAME` again in place of the earlier load of its content; ReloadError when it cannot be."""
    path = ingestor.settings.processed_dir / name
    if Path(name).name != name or not path.is_file():
        raise ReloadError(f"{name!r} is not a file in {ingestor.settings.processed_dir}: give the archived file's name")
    sha256, size = await asyncio.to_thread(hash_file, path)
    facts = FileFacts(name, sha256, size)
    started = time.monotonic()
    async with ingestor.engine.connect() as conn:
        async with transaction(conn):
            earlier = await _earlier_load(conn, sha256, name)
        try:
            plan = await ingestor.plan(path)
        except BadFileError as exc:
            raise ReloadError(f"{name} cannot be loaded: {exc.reason}") from exc
        try:
            async with transaction(conn):
                replaced = await _replace(conn, earlier.id)
                file_id = await ledger.start_load(conn, facts, plan.kind, ingestor.worker)
                archived_as = f"{path.parent.name}/{name}"
                await ledger.mark_reload(conn, file_id, replaced_root=replaced, archived_as=archived_as)
                result = await ingestor.stage(conn, plan, facts, file_id)
                await ledger.finish_load(conn, file_id, result, time.monotonic() - started)
        except BadFileError as exc:
            raise ReloadError(f"{name} would be quarantined, so the earlier load is kept: {exc.reason}") from exc
    seconds = time.monotonic() - started
    done = Reloaded(name, file_id, earlier.id, plan.kind, result.rows_loaded, result.rows_rejected, seconds)
    log_event(
        logger,
        "file_reloaded",
        file=name,
        file_id=file_id,
        replaced=earlier.id,
        kind=plan.kind,
        rows=result.rows_loaded,
        rejected=result.rows_rejected,
        seconds=seconds,
    )
    return done


async def _earlier_load(conn: AsyncConnection, sha256: str, name: str) -> ledger.LoadedFile:
    earlier = await ledger.find_loaded(conn, sha256)
    if earlier is None:
        raise ReloadError(f"no load of {name}'s content is on record: drop it into the imports folder to load it")
    if earlier.part_name is not None:
        raise ReloadError(
            f"{name}'s content was loaded as {earlier.shown_name}, a member of an archive: reload that archive"
        )
    return earlier


async def _replace(conn: AsyncConnection, earlier_id: int) -> int:
    """Mark the earlier load and its parts replaced and delete their staged rows; returns the original load's id."""
    ids = [earlier_id, *(await conn.execute(select(FileLoad.id).where(FileLoad.part_of == earlier_id))).scalars()]
    for table in staged_tables():
        await conn.execute(delete(table).where(table.c.file_id.in_(ids)))
    await conn.execute(update(FileLoad).where(FileLoad.id.in_(ids)).values(status=LoadStatus.REPLACED))
    original = (await conn.execute(select(FileLoad.reload_of).where(FileLoad.id == earlier_id))).scalar_one()
    return int(original or earlier_id)


def staged_tables() -> list[Table]:
    """Every staging table holding rows of loaded files (each kind's, declared ones included, and rejects)."""
    return [
        table
        for table in Base.metadata.sorted_tables
        if table.schema == "staging" and "file_id" in table.c and table.name != FileLoad.__tablename__
    ]
