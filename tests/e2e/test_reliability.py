"""Faults the service must survive, each staged for real: slow writers, kills, outages, replicas, permissions."""

import asyncio
import os
import random
import shutil
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import start_service
from tests.e2e.proxy import OutageProxy
from tests.helpers import error_report, fetch_all, ledger
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.service import Service
from tests.support.waiting import eventually


def _write_files(folder: Path, count: int, rows: int, *, prefix: str = "f") -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {}
    for index in range(count):
        path = folder / f"{prefix}{index:03d}.csv"
        write_job_titles(path, generate_rows(rows, seed=zlib.crc32(path.name.encode())))  # distinct content
        contents[path.name] = path.read_bytes()
    return contents


async def _rows_per_file(engine: AsyncEngine) -> dict[str, int]:
    rows = await fetch_all(
        engine,
        "SELECT l.file_name, count(j.line_no) AS n FROM staging.file_loads l "
        "LEFT JOIN staging.job_titles j ON j.file_id = l.id WHERE l.status = 'loaded' GROUP BY l.file_name",
    )
    return {row["file_name"]: int(row["n"]) for row in rows}


async def _loaded_count(engine: AsyncEngine) -> int:
    [row] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.file_loads WHERE status = 'loaded'")
    return int(row["n"])


async def _assert_each_loaded_once(engine: AsyncEngine, settings: Settings, expected: dict[str, int]) -> None:
    assert await _rows_per_file(engine) == expected
    statuses = [entry["status"] for entry in await ledger(engine)]
    assert statuses.count("loaded") == len(expected)
    assert "loading" not in statuses
    assert sorted(p.name for p in settings.imports_dir.glob("*.csv")) == []
    assert sorted(p.name for p in settings.processed_dir.iterdir()) == sorted(expected)


async def _write_slowly(path: Path, data: bytes, rng: random.Random, pause_range: tuple[float, float]) -> None:
    pieces = rng.randrange(4, 9)
    size = len(data) // pieces + 1
    with open(path, "wb") as stream:
        for start in range(0, len(data), size):
            stream.write(data[start : start + size])
            stream.flush()
            await asyncio.sleep(rng.uniform(*pause_range))


