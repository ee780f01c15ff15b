"""The load ledger (`staging.file_loads`): claims, outcomes and the recovery of interrupted loads."""

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models import FileLoad
from services.importers.base import LoadResult
from services.standardise import mapped_columns

_TRY_LOCK: Final = text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
_UNLOCK: Final = text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))")


@dataclass(frozen=True)
class FileFacts:
    """What the ledger records about a file's content."""

    file_name: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class LoadedFile:
    """An earlier successful load of the same content."""

    id: int
    file_name: str
    archived_as: str | None


def claim_key(staging_schema: str, file_name: str) -> str:
    """The advisory-lock key that makes one process at a time the owner of a dropped file."""
    return f"dropfolder/{staging_schema}/{file_name}"


async def try_claim(conn: AsyncConnection, key: str) -> bool:
    """Take the session-level lock for `key` if nobody holds it; committed at once."""
    is_claimed = bool((await conn.execute(_TRY_LOCK, {"key": key})).scalar_one())
    await conn.commit()
    return is_claimed


async def release(conn: AsyncConnection, key: str) -> None:
    """Give the claim back."""
    await conn.execute(_UNLOCK, {"key": key})
    await conn.commit()


async def find_loaded(conn: AsyncConnection, sha256: str) -> LoadedFile | None:
    """The earlier load of this content, if any."""
    query = select(FileLoad.id, FileLoad.file_name, FileLoad.archived_as).where(
        FileLoad.sha256 == sha256, FileLoad.status == "loaded"
    )
    row = (await conn.execute(query)).first()
    await conn.commit()
    return LoadedFile(row.id, row.file_name, row.archived_as) if row else None


async def record_duplicate(conn: AsyncConnection, facts: FileFacts, original_id: int, worker: str) -> int:
    """Record that this content was loaded before under `original_id`."""
    query = (
        insert(FileLoad)
        .values(
            file_name=facts.file_name,
            sha256=facts.sha256,
            size_bytes=facts.size_bytes,
            status="duplicate",
            duplicate_of=original_id,
            worker=worker,
            seconds=0.0,
            finished_at=func.now(),
        )
        .returning(FileLoad.id)
    )
    file_id = int((await conn.execute(query)).scalar_one())
    await conn.commit()
    return file_id


async def start_load(conn: AsyncConnection, facts: FileFacts, kind: str, worker: str) -> int:
    """Record (and commit) that a load has begun, so `--status` shows it and a crash leaves a trace."""
    query = (
        insert(FileLoad)
        .values(
            file_name=facts.file_name,
            sha256=facts.sha256,
            size_bytes=facts.size_bytes,
            kind=kind,
            status="loading",
            worker=worker,
        )
        .returning(FileLoad.id)
    )
    file_id = int((await conn.execute(query)).scalar_one())
    await conn.commit()
    return file_id


async def finish_load(conn: AsyncConnection, file_id: int, result: LoadResult, seconds: float) -> None:
    """Mark the load done, inside the load's own transaction (the caller commits)."""
    await conn.execute(
        update(FileLoad)
        .where(FileLoad.id == file_id)
        .values(
            status="loaded",
            rows_loaded=result.rows_loaded,
            rows_rejected=result.rows_rejected,
            encoding=result.encoding,
            seconds=seconds,
            column_map=result.column_map,
            **({"kind": result.kind} if result.kind else {}),
            finished_at=func.clock_timestamp(),  # now() would be when the transaction began
        )
    )


async def previous_columns(conn: AsyncConnection, kind: str, file_id: int) -> dict[str, str] | None:
    """The column mapping of the kind's last loaded file before `file_id` (None for its first file)."""
    query = (
        select(FileLoad.column_map)
        .where(
            FileLoad.kind == kind, FileLoad.status == "loaded", FileLoad.id < file_id, FileLoad.column_map.is_not(None)
        )
        .order_by(FileLoad.id.desc())
        .limit(1)
    )
    return mapped_columns((await conn.execute(query)).scalar_one_or_none())


async def record_failure(
    conn: AsyncConnection, file_id: int | None, facts: FileFacts, kind: str | None, error: str, worker: str
) -> int:
    """Mark the load failed (or record a failed file that never got a ledger row) and commit."""
    values = {"status": "failed", "kind": kind, "error": error, "finished_at": func.now()}
    if file_id is None:
        query = insert(FileLoad).values(
            file_name=facts.file_name, sha256=facts.sha256 or None, size_bytes=facts.size_bytes, worker=worker, **values
        )
        file_id = int((await conn.execute(query.returning(FileLoad.id))).scalar_one())
    else:
        await conn.execute(update(FileLoad).where(FileLoad.id == file_id).values(**values))
    await conn.commit()
    return file_id


async def record_interrupted(conn: AsyncConnection, file_id: int, reason: str) -> None:
    """Mark a load that was rolled back on purpose (the file will be tried again) and commit."""
    await conn.execute(
        update(FileLoad)
        .where(FileLoad.id == file_id)
        .values(status="interrupted", error=reason, finished_at=func.now())
    )
    await conn.commit()


async def record_archived(conn: AsyncConnection, file_id: int, archived_as: str) -> None:
    """Remember where the file went (relative to the drop folder) and commit."""
    await conn.execute(update(FileLoad).where(FileLoad.id == file_id).values(archived_as=archived_as))
    await conn.commit()


async def _mark_stale(conn: AsyncConnection, file_id: int) -> bool:
    result = await conn.execute(
        update(FileLoad)
        .where(FileLoad.id == file_id, FileLoad.status == "loading")
        .values(
            status="interrupted",
            error="the loading process stopped before commit; nothing of this attempt was kept",
            finished_at=func.now(),
        )
    )
    await conn.commit()
    return bool(result.rowcount)


async def recover_interrupted(conn: AsyncConnection, staging_schema: str) -> list[str]:
    """Mark `loading` rows whose owner is gone as `interrupted`; returns their file names.

    An owner holds the file's advisory lock for as long as it lives, so a lock we can take
    belongs to nobody: that load died with its process and its rows were rolled back.
    """
    rows = (await conn.execute(select(FileLoad.id, FileLoad.file_name).where(FileLoad.status == "loading"))).all()
    await conn.commit()
    recovered = []
    for row in rows:
        key = claim_key(staging_schema, row.file_name)
        if not await try_claim(conn, key):
            continue
        try:
            if await _mark_stale(conn, row.id):
                recovered.append(row.file_name)
        finally:
            await release(conn, key)
    return recovered
