"""The load ledger (`staging.file_loads`): claims, outcomes and interrupted loads.

Every function here only executes statements on the connection it is given; none commits. The
ingest path runs them inside `services.unit_of_work.transaction`, which decides what commits together.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import unique_violation_of
from models import FileLoad, LoadStatus
from models.staging import DUPLICATE_CONTENT_INDEX
from services.column_matching import mapped_columns
from services.importers.base import LoadResult

_TRY_LOCK: Final = text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
_UNLOCK: Final = text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))")
_STALE_REASON: Final = "the loading process stopped before commit; nothing of this attempt was kept"

# The statements every file runs, built once: building and keying one costs more than a small file's parsing.
_LEDGER: Final = cast(Table, FileLoad.__table__)  # a mapped class's table is a Table
_FIND_LOADED: Final = select(
    FileLoad.id, FileLoad.file_name, FileLoad.archived_as, FileLoad.kind, FileLoad.part_name
).where(FileLoad.sha256 == bindparam("sha256"), FileLoad.status == LoadStatus.LOADED)
_START_LOAD: Final = (
    insert(_LEDGER)
    .values(
        file_name=bindparam("file_name"),
        sha256=bindparam("sha256"),
        size_bytes=bindparam("size_bytes"),
        kind=bindparam("kind"),
        status=LoadStatus.LOADING,
        worker=bindparam("worker"),
    )
    .returning(_LEDGER.c.id)
)
_FINISH_LOAD: Final = (
    update(_LEDGER)
    .where(_LEDGER.c.id == bindparam("file_id"))
    .values(
        status=LoadStatus.LOADED,
        rows_loaded=bindparam("rows_loaded"),
        rows_rejected=bindparam("rows_rejected"),
        encoding=bindparam("encoding"),
        seconds=bindparam("seconds"),
        column_map=bindparam("column_map", type_=_LEDGER.c.column_map.type),
        notes=bindparam("notes", type_=_LEDGER.c.notes.type),
        staged_into=bindparam("staged_into"),
        finished_at=func.clock_timestamp(),  # now() would be when the transaction began
    )
)
_RECORD_ARCHIVED: Final = (
    update(_LEDGER).where(_LEDGER.c.id == bindparam("file_id")).values(archived_as=bindparam("archived_as"))
)


@dataclass(frozen=True)
class FileFacts:
    """What the ledger records about a file's content."""

    file_name: str
    sha256: str
    size_bytes: int | None  # None for a part without bytes of its own (a SQLite table)


@dataclass(frozen=True)
class LoadedFile:
    """An earlier successful load of the same content."""

    id: int
    file_name: str
    archived_as: str | None
    kind: str | None = None
    part_name: str | None = None  # set when the content was loaded as a member of an archive

    @property
    def shown_name(self) -> str:
        """The file's name, or `archive.zip/member` for a member."""
        return f"{self.file_name}/{self.part_name}" if self.part_name else self.file_name


@dataclass(frozen=True)
class LoadingFile:
    """A ledger row still marked `loading`: in flight, or left by a process that died."""

    id: int
    file_name: str


def claim_key(staging_schema: str, file_name: str) -> str:
    """The advisory-lock key that makes one process at a time the owner of a dropped file."""
    return f"dropfolder/{staging_schema}/{file_name}"


async def try_claim(conn: AsyncConnection, key: str) -> bool:
    """Take the session-level lock for `key` if nobody holds it (it outlives the transaction)."""
    return bool((await conn.execute(_TRY_LOCK, {"key": key})).scalar_one())


async def release(conn: AsyncConnection, key: str) -> None:
    """Give the claim back."""
    await conn.execute(_UNLOCK, {"key": key})


async def find_loaded(conn: AsyncConnection, sha256: str) -> LoadedFile | None:
    """The earlier load of this content, if any."""
    row = (await conn.execute(_FIND_LOADED, {"sha256": sha256})).first()
    return LoadedFile(row.id, row.file_name, row.archived_as, row.kind, row.part_name) if row else None


async def record_duplicate(conn: AsyncConnection, facts: FileFacts, original_id: int, worker: str) -> int:
    """Record that this content was loaded before under `original_id`; returns the new row's id."""
    query = (
        insert(FileLoad)
        .values(
            file_name=facts.file_name,
            sha256=facts.sha256,
            size_bytes=facts.size_bytes,
            status=LoadStatus.DUPLICATE,
            duplicate_of=original_id,
            worker=worker,
            seconds=0.0,
            finished_at=func.now(),
        )
        .returning(FileLoad.id)
    )
    return int((await conn.execute(query)).scalar_one())


async def mark_duplicate(conn: AsyncConnection, file_id: int, original_id: int) -> None:
    """Turn a load that lost the race to another process loading the same content into a duplicate of it."""
    await conn.execute(
        update(FileLoad)
        .where(FileLoad.id == file_id)
        .values(status=LoadStatus.DUPLICATE, duplicate_of=original_id, finished_at=func.now())
    )


def is_duplicate_content(exc: BaseException) -> bool:
    """Whether `exc` is the ledger refusing a second `loaded` row for the same content (two processes raced)."""
    return unique_violation_of(exc) == DUPLICATE_CONTENT_INDEX


async def record_duplicate_part(
    conn: AsyncConnection, container_id: int, part: FileFacts, name: str, original: LoadedFile, worker: str
) -> int:
    """Record (in the container's transaction) a member whose content was loaded before; returns its row's id."""
    part_id = await start_part(conn, container_id, part, name, original.kind or "", worker)
    await mark_duplicate(conn, part_id, original.id)
    return part_id


