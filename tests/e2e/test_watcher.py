"""The watcher as a real process: files dropped slowly, renamed, duplicated, bad, and a crash mid-load."""

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.logfmt import logfmt_value
from tests.e2e.conftest import run_main, start_service
from tests.helpers import error_report, fetch_all, ledger
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.service import Service
from tests.support.waiting import eventually


async def _copy_slowly(source: Path, target: Path, *, seconds: float, chunks: int) -> None:
    """Write `source` into `target` in chunks with pauses, as a slow `docker cp` would."""
    data = source.read_bytes()
    size = len(data) // chunks + 1
    with open(target, "wb") as stream:
        for start in range(0, len(data), size):
            stream.write(data[start : start + size])
            stream.flush()
            await asyncio.sleep(seconds / chunks)


def _sample(folder: Path, name: str, rows: int, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_job_titles(path, generate_rows(rows, seed=seed))
    return path


async def _row_count(engine: AsyncEngine) -> int:
    [row] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.job_titles")
    return int(row["n"])


async def _statuses(engine: AsyncEngine) -> list[str]:
    return [entry["status"] for entry in await ledger(engine)]


async def test_a_slowly_copied_file_loads_exactly_once(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    source = _sample(tmp_path / "outside", "titles.csv", 5000)

    await _copy_slowly(source, settings.imports_dir / "titles.csv", seconds=3.0, chunks=12)

    await eventually(lambda: _has_line(service, "event=file_loaded file=titles.csv"), what="the load")
    assert await _row_count(engine) == 5000
    assert await _statuses(engine) == ["loaded"]
    assert (settings.processed_dir / "titles.csv").read_bytes() == source.read_bytes()
    assert "rows=5000 rejected=0" in service.log()


async def test_a_file_written_under_a_temporary_name_loads_once_renamed(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    partial = settings.imports_dir / "renamed.csv.part"
    write_job_titles(partial, generate_rows(300, seed=2))
    await asyncio.sleep(2.0)
    assert await _statuses(engine) == []

    partial.rename(settings.imports_dir / "renamed.csv")

    await eventually(lambda: _has_line(service, "event=file_loaded file=renamed.csv"), what="the load")
    assert await _row_count(engine) == 300


async def test_a_duplicate_and_a_garbage_file_are_handled_and_the_service_keeps_going(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    first = _sample(settings.imports_dir, "monday.csv", 200)
    await eventually(lambda: _has_line(service, "event=file_loaded file=monday.csv"), what="first load")

    shutil.copy(settings.processed_dir / "monday.csv", settings.imports_dir / "tuesday.csv")
    (settings.imports_dir / "garbage.csv").write_bytes(os.urandom(4096))
    _sample(settings.imports_dir, "good.csv", 100, seed=9)

    await eventually(lambda: _has_line(service, "event=file_loaded file=good.csv"), what="the good file")
    await eventually(lambda: _has_line(service, "event=file_duplicate file=tuesday.csv"), what="the duplicate")
    await eventually(lambda: _has_line(service, "event=file_quarantined file=garbage.csv"), what="the quarantine")
    assert await _row_count(engine) == 300
    assert "no import service recognises this file" in error_report(settings.failed_dir, "garbage.csv")["reason"]
    assert service.process.poll() is None
    assert not first.exists()


async def test_a_file_dropped_as_soon_as_the_watcher_says_watching_is_seen_without_a_rescan(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    source = _sample(tmp_path / "outside", "early.csv", 10)
    service = start_service(settings, RESCAN_SECONDS="600")  # returns on `event=watching`; no rescan would help
    try:
        os.rename(source, settings.imports_dir / "early.csv")

        await eventually(lambda: _has_line(service, "event=file_loaded file=early.csv"), timeout=30, what="the load")
        log = service.log()
        watching = f"event=watching folder={logfmt_value(str(settings.imports_dir))}"
        assert log.count("event=watching") == 1
        assert log.index("event=startup") < log.index(watching)
    finally:
        assert service.stop() == 0


async def test_a_load_killed_midway_is_loaded_exactly_once_after_restart(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    source = _sample(tmp_path / "outside", "big.csv", 200_000)
    # Progress every 0.05 s: a fast machine loads 200k rows in under a second, before a 1 s progress line.
    first = start_service(settings, PROGRESS_SECONDS="0.05")
    shutil.copy(source, settings.imports_dir / "big.csv")
    await eventually(lambda: _has_line(first, "event=load_progress file=big.csv"), timeout=60, what="progress")

    first.kill()

    assert await _statuses(engine) == ["loading"]
    assert await _row_count(engine) == 0
    second = start_service(settings)
    try:
        await eventually(lambda: _has_line(second, "event=file_loaded file=big.csv"), timeout=120, what="reload")
        assert await _row_count(engine) == 200_000
        assert sorted(await _statuses(engine)) == ["interrupted", "loaded"]
        assert "event=load_interrupted file=big.csv" in second.log()
    finally:
        assert second.stop() == 0


async def test_once_loads_what_is_there_and_status_reports_it(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    _sample(settings.imports_dir, "a.csv", 50)
    (settings.imports_dir / "b.csv").write_text("not,a,job,title,file\n", encoding="utf-8")

    done = run_main(settings, "--once", str(settings.imports_dir))
    status = run_main(settings, "--status", "--json")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "event=startup" in done.stdout and "event=watching" not in done.stdout  # --once never arms a watch
    assert status.returncode == 0, status.stderr
    # The two are handled side by side (max_concurrent_files), so which got its ledger row first may vary.
    entries = {entry["file_name"]: entry for entry in json.loads(status.stdout)}
    assert {name: entry["status"] for name, entry in entries.items()} == {"a.csv": "loaded", "b.csv": "failed"}
    assert set(entries["b.csv"]) == {
        "file_name", "part_name", "sha256", "kind", "status",
        "rows_loaded", "rows_rejected", "seconds", "error", "notes", "drift", "bundle",
    }  # fmt: skip
    assert entries["a.csv"]["rows_loaded"] == 50 and len(entries["a.csv"]["sha256"]) == 64
    table = run_main(settings, "--status").stdout
    assert table.splitlines()[0].split() == ["file", "kind", "status", "rows", "rejected", "seconds", "error"]
    assert list(settings.imports_dir.glob("*.csv")) == []


async def test_once_fails_clearly_when_the_database_is_unreachable(settings: Settings, tmp_path: Path) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    done = run_main(
        settings,
        "--once",
        str(settings.imports_dir),
        DB_STRING_ASYNC="postgresql+asyncpg://postgres@127.0.0.1:1/nothing",
        DB_CONNECT_ATTEMPTS="2",
    )

    assert done.returncode == 1
    assert time.monotonic() - started < 30
    assert "event=db_unavailable attempt=1 attempts_left=1" in done.stdout
    assert "event=service_failed" in done.stdout and "database unreachable after 2 attempts" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


async def test_bad_configuration_exits_2_with_one_line(settings: Settings) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)

    done = run_main(settings, "--status", SETTLE_SECONDS="soon")

    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: invalid configuration: settle_seconds")
    assert len(done.stderr.strip().splitlines()) == 1


async def _has_line(service: Service, text: str) -> bool:
    return text in service.log()
