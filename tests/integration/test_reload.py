"""`--reload`: an archived file loaded again replaces its earlier load's rows in one transaction."""

import zipfile
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.reload import ReloadError, reload_file
from services.warehouse import build_warehouse
from tests.helpers import fetch_all, ledger
from tests.support.samples.nem12 import nem12_lines

HEADER = "title,pdl count,top related titles 1\n"
TITLES = HEADER + "engineer,10,developer\nmanager,x,director\nanalyst,30,\n"


async def _load(engine: AsyncEngine, settings: Settings, name: str, content: bytes) -> None:
    (settings.imports_dir / name).write_bytes(content)
    lenient = settings.model_copy(update={"max_reject_ratio": 0.5})  # TITLES has one bad row of three
    assert await Ingestor(engine, lenient).ingest(settings.imports_dir / name) is Outcome.LOADED


async def _counts(engine: AsyncEngine) -> tuple[int, int]:
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.job_titles")
    [rejected] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.rejected_rows")
    return int(staged["n"]), int(rejected["n"])


async def test_a_reload_replaces_the_earlier_rows_and_records_what_it_replaced(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _load(engine, settings, "titles.csv", TITLES.encode())
    settings = settings.model_copy(update={"max_reject_ratio": 0.5})

    done = await reload_file(Ingestor(engine, settings), "titles.csv")

    assert await _counts(engine) == (2, 1)  # not doubled
    rows = await fetch_all(engine, "SELECT id, status, reload_of, archived_as FROM staging.file_loads ORDER BY id")
    assert rows == [
        {"id": 1, "status": "replaced", "reload_of": None, "archived_as": "processed/titles.csv"},
        {"id": done.file_id, "status": "loaded", "reload_of": 1, "archived_as": "processed/titles.csv"},
    ]
    staged = await fetch_all(engine, "SELECT DISTINCT file_id FROM staging.job_titles")
    assert staged == [{"file_id": done.file_id}]
    again = await reload_file(Ingestor(engine, settings), "titles.csv")  # a reload of a reload: still the original
    assert (await fetch_all(engine, "SELECT reload_of FROM staging.file_loads WHERE id = :id", id=again.file_id)) == [
        {"reload_of": 1}
    ]


async def test_a_reload_of_a_zip_replaces_every_part(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "titles.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("a.csv", HEADER + "a,1,b\n")
        writer.writestr("c.csv", HEADER + "c,2,d\n")
    await _load(engine, settings, "titles.zip", archive.read_bytes())

    await reload_file(Ingestor(engine, settings), "titles.zip")

    entries = [(e["part_name"], e["status"]) for e in await ledger(engine)]
    assert entries == [
        (None, "replaced"),
        ("a.csv", "replaced"),
        ("c.csv", "replaced"),
        (None, "loaded"),
        ("a.csv", "loaded"),
        ("c.csv", "loaded"),
    ]
    assert await _counts(engine) == (2, 0)


async def test_a_reload_that_would_fail_keeps_the_earlier_load(engine: AsyncEngine, settings: Settings) -> None:
    await _load(engine, settings, "titles.csv", TITLES.encode())
    strict = settings.model_copy(update={"max_reject_ratio": 0.0})

    with pytest.raises(ReloadError, match="would be quarantined, so the earlier load is kept"):
        await reload_file(Ingestor(engine, strict), "titles.csv")

    assert [e["status"] for e in await ledger(engine)] == ["loaded"]
    assert await _counts(engine) == (2, 1)


async def test_only_archived_files_loaded_before_can_be_reloaded(engine: AsyncEngine, settings: Settings) -> None:
    ingestor = Ingestor(engine, settings)
    with pytest.raises(ReloadError, match="is not a file in"):
        await reload_file(ingestor, "missing.csv")
    with pytest.raises(ReloadError, match="is not a file in"):
        await reload_file(ingestor, "../escape.csv")
    settings.processed_dir.mkdir(parents=True)
    (settings.processed_dir / "never.csv").write_text(TITLES, encoding="utf-8")
    with pytest.raises(ReloadError, match=r"no load of never\.csv's content is on record"):
        await reload_file(ingestor, "never.csv")


async def test_the_next_pipeline_rebuilds_what_a_reloaded_file_fed_keeping_its_place_in_load_order(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _load(engine, settings, "week1.csv", (HEADER + "engineer,1,developer\nanalyst,5,\n").encode())
    await _load(engine, settings, "week2.csv", (HEADER + "engineer,2,architect\n").encode())
    await build_warehouse(engine, settings)
    before = await _title_facts(engine)

    await reload_file(Ingestor(engine, settings), "week1.csv")  # week 1 again: it must not become the latest
    totals = await build_warehouse(engine, settings)

    assert await _title_facts(engine) == before == {"engineer": (2, ["architect"]), "analyst": (5, [])}
    assert totals["files_processed"] == 2
    again = await build_warehouse(engine, settings)
    assert again["files_processed"] == 0  # and a further run changes nothing


async def _title_facts(engine: AsyncEngine) -> dict[str, tuple[int | None, list[str]]]:
    rows = await fetch_all(
        engine,
        "SELECT dim.title, fact.pdl_count, coalesce(array_agg(related.title ORDER BY bridge.position) "
        "FILTER (WHERE related.title IS NOT NULL), '{}') AS related "
        "FROM datawarehouse.fact_title_popularity fact JOIN datawarehouse.dim_job_title dim USING (title_key) "
        "LEFT JOIN datawarehouse.bridge_related_title bridge USING (title_key) "
        "LEFT JOIN datawarehouse.dim_job_title related ON related.title_key = bridge.related_title_key "
        "GROUP BY dim.title, fact.pdl_count",
    )
    return {row["title"]: (row["pdl_count"], list(row["related"])) for row in rows}


async def test_a_reloaded_meter_file_rebuilds_the_meter_warehouse_to_the_same_days(
    engine: AsyncEngine, settings: Settings
) -> None:
    text = "".join(f"{line}\r\n" for line in nem12_lines(3, 2, seed=4))
    await _load(engine, settings, "meters.csv", text.encode())
    await build_warehouse(engine, settings)
    before = await _meter_days(engine)

    await reload_file(Ingestor(engine, settings), "meters.csv")
    await build_warehouse(engine, settings)

    assert await _meter_days(engine) == before and len(before) == 6  # 3 NMIs x 2 days, not doubled
    [readings] = await fetch_all(engine, "SELECT count(*) AS n FROM datawarehouse.fact_meter_reading")
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert readings["n"] == staged["n"]


async def _meter_days(engine: AsyncEngine) -> list[dict[str, object]]:
    return await fetch_all(
        engine,
        "SELECT dim.nmi, daily.day, daily.consumption_kwh, daily.generation_kwh "
        "FROM datawarehouse.fact_daily_consumption daily JOIN datawarehouse.dim_nmi dim USING (nmi_key) "
        "ORDER BY 1, 2",
    )
