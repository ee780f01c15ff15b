"""A real watcher process with a webhook receiver and metrics: quarantines, faults and silence reach the webhook as
JSON, /metrics counts the files, and a webhook that fails or hangs never holds up a load or leaks its URL."""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import start_service
from tests.helpers import admin, as_role, fetch_all, loader_role
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.service import Service
from tests.support.waiting import eventually
from tests.webhook import SECRET_PATH, Receiver, free_port, http_get, webhook_receiver

BAD_ROWS = "title,pdl count,top related titles 1\nengineer,lots,manager\nchef,many,cook\nbaker,some,cook\n"


@pytest.fixture
async def loader(engine: AsyncEngine, server_url: str) -> AsyncIterator[str]:
    async with loader_role(engine, server_url) as role:
        yield role


def _good(settings: Settings, name: str, seed: int = 0) -> Path:
    path = settings.imports_dir / name
    write_job_titles(path, list(generate_rows(20, seed=seed)))
    return path


def _bad(settings: Settings, name: str) -> Path:
    path = settings.imports_dir / name
    path.write_text(BAD_ROWS, encoding="utf-8")
    return path


def _start(settings: Settings, receiver: Receiver, port: int | None = None) -> Service:
    return start_service(settings, ALERT_WEBHOOK_URL=receiver.url, METRICS_PORT=str(port) if port else "")


async def _metric(port: int, sample: str) -> float | None:
    """The value of one exposition line, e.g. `dropfolder_files_total{kind="job_titles",outcome="loaded"}`."""
    _, text = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/metrics")
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, flags=re.MULTILINE)
    return float(match[1]) if match else None


def _files_total(kind: str, outcome: str) -> str:
    return f'dropfolder_files_total{{kind="{kind}",outcome="{outcome}"}}'


async def _logged(service: Service, text: str) -> bool:
    return text in service.log()


async def _loaded_files(engine: AsyncEngine) -> list[str]:
    rows = await fetch_all(engine, "SELECT file_name FROM staging.file_loads WHERE status = 'loaded' ORDER BY 1")
    return [str(row["file_name"]) for row in rows]


async def test_a_quarantine_reaches_the_webhook_and_metrics_count_loaded_and_quarantined_files(
    engine: AsyncEngine, settings: Settings
) -> None:
    port = free_port()
    with webhook_receiver() as receiver:
        service = _start(settings, receiver, port)
        try:
            _good(settings, "titles.csv")
            _bad(settings, "broken titles.csv")

            [alert] = await eventually(lambda: _events(receiver, "file_quarantined"), what="the quarantine alert")
            await eventually(lambda: _logged(service, "event=file_loaded file=titles.csv"), what="the good load")
            loaded = await _metric(port, _files_total("job_titles", "loaded"))
            quarantined = await _metric(port, _files_total("job_titles", "quarantined"))
            health = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/healthz")
        finally:
            assert service.stop() == 0

    assert alert["file"] == "broken titles.csv"
    assert alert["kind"] == "job_titles"
    assert alert["reason"].startswith("3 of 3 rows were rejected")
    assert alert["text"].startswith("dropfolder: quarantined broken titles.csv (job_titles): 3 of 3 rows")
    assert receiver.paths == [SECRET_PATH]
    assert (loaded, quarantined) == (1.0, 1.0)
    assert health == (200, "ok\n")
    assert f"event=metrics_serving address=127.0.0.1:{port}" in service.log()
    assert f"event=alerts_enabled webhook=http://127.0.0.1:{receiver.port}" in service.log()
    assert "s3cr3t" not in service.log() + service.output_file.read_text(errors="replace")


async def test_a_failing_webhook_never_holds_up_a_load_and_its_failure_is_logged(
    engine: AsyncEngine, settings: Settings
) -> None:
    with webhook_receiver(status=500) as receiver:
        service = _start(settings, receiver)
        try:
            _bad(settings, "broken.csv")
            _good(settings, "titles.csv")
            await eventually(lambda: _logged(service, "event=alert_failed"), what="the failed alert")
        finally:
            assert service.stop() == 0

    log = service.log()
    assert log.index("event=file_loaded file=titles.csv") < log.index("event=alert_failed")
    assert len(receiver.received) == 3  # tried three times
    assert re.search(r"event=alert_failed alert=file_quarantined file=broken.csv .*reason=\"HTTP 500", log)
    assert "s3cr3t" not in log + service.output_file.read_text(errors="replace")


