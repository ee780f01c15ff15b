"""A long `--pipeline` is never silent: each step logs its rows and seconds, and `--status` names the running build."""

import asyncio
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.status import fetch_running_build, render_running_build
from services.warehouse import build_warehouse
from tests.helpers import ledger
from tests.support.samples.job_titles import GeneratedRow, write_job_titles

JOB_TITLE_STEPS = sorted(path.stem for path in (Path(__file__).parents[2] / "sql/warehouse/job_titles").glob("*.sql"))


async def _load(engine: AsyncEngine, settings: Settings, name: str, rows: list[GeneratedRow]) -> int:
    path = settings.imports_dir / name
    write_job_titles(path, rows)
    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED
    return int((await ledger(engine))[-1]["id"])


def _events(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, str]]:
    lines = [record.getMessage() for record in caplog.records]
    return [dict(re.findall(r"(\w+)=(\S+)", line)) for line in lines if line.startswith(f"event={event} ")]


async def test_each_step_logs_its_rows_and_seconds_as_it_finishes(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = await _load(engine, settings, "one.csv", [GeneratedRow("a", 1, ("b", "c")), GeneratedRow("d", None, ())])
    second = await _load(engine, settings, "two.csv", [GeneratedRow("a", 2, ("d",))])
    caplog.set_level(logging.INFO)

    await build_warehouse(engine, settings)

    assert [(e["files"], e["job_titles_files"]) for e in _events(caplog, "pipeline_started")] == [("2", "2")]
    steps = _events(caplog, "warehouse_step")
    assert [(e["kind"], int(e["file_id"]), e["step"]) for e in steps] == [
        ("job_titles", file_id, step) for file_id in (first, second) for step in JOB_TITLE_STEPS
    ]
    assert all(float(e["seconds"]) >= 0 for e in steps)
    rows = {(int(e["file_id"]), e["step"]): int(e["rows"]) for e in steps}
    assert rows[first, "010_read_file_rows"] == 2 and rows[second, "010_read_file_rows"] == 1
    assert rows[first, "020_collect_file_titles"] == 2
    assert (
        rows[first, "050_upsert_fact_title_popularity"] == 2 and rows[second, "050_upsert_fact_title_popularity"] == 1
    )
    assert rows[first, "070_record_built_file"] == rows[second, "070_record_built_file"] == 1


async def test_status_names_the_build_that_is_running_and_for_how_long(engine: AsyncEngine, settings: Settings) -> None:
    file_id = await _load(engine, settings, "one.csv", [GeneratedRow("a", 1, ("b",))])
    assert await fetch_running_build(engine) is None

    async with engine.begin() as holder:  # the build waits at its first write of counts
        await holder.execute(text("LOCK TABLE datawarehouse.fact_title_popularity IN EXCLUSIVE MODE"))
        build = asyncio.create_task(build_warehouse(engine, settings))
        running = None
        for _ in range(100):
            running = await fetch_running_build(engine)
            if running is not None and "step 050" in running.doing:
                break
            await asyncio.sleep(0.05)
    await build

    assert running is not None and running.doing == f"job_titles file {file_id} step 050"
    assert running.pid > 0 and running.seconds >= 0
    assert render_running_build(running).startswith("pipeline running for ")
    assert await fetch_running_build(engine) is None
