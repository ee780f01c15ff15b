"""Two kinds dropped together: each is routed to its own import service, then built and exported."""

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import run_main
from tests.helpers import ledger
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.samples.nem12 import write_nem12
from tests.support.service import Service
from tests.support.waiting import eventually


async def test_a_nem12_file_and_a_job_title_file_each_reach_their_warehouse(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    truth = write_nem12(outside / "meters.csv", 4, 3, seed=21)
    write_job_titles(outside / "titles.csv", generate_rows(300))
    for name in ("meters.csv", "titles.csv"):
        (outside / name).rename(settings.imports_dir / name)

    await eventually(lambda: _loaded(engine, 2), what="both loads")
    pipeline = run_main(settings, "--pipeline")
    analysis = run_main(settings, "--analysis")

    assert pipeline.returncode == 0 and analysis.returncode == 0, pipeline.stdout + analysis.stdout
    kinds = {entry["file_name"]: entry["kind"] for entry in await ledger(engine)}
    assert kinds == {"meters.csv": "nem12", "titles.csv": "job_titles"}
    assert "files_processed=2" in pipeline.stdout
    with open(settings.exports_dir / "daily_consumption.csv", encoding="utf-8", newline="") as stream:
        daily = list(csv.DictReader(stream))
    assert len(daily) == len(truth.daily)
    assert sum(Decimal(row["consumption_kwh"]) for row in daily) == sum(c for c, _ in truth.daily.values())
    assert sum(Decimal(row["generation_kwh"]) for row in daily) == sum(g for _, g in truth.daily.values())
    assert (settings.exports_dir / "meter_readings.sql").read_text(encoding="utf-8").count("ON CONFLICT") >= 1
    assert (settings.exports_dir / "title_pdl_count.csv").exists()


async def _loaded(engine: AsyncEngine, count: int) -> bool:
    return [entry["status"] for entry in await ledger(engine)].count("loaded") >= count
