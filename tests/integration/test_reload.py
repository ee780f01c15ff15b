"""`--reload`: an archived file loaded again replaces its earlier load's rows in one transaction."""

import zipfile
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.reload import ReloadError, reload_file
from tests.helpers import fetch_all, ledger

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