async def start_load(conn: AsyncConnection, facts: FileFacts, kind: str, worker: str) -> int:
    """Record that a load has begun (so `--status` shows it and a crash leaves a trace); returns its id."""
    values = {"file_name": facts.file_name, "sha256": facts.sha256, "size_bytes": facts.size_bytes}
    return int((await conn.execute(_START_LOAD, values | {"kind": kind, "worker": worker})).scalar_one())


async def start_part(
    conn: AsyncConnection, container_id: int, part: FileFacts, name: str, kind: str, worker: str
) -> int:
    """Record (in the container's load transaction) that one of its parts is being loaded; returns its id.

    `part` holds the container's file name, and the part's own content hash and size when it has
    bytes of its own (an archive member; a SQLite table has none).
    """
    query = (
        insert(FileLoad)
        .values(
            file_name=part.file_name,
            sha256=part.sha256 or None,
            size_bytes=part.size_bytes,
            kind=kind,
            status=LoadStatus.LOADING,
            worker=worker,
            part_of=container_id,
            part_name=name,
        )
        .returning(FileLoad.id)
    )
    return int((await conn.execute(query)).scalar_one())


async def finish_load(conn: AsyncConnection, file_id: int, result: LoadResult, seconds: float) -> None:
    """Mark the load done; runs in the load's own transaction, so it commits with the staged rows."""
    values = {"file_id": file_id, "rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected}
    extra = {"encoding": result.encoding, "seconds": seconds, "column_map": result.column_map}
    kept = {"notes": stored_notes(result.notes), "staged_into": result.staged_into}
    await conn.execute(_FINISH_LOAD, values | extra | kept)


def stored_notes(notes: dict[str, object]) -> dict[str, object] | None:
    """The notes the ledger keeps: the file's counted warnings (drift is kept as the column map itself)."""
    kept = {key: value for key, value in notes.items() if key != "drift"}
    return kept or None


async def previous_columns(conn: AsyncConnection, kind: str, file_id: int) -> dict[str, str] | None:
    """The column mapping of the kind's last loaded file before `file_id` (None for its first file)."""
    query = (
        select(FileLoad.column_map)
        .where(
            FileLoad.kind == kind,
            FileLoad.status == LoadStatus.LOADED,
            FileLoad.id < file_id,
            FileLoad.column_map.is_not(None),
        )
        .order_by(FileLoad.id.desc())
        .limit(1)
    )
    return mapped_columns((await conn.execute(query)).scalar_one_or_none())


async def record_failure(
    conn: AsyncConnection, file_id: int | None, facts: FileFacts, kind: str | None, error: str, worker: str
) -> int:
    """Mark the load failed, or record a failed file that never got a ledger row; returns the row's id."""
    values = {"status": LoadStatus.FAILED, "kind": kind, "error": error, "finished_at": func.now()}
    if file_id is None:
        query = insert(FileLoad).values(
            file_name=facts.file_name, sha256=facts.sha256 or None, size_bytes=facts.size_bytes, worker=worker, **values
        )
        return int((await conn.execute(query.returning(FileLoad.id))).scalar_one())
    await conn.execute(update(FileLoad).where(FileLoad.id == file_id).values(**values))
    return file_id


async def record_interrupted(conn: AsyncConnection, file_id: int, reason: str) -> bool:
    """Mark a load that is still `loading` as rolled back (the file is taken again); False if it was not."""
    result = await conn.execute(
        update(FileLoad)
        .where(FileLoad.id == file_id, FileLoad.status == LoadStatus.LOADING)
        .values(status=LoadStatus.INTERRUPTED, error=reason, finished_at=func.now())
    )
    return bool(result.rowcount)


async def record_stale(conn: AsyncConnection, file_id: int) -> bool:
    """Mark a `loading` row whose process died as interrupted; False if it is no longer `loading`."""
    return await record_interrupted(conn, file_id, _STALE_REASON)


async def mark_reload(conn: AsyncConnection, file_id: int, *, replaced_root: int, archived_as: str) -> None:
    """Record that load `file_id` reloads the content first loaded as `replaced_root`, from `archived_as`."""
    await conn.execute(
        update(FileLoad).where(FileLoad.id == file_id).values(reload_of=replaced_root, archived_as=archived_as)
    )


async def record_archived(conn: AsyncConnection, file_id: int, archived_as: str) -> None:
    """Remember where the file went (relative to the drop folder)."""
    await conn.execute(_RECORD_ARCHIVED, {"file_id": file_id, "archived_as": archived_as})


async def newest_loads(conn: AsyncConnection) -> dict[str, datetime]:
    """When the newest file of each kind was loaded (a SQLite file that fed several kinds counts for each)."""
    query = (
        select(FileLoad.kind, func.max(FileLoad.finished_at))
        .where(FileLoad.status == LoadStatus.LOADED, FileLoad.kind.is_not(None), FileLoad.finished_at.is_not(None))
        .group_by(FileLoad.kind)
    )
    newest: dict[str, datetime] = {}
    for combined, finished_at in await conn.execute(query):
        if combined is None or finished_at is None:  # left out by the query; this tells the type checker
            continue
        for kind in combined.split("+"):
            newest[kind] = max(finished_at, newest.get(kind, finished_at))
    return newest


async def loading_files(conn: AsyncConnection) -> list[LoadingFile]:
    """Every ledger row still marked `loading`."""
    query = select(FileLoad.id, FileLoad.file_name).where(FileLoad.status == LoadStatus.LOADING)
    return [LoadingFile(row.id, row.file_name) for row in await conn.execute(query)]
