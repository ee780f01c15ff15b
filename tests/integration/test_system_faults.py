"""The system's fault is never the file's: real privilege and read-only faults leave the file in place.

The service connects as a role of its own; the tests take its privileges away (and make it
read-only) as an operator's mistake would, and give them back.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.db import create_engine
from core.errors import TransientError
from services.file_reports import Outcome
from services.importers.base import LoadJob, LoadResult
from services.importers.job_titles import IMPORTER as JOB_TITLES
from services.ingest import Ingestor
from tests.helpers import admin, as_role, fetch_all, ledger, loader_role, staged_rows
from tests.support.samples.job_titles import generate_rows, write_job_titles


@pytest.fixture
async def loader(engine: AsyncEngine, server_url: str) -> AsyncIterator[str]:
    """A login role with the service's privileges on staging; dropped afterwards."""
    async with loader_role(engine, server_url) as role:
        yield role


@pytest.fixture
async def loader_engine(settings: Settings, loader: str) -> AsyncIterator[AsyncEngine]:
    """An engine that connects as the loader role."""
    engine = create_engine(settings, as_role(settings.async_database_url, loader))
    try:
        yield engine
    finally:
        await engine.dispose()


def _titles(settings: Settings, name: str, rows: int = 20, seed: int = 1) -> Path:
    path = settings.imports_dir / name
    write_job_titles(path, list(generate_rows(rows, seed=seed)))
    return path


async def test_a_revoked_insert_leaves_the_file_in_place_and_it_loads_once_granted(
    engine: AsyncEngine, loader_engine: AsyncEngine, loader: str, settings: Settings
) -> None:
    path = _titles(settings, "titles.csv")
    await admin(engine, f"REVOKE INSERT ON staging.job_titles FROM {loader}")
    ingestor = Ingestor(loader_engine, settings)

    with pytest.raises(TransientError, match="database refused the load: InsufficientPrivilegeError"):
        await ingestor.ingest(path)

    assert path.exists() and not settings.failed_dir.exists()
    assert [entry["status"] for entry in await ledger(engine)] == ["interrupted"]
    await admin(engine, f"GRANT INSERT ON staging.job_titles TO {loader}")
    assert await ingestor.ingest(path) is Outcome.LOADED
    assert len(await staged_rows(engine)) == 20


async def test_a_read_only_database_leaves_the_file_in_place(
    engine: AsyncEngine, loader_engine: AsyncEngine, loader: str, settings: Settings
) -> None:
    path = _titles(settings, "titles.csv")
    await admin(engine, f"ALTER ROLE {loader} SET default_transaction_read_only = on")

    with pytest.raises(TransientError, match="ReadOnlySQLTransactionError"):
        await Ingestor(loader_engine, settings).ingest(path)

    assert path.exists() and not settings.failed_dir.exists()
    assert await ledger(engine) == []
    await admin(engine, f"ALTER ROLE {loader} RESET default_transaction_read_only")
    await loader_engine.dispose()  # the pooled sessions keep the setting they started with
    assert await Ingestor(loader_engine, settings).ingest(path) is Outcome.LOADED


async def test_a_statement_timeout_is_the_systems_fault(engine: AsyncEngine, settings: Settings) -> None:
    path = _titles(settings, "slow.csv")
    async with engine.connect() as conn:
        database = (await conn.execute(text("SELECT current_database()"))).scalar_one()
    await admin(engine, f"ALTER DATABASE {database} SET statement_timeout = '1ms'")
    slow = create_engine(settings, settings.async_database_url)
    try:
        with pytest.raises(TransientError, match="QueryCanceledError"):
            await Ingestor(slow, settings, importers=(_SlowImporter(),)).ingest(path)
    finally:
        await admin(engine, f"ALTER DATABASE {database} RESET statement_timeout")
        await slow.dispose()
    assert path.exists() and not settings.failed_dir.exists()


class _SlowImporter:
    kind = "job_titles"

    def accepts(self, file_name: str, head: bytes) -> bool:
        return True

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        await conn.execute(text("SELECT pg_sleep(0.2)"))
        return LoadResult(0, 0)


class _RacingImporter:
    """Loads the file, and meanwhile lets 'another replica' commit a load of the same content first."""

    kind = "job_titles"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def accepts(self, file_name: str, head: bytes) -> bool:
        return True

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        result = await JOB_TITLES.load(conn, job)
        sha256 = await conn.execute(text("SELECT sha256 FROM staging.file_loads WHERE id = :id"), {"id": job.file_id})
        async with self.engine.begin() as other:
            await other.execute(
                text(
                    "INSERT INTO staging.file_loads (file_name, sha256, size_bytes, kind, status, worker) "
                    "VALUES ('other-name.csv', :sha256, 1, 'job_titles', 'loaded', 'replica:2')"
                ),
                {"sha256": sha256.scalar_one()},
            )
        return result


async def test_losing_a_race_for_the_same_content_is_a_duplicate_not_a_failure(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = _titles(settings, "mine.csv")

    outcome = await Ingestor(engine, settings, importers=(_RacingImporter(engine),)).ingest(path)

    assert outcome is Outcome.DUPLICATE
    rows = await fetch_all(engine, "SELECT file_name, status, duplicate_of FROM staging.file_loads ORDER BY id")
    assert rows == [
        {"file_name": "mine.csv", "status": "duplicate", "duplicate_of": 2},
        {"file_name": "other-name.csv", "status": "loaded", "duplicate_of": None},
    ]
    assert await staged_rows(engine) == []  # ours was rolled back; the winner's rows are its own business
    assert (settings.processed_dir / "mine.csv").exists() and not settings.failed_dir.exists()
