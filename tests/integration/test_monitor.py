"""services/monitor.py with a real database and real sockets: what it starts, the ledger it reads, what it refuses."""

import asyncio
import socket
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.errors import ConfigError
from services import ledger
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.monitor import start_monitor
from services.unit_of_work import transaction
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.webhook import free_port, http_get


async def test_the_newest_load_of_each_kind_comes_from_the_ledger(engine: AsyncEngine, settings: Settings) -> None:
    path = settings.imports_dir / "titles.csv"
    write_job_titles(path, list(generate_rows(10, seed=1)))
    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    async with engine.connect() as conn, transaction(conn):
        newest = await ledger.newest_loads(conn)

    assert set(newest) == {"job_titles"}
    assert newest["job_titles"].tzinfo is not None


async def test_the_metrics_server_answers_on_its_port_and_frees_it_when_closed(
    engine: AsyncEngine, settings: Settings
) -> None:
    port = free_port()
    config = settings.model_copy(update={"metrics_port": port})
    monitor = await start_monitor(config, engine, ["job_titles"], is_watch=True)
    try:
        status, body = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert 'dropfolder_files_total{kind="job_titles",outcome="loaded"} 0.0' in body
        assert await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        assert (await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/"))[0] == 404
    finally:
        await monitor.close()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do; TIME_WAIT is no obstacle then
        again.bind(("127.0.0.1", port))  # nothing listens there any more


async def test_a_metrics_port_in_use_is_a_configuration_error(engine: AsyncEngine, settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = settings.model_copy(update={"metrics_port": taken.getsockname()[1]})

        with pytest.raises(ConfigError, match=r"cannot serve metrics on 127\.0\.0\.1:"):
            await start_monitor(config, engine, ["job_titles"], is_watch=True)


async def test_once_mode_holds_no_port(engine: AsyncEngine, settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = settings.model_copy(update={"metrics_port": taken.getsockname()[1]})

        monitor = await start_monitor(config, engine, ["job_titles"], is_watch=False)

    assert monitor.metrics is None
    await monitor.close()


async def test_an_expected_interval_for_an_unknown_kind_is_a_configuration_error(
    engine: AsyncEngine, settings: Settings
) -> None:
    config = settings.model_copy(update={"expected_every": {"nem21": timedelta(days=1)}})

    with pytest.raises(ConfigError, match=r"expected_every names unknown kind\(s\) nem21; known: job_titles, nem12"):
        await start_monitor(config, engine, ["job_titles", "nem12"], is_watch=True)
