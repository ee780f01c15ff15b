"""The watcher's batch mode in-process: ordering, ignored names, and the dev reset."""

import asyncio
import logging
import os

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.db import drop_schemas, migrate
from services.importers.base import LoadJob, LoadResult
from services.importers.job_titles import JobTitlesImporter
from services.ingest import Ingestor
from services.watcher import Watcher
from tests.helpers import ledger
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.samples.nem12 import write_nem12
from tests.support.waiting import eventually


async def test_files_waiting_together_are_taken_oldest_first(engine: AsyncEngine, settings: Settings) -> None:
    now = 1_700_000_000
    for age, name in enumerate(["c.csv", "a.csv", "b.csv", "a2.csv"]):
        path = settings.imports_dir / name
        write_job_titles(path, generate_rows(5, seed=age))
        mtime = now - 100 * age if name != "a2.csv" else now - 200  # a2.csv ties with b.csv on mtime
        os.utime(path, (mtime, mtime))

    is_complete = await Watcher(Ingestor(engine, settings), settings, is_once=True).run_once(asyncio.Event())

    assert is_complete
    assert [entry["file_name"] for entry in await ledger(engine)] == ["a2.csv", "b.csv", "a.csv", "c.csv"]


async def test_files_loaded_side_by_side_still_commit_in_the_order_they_were_written(
    engine: AsyncEngine, settings: Settings
) -> None:
    # The oldest file is the biggest, so the small ones after it would commit first if nothing held them back.
    settings = settings.model_copy(update={"max_concurrent_files": 4})
    now = 1_700_000_000
    for index, rows in enumerate([20_000, 5, 5, 5, 5, 5]):
        path = settings.imports_dir / f"f{index}.csv"
        write_job_titles(path, generate_rows(rows, seed=index))
        os.utime(path, (now + index, now + index))

    assert await Watcher(Ingestor(engine, settings), settings, is_once=True).run_once(asyncio.Event())

    entries = await ledger(engine)
    assert [entry["file_name"] for entry in entries] == [f"f{index}.csv" for index in range(6)]
    assert [entry["status"] for entry in entries] == ["loaded"] * 6
    finished = [entry["finished_at"] for entry in entries]
    assert finished == sorted(finished), "a later file of the kind committed before an earlier one"


async def test_the_same_content_twice_in_one_burst_is_loaded_once_and_read_once(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both are hashed before either commits; the second waits for the first's turn, then sees it loaded.
    for name in ("a.csv", "b.csv"):
        write_job_titles(settings.imports_dir / name, generate_rows(3000, seed=1))
    loads = []
    original_load = JobTitlesImporter.load

    async def counted_load(self: JobTitlesImporter, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        loads.append(job.source.name)
        return await original_load(self, conn, job)

    monkeypatch.setattr(JobTitlesImporter, "load", counted_load)

    assert await Watcher(Ingestor(engine, settings), settings, is_once=True).run_once(asyncio.Event())

    assert sorted(entry["status"] for entry in await ledger(engine)) == ["duplicate", "loaded"]
    assert len(loads) == 1, f"the duplicate was read and copied too: {loads}"


async def test_a_file_of_another_kind_dropped_during_a_long_load_loads_beside_it(
    engine: AsyncEngine, settings: Settings
) -> None:
    stop = asyncio.Event()
    watching = asyncio.create_task(Watcher(Ingestor(engine, settings), settings).watch(stop))
    try:
        write_job_titles(settings.imports_dir / "big.csv", generate_rows(150_000))
        await eventually(lambda: _status_of(engine, "big.csv", "loading"), timeout=30, what="the long load")
        write_nem12(settings.imports_dir / "meters.nem12", 2, 2)

        await eventually(lambda: _status_of(engine, "meters.nem12", "loaded"), timeout=30, what="the meter file")
        assert await _status_of(engine, "big.csv", "loading"), "the meter file waited for the long load"
        await eventually(lambda: _status_of(engine, "big.csv", "loaded"), timeout=60, what="the long load's end")
    finally:
        stop.set()
        await watching


async def _status_of(engine: AsyncEngine, name: str, status: str) -> bool:
    return [entry["status"] for entry in await ledger(engine) if entry["file_name"] == name] == [status]


async def test_hidden_temporary_and_directory_entries_are_left_alone(engine: AsyncEngine, settings: Settings) -> None:
    names = [".hidden.csv", "x.csv.tmp", "y.csv.part", "z.crdownload", ".~lock.csv#", "w.csv.swp", "v.csv~"]
    for name in names:
        write_job_titles(settings.imports_dir / name, generate_rows(3))
    (settings.imports_dir / "subfolder.csv").mkdir()

    await Watcher(Ingestor(engine, settings), settings, is_once=True).run_once(asyncio.Event())

    assert await ledger(engine) == []
    assert sorted(p.name for p in settings.imports_dir.iterdir()) == sorted(
        [*names, "subfolder.csv", "processed", "failed"]
    )


async def test_dev_mode_drops_everything_loudly_and_migrations_rebuild_it(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    write_job_titles(settings.imports_dir / "a.csv", generate_rows(3))
    await Watcher(Ingestor(engine, settings), settings, is_once=True).run_once(asyncio.Event())
    caplog.set_level(logging.WARNING)

    await drop_schemas(engine, settings)
    await migrate(settings, settings.async_database_url)

    assert await ledger(engine) == []
    [warning] = [r.getMessage() for r in caplog.records if "event=dev_reset" in r.getMessage()]
    assert "DEV MODE" in warning and "all loaded data is deleted" in warning