async def test_a_hanging_webhook_never_holds_up_a_load_or_the_shutdown(engine: AsyncEngine, settings: Settings) -> None:
    with webhook_receiver(hold_seconds=120) as receiver:
        service = _start(settings, receiver)
        try:
            _bad(settings, "broken.csv")
            await eventually(lambda: _async(receiver.in_flight == 1), what="the held alert request")
            _good(settings, "titles.csv")
            await eventually(lambda: _loaded_files(engine), what="the good file loaded")
            assert receiver.in_flight == 1  # still held: the load did not wait for it
        finally:
            assert service.stop(timeout=20) == 0

    assert "event=shutdown" in service.log()
    assert re.search(r"event=alert_(dropped|failed) alert=file_quarantined file=broken.csv", service.log())
    assert "s3cr3t" not in service.log()


async def test_a_system_fault_spell_is_alerted_once_and_its_end_once(
    engine: AsyncEngine, settings: Settings, loader: str
) -> None:
    port = free_port()
    await admin(engine, f"REVOKE INSERT ON staging.job_titles FROM {loader}")
    as_loader = as_role(settings.async_database_url, loader)
    with webhook_receiver() as receiver:
        service = start_service(
            settings,
            ALERT_WEBHOOK_URL=receiver.url,
            METRICS_PORT=str(port),
            DB_STRING_ASYNC=as_loader,
            INIT_DB="false",
            RETRY_MAX_SECONDS="1",
        )
        try:
            _good(settings, "a.csv", seed=1)
            _good(settings, "b.csv", seed=2)
            await eventually(lambda: _events(receiver, "system_fault"), what="the fault alert")
            await eventually(lambda: _at_least(port, _files_total("unknown", "retried"), 6), what="several retries")
            assert await _metric(port, "dropfolder_system_fault") == 1.0
            assert await _metric(port, "dropfolder_files_waiting") == 2.0
            assert (await _metric(port, "dropfolder_oldest_waiting_file_age_seconds") or 0) >= 1.0

            await admin(engine, f"GRANT INSERT ON staging.job_titles TO {loader}")
            await eventually(lambda: _events(receiver, "system_recovered"), what="the recovery alert")
            await eventually(lambda: _has_all(engine, ["a.csv", "b.csv"]), what="both files loaded")
            assert await _metric(port, "dropfolder_system_fault") == 0.0
            await eventually(lambda: _at_most(port, "dropfolder_files_waiting", 0), what="no file waiting")
            assert await _metric(port, "dropfolder_oldest_waiting_file_age_seconds") == 0.0
            assert await _metric(port, _files_total("job_titles", "loaded")) == 2.0
        finally:
            assert service.stop() == 0

    [fault] = receiver.events("system_fault")
    [recovered] = receiver.events("system_recovered")
    assert fault["file"] in {"a.csv", "b.csv"}
    assert "InsufficientPrivilege" in fault["reason"]
    assert fault["text"].startswith("dropfolder: system fault, not the files' fault: ")
    assert recovered["failed_attempts"] >= 6
    assert not any(settings.failed_dir.iterdir())


async def test_a_kind_silent_for_longer_than_expected_is_alerted_once_until_it_loads_again(
    engine: AsyncEngine, settings: Settings
) -> None:
    port = free_port()
    with webhook_receiver() as receiver:
        service = start_service(
            settings,
            ALERT_WEBHOOK_URL=receiver.url,
            METRICS_PORT=str(port),
            EXPECTED_EVERY='{"job_titles": 2, "nem12": "P1D"}',
        )
        try:
            [first] = await eventually(lambda: _events(receiver, "kind_silent"), what="the first silence")
            await asyncio.sleep(3)  # three more checks, still silent: nothing new to say
            assert len(receiver.events("kind_silent")) == 1

            _good(settings, "titles.csv")
            await eventually(lambda: _loaded_files(engine), what="the load")
            await eventually(lambda: _at_least(port, 'dropfolder_last_load_timestamp_seconds{kind="job_titles"}', 1))
            second = (await eventually(lambda: _events(receiver, "kind_silent", 2), what="the second silence"))[1]
            await asyncio.sleep(2)
        finally:
            assert service.stop() == 0

    assert len(receiver.events("kind_silent")) == 2
    assert (first["kind"], first["last_loaded_at"]) == ("job_titles", None)
    assert "since the service started" in first["text"]
    assert second["kind"] == "job_titles"
    assert second["last_loaded_at"] is not None
    assert service.log().count("event=kind_silent") == 2


async def _async(value: bool) -> bool:
    return value


async def _events(receiver: Receiver, name: str, count: int = 1) -> list[dict[str, Any]]:
    events = receiver.events(name)
    return events if len(events) >= count else []


async def _at_least(port: int, sample: str, minimum: float) -> bool:
    value = await _metric(port, sample)
    return value is not None and value >= minimum


async def _at_most(port: int, sample: str, maximum: float) -> bool:
    value = await _metric(port, sample)
    return value is not None and value <= maximum


async def _has_all(engine: AsyncEngine, names: list[str]) -> bool:
    return await _loaded_files(engine) == names
