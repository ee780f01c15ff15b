"""`--check`: the real import path as a dry run: the verdict, rows and rejects, and nothing written or moved."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.check import Verdict, all_would_load, check_file, render_text
from services.file_reports import Outcome
from services.ingest import Ingestor
from tests.helpers import fetch_all, ledger

HEADER = "title,pdl count,top related titles 1\n"


def _drop(settings: Settings, name: str, text: str) -> Path:
    path = settings.imports_dir / name
    path.write_text(text, encoding="utf-8")
    return path


async def _nothing_written(engine: AsyncEngine) -> bool:
    staged = await fetch_all(engine, "SELECT count(*) AS n FROM staging.job_titles")
    rejected = await fetch_all(engine, "SELECT count(*) AS n FROM staging.rejected_rows")
    return await ledger(engine) == [] and staged == [{"n": 0}] and rejected == [{"n": 0}]


async def test_a_good_file_would_load_with_its_rows_and_rejects_and_nothing_is_kept(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = _drop(settings, "titles.csv", HEADER + "".join(f"t{i},{i},r\n" for i in range(20)) + "bad,x,r\n")

    result = await check_file(Ingestor(engine, settings), path)

    assert (result.verdict, result.kind, result.rows, result.rejected) == (Verdict.LOADS, "job_titles", 20, 1)
    assert [(r.line_no, r.reason) for r in result.rejects] == [(22, "pdl_count 'x' is not a whole number")]
    assert "line 22: pdl_count 'x' is not a whole number" in render_text([result])
    assert await _nothing_written(engine)
    assert path.exists() and not settings.processed_dir.exists()


async def test_a_file_with_too_many_bad_rows_would_be_quarantined_naming_a_line(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = _drop(settings, "bad.csv", HEADER + "a,x,r\nb,y,r\nc,1,r\n")

    result = await check_file(Ingestor(engine, settings), path)

    assert result.verdict is Verdict.QUARANTINED and result.kind == "job_titles" and result.line == 2
    assert "2 of 3 rows were rejected" in (result.reason or "")
    assert not all_would_load([result])
    assert await _nothing_written(engine) and path.exists() and not settings.failed_dir.exists()


async def test_an_unknown_file_would_be_quarantined(engine: AsyncEngine, settings: Settings) -> None:
    path = _drop(settings, "notes.txt", "just some notes\n")

    result = await check_file(Ingestor(engine, settings), path)

    assert result.verdict is Verdict.QUARANTINED and "no import service recognises" in (result.reason or "")
    assert await _nothing_written(engine)


async def test_content_loaded_before_is_a_duplicate_of_that_load(engine: AsyncEngine, settings: Settings) -> None:
    _drop(settings, "first.csv", HEADER + "a,1,b\n")
    assert await Ingestor(engine, settings).ingest(settings.imports_dir / "first.csv") is Outcome.LOADED
    before = await ledger(engine)
    path = _drop(settings, "again.csv", HEADER + "a,1,b\n")

    result = await check_file(Ingestor(engine, settings), path)

    assert (result.verdict, result.duplicate_of, result.original) == (Verdict.DUPLICATE, 1, "first.csv")
    assert await ledger(engine) == before and path.exists()