async def test_fifty_slowly_written_files_are_never_loaded_half_written(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    sources = _write_files(tmp_path / "outside", 50, 400)
    rng = random.Random(5)

    # Pauses of 0.3-0.8 s: longer than one filesystem event, shorter than settle_seconds (1.0).
    await asyncio.gather(
        *(_write_slowly(settings.imports_dir / name, data, rng, (0.3, 0.8)) for name, data in sources.items())
    )

    await eventually(lambda: _all_loaded(engine, 50), timeout=90, what="50 loads")
    await _assert_each_loaded_once(engine, settings, dict.fromkeys(sources, 400))
    [rejects] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.rejected_rows")
    assert rejects["n"] == 0


async def _all_loaded(engine: AsyncEngine, count: int) -> bool:
    return await _loaded_count(engine) >= count


async def test_killing_the_watcher_at_random_moments_loses_and_doubles_nothing(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    kills = 20 if request.config.getoption("--runslow") else 8
    sources = _write_files(tmp_path / "outside", 24, 30_000)
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    for name, data in sources.items():
        (settings.imports_dir / name).write_bytes(data)
    rng = random.Random(11)

    for _ in range(kills):
        service = start_service(settings, SETTLE_SECONDS="0.2")
        await asyncio.sleep(rng.uniform(0.2, 2.5))  # hashing, COPY, commit or the move: wherever it is
        service.kill()
    final = start_service(settings, SETTLE_SECONDS="0.2")
    try:
        await eventually(lambda: _all_loaded(engine, len(sources)), timeout=180, what="every file")
    finally:
        assert final.stop() == 0

    await _assert_each_loaded_once(engine, settings, dict.fromkeys(sources, 30_000))
    assert "interrupted" in [entry["status"] for entry in await ledger(engine)]


async def test_a_database_outage_delays_loads_but_quarantines_nothing(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    outage_seconds = 30 if request.config.getoption("--runslow") else 12
    proxy = _proxy_for(settings)
    await proxy.restore()
    through_proxy = _via(settings.async_database_url, proxy.port)
    service = await asyncio.to_thread(
        start_service, settings, DB_STRING_ASYNC=through_proxy, RETRY_MAX_SECONDS="3", SETTLE_SECONDS="0.3"
    )
    try:
        _write_files(settings.imports_dir, 3, 500, prefix="before")
        await eventually(lambda: _all_loaded(engine, 3), what="loads before the outage")

        await proxy.cut()
        started = time.monotonic()
        for batch in range(4):
            _write_files(settings.imports_dir, 2, 500, prefix=f"during{batch}-")
            await asyncio.sleep(outage_seconds / 4)
        assert "event=load_retry" in service.log() and "database unavailable" in service.log()
        assert not list(settings.failed_dir.iterdir())
        assert time.monotonic() - started >= outage_seconds
        await proxy.restore()

        await eventually(lambda: _all_loaded(engine, 11), timeout=60, what="loads after the outage")
        assert service.process.poll() is None
    finally:
        assert await asyncio.to_thread(service.stop) == 0
        await proxy.cut()
    assert not list(settings.failed_dir.iterdir())
    assert set((await _rows_per_file(engine)).values()) == {500}


async def test_a_database_down_at_start_is_waited_for(engine: AsyncEngine, settings: Settings) -> None:
    proxy = _proxy_for(settings)
    through_proxy = _via(settings.async_database_url, proxy.port)
    service = start_service(settings, DB_STRING_ASYNC=through_proxy, DB_CONNECT_ATTEMPTS="30", wait=False)
    try:
        await eventually(lambda: _has(service, "event=db_unavailable attempt=2"), what="retries")
        await proxy.restore()
        await eventually(lambda: _has(service, "event=startup"), what="start-up once the database is back")
        assert "Traceback" not in service.log() + service.output_file.read_text()
    finally:
        assert await asyncio.to_thread(service.stop) == 0
        await proxy.cut()


async def _has(service: Service, text: str) -> bool:
    return text in service.log()


async def _time_to_load(settings: Settings, engine: AsyncEngine, replicas: int, sources: dict[str, bytes]) -> float:
    services = [start_service(settings, SETTLE_SECONDS="0.3", log_name=f"replica{i}.log") for i in range(replicas)]
    try:
        staging = settings.imports_dir.parent / "staging-area"
        staging.mkdir(exist_ok=True)
        started = time.monotonic()
        for name, data in sources.items():
            (staging / name).write_bytes(data)
            os.replace(staging / name, settings.imports_dir / name)
        await eventually(lambda: _all_loaded(engine, len(sources)), timeout=300, what="every file")
        return time.monotonic() - started
    finally:
        for service in services:
            assert service.stop() == 0


async def test_three_replicas_load_each_file_exactly_once_and_faster_than_one(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    sources = _write_files(tmp_path / "outside", 100, 3000)
    one = await _time_to_load(settings, engine, 1, sources)
    await _assert_each_loaded_once(engine, settings, dict.fromkeys(sources, 3000))
    async with engine.begin() as conn:
        await conn.exec_driver_sql("TRUNCATE staging.file_loads, staging.job_titles, staging.rejected_rows CASCADE")
    shutil.rmtree(settings.processed_dir)

    three = await _time_to_load(settings, engine, 3, sources)

    await _assert_each_loaded_once(engine, settings, dict.fromkeys(sources, 3000))
    workers = {entry["worker"] for entry in await ledger(engine)}
    assert len(workers) == 3, "every replica should have taken some files"
    print(f"replicas: 1 took {one:.1f}s, 3 took {three:.1f}s")
    assert three < one, f"3 replicas took {three:.1f}s, 1 took {one:.1f}s"


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux) to drop root's file powers")
async def test_unreadable_and_unmovable_files_are_handled_with_a_reason(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    # As root, permissions are not enforced; without CAP_DAC_OVERRIDE/READ_SEARCH they are.
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    settings.processed_dir.mkdir()
    settings.failed_dir.mkdir()
    service = start_service(settings, prefix=prefix, RETRY_MAX_SECONDS="1")
    try:
        locked = settings.imports_dir / "locked.csv"
        write_job_titles(locked, generate_rows(10))
        locked.chmod(0)
        await eventually(lambda: _has(service, "event=file_quarantined file=locked.csv"), what="the quarantine")
        assert "cannot be read" in error_report(settings.failed_dir, "locked.csv")["reason"]

        settings.processed_dir.chmod(0o555)
        write_job_titles(settings.imports_dir / "stuck.csv", generate_rows(10, seed=3))
        await eventually(lambda: _has(service, "event=load_retry file=stuck.csv"), what="a retry")
        assert "cannot move the file into processed/" in service.log()
        assert service.process.poll() is None
        settings.processed_dir.chmod(0o755)
        await eventually(lambda: _has(service, "event=file_archived file=stuck.csv"), what="the archive")
    finally:
        settings.processed_dir.chmod(0o755)
        assert service.stop() == 0
    assert [entry["status"] for entry in await ledger(engine)] == ["failed", "loaded"]
    assert (settings.processed_dir / "stuck.csv").exists()


def _proxy_for(settings: Settings) -> OutageProxy:
    url = make_url(settings.async_database_url)
    if "host" in url.query:
        pytest.skip("the outage proxy speaks TCP; this test database listens on a Unix socket only")
    return OutageProxy("127.0.0.1", url.port or 5432)


def _via(url: str, port: int) -> str:
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@pytest.mark.slow
async def test_a_200_mb_file_copied_with_cp_loads_once_and_whole(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "outside" / "big.csv"
    source.parent.mkdir()
    rows = 700_000
    write_job_titles(source, generate_rows(rows, seed=77))
    assert source.stat().st_size > 200_000_000

    copied = await asyncio.create_subprocess_exec("cp", str(source), str(settings.imports_dir / "big.csv"))
    assert await copied.wait() == 0

    await eventually(lambda: _all_loaded(engine, 1), timeout=300, what="the 200 MB load")
    await _assert_each_loaded_once(engine, settings, {"big.csv": rows})
