"""Ingesting one file against a real Postgres: rows, ledger, archive and quarantine."""

import gzip
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.errors import FileChangedError
from services import ledger as ledger_service
from services.file_reports import Outcome
from services.importers.base import LoadJob, LoadResult
from services.ingest import Ingestor
from services.unit_of_work import transaction
from tests.helpers import error_report, fetch_all, ledger, staged_rows
from tests.support.samples.job_titles import (
    PLAIN_SHAPE,
    FileShape,
    GeneratedRow,
    cp1252_safe,
    generate_rows,
    write_job_titles,
)
from tests.support.samples.nem12 import write_nem12

HEADER = "title,pdl count,top related titles 1,top related titles 2\n"


def _drop(settings: Settings, name: str, content: bytes) -> Path:
    path = settings.imports_dir / name
    path.write_bytes(content)
    return path


def _generated(
    settings: Settings, name: str, rows: int, shape: FileShape = PLAIN_SHAPE
) -> tuple[Path, list[GeneratedRow]]:
    expected = list(generate_rows(rows, seed=rows))
    if shape.encoding == "cp1252":
        expected = list(cp1252_safe(expected))
    path = settings.imports_dir / name
    write_job_titles(path, expected, shape)
    return path, expected


async def test_a_generated_file_loads_every_row_once_and_is_archived(engine: AsyncEngine, settings: Settings) -> None:
    path, expected = _generated(settings, "titles.csv", 5000)

    outcome = await Ingestor(engine, settings).ingest(path)

    assert outcome is Outcome.LOADED
    assert await staged_rows(engine) == expected
    lines = await fetch_all(engine, "SELECT min(line_no) AS first, max(line_no) AS last FROM staging.job_titles")
    assert lines == [{"first": 2, "last": 5001}]
    [entry] = await ledger(engine)
    assert (entry["status"], entry["kind"], entry["rows_loaded"], entry["rows_rejected"]) == (
        "loaded",
        "job_titles",
        5000,
        0,
    )
    assert entry["archived_as"] == "processed/titles.csv"
    assert not path.exists()
    assert (settings.processed_dir / "titles.csv").exists()


@pytest.mark.parametrize(
    "shape",
    [
        FileShape(header="spreadsheet"),
        FileShape(header_case="title"),
        FileShape(header="spreadsheet", header_case="upper"),
        FileShape(has_bom=True),
        FileShape(line_end="\r\n"),
        FileShape(encoding="cp1252"),
        FileShape(is_padded=True),
        FileShape(ragged_every=3),
        FileShape(has_bom=True, line_end="\r\n", header="spreadsheet", is_padded=True, ragged_every=2),
    ],
    ids=repr,
)
async def test_every_file_shape_loads_to_the_same_rows(
    engine: AsyncEngine, settings: Settings, shape: FileShape
) -> None:
    path, expected = _generated(settings, "shaped.csv", 300, shape)

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await staged_rows(engine) == expected
    [entry] = await ledger(engine)
    assert entry["encoding"] == ("windows-1252" if shape.encoding == "cp1252" else "utf-8")


async def test_an_extra_named_column_is_kept_as_extra_data(engine: AsyncEngine, settings: Settings) -> None:
    path, expected = _generated(settings, "extra.csv", 20, FileShape(extra_column="Source System"))

    await Ingestor(engine, settings).ingest(path)

    assert await staged_rows(engine) == expected
    extras = await fetch_all(engine, "SELECT extra FROM staging.job_titles ORDER BY line_no LIMIT 2")
    assert extras == [{"extra": {"source system": "src-0"}}, {"extra": {"source system": "src-1"}}]


async def test_the_same_content_under_another_name_is_a_duplicate(engine: AsyncEngine, settings: Settings) -> None:
    path, _ = _generated(settings, "monday.csv", 50)
    copy = settings.imports_dir / "tuesday.csv"
    shutil.copy(path, copy)
    ingestor = Ingestor(engine, settings)

    assert await ingestor.ingest(path) is Outcome.LOADED
    assert await ingestor.ingest(copy) is Outcome.DUPLICATE

    assert len(await staged_rows(engine)) == 50
    first, second = await ledger(engine)
    assert (second["status"], second["duplicate_of"], second["sha256"]) == ("duplicate", first["id"], first["sha256"])
    assert (settings.processed_dir / "tuesday.csv").exists()


async def test_bad_counts_are_rejected_with_their_line_and_the_rest_loads(
    engine: AsyncEngine, settings: Settings
) -> None:
    good = "".join(f"title {i},{i},a,b\n" for i in range(20))
    path = _drop(settings, "some-bad.csv", (HEADER + good + "bad one,12x,a\nnegative,-4,\n").encode())

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    rejects = await fetch_all(engine, "SELECT line_no, raw_text, reason FROM staging.rejected_rows ORDER BY line_no")
    assert [(r["line_no"], r["raw_text"]) for r in rejects] == [(22, "bad one,12x,a"), (23, "negative,-4,")]
    assert "not a whole number" in rejects[0]["reason"]
    assert "negative" in rejects[1]["reason"]
    [entry] = await ledger(engine)
    assert (entry["rows_loaded"], entry["rows_rejected"]) == (20, 2)


@pytest.mark.parametrize("chunk_bytes", [1000, 1 << 20])
async def test_rows_and_rejects_on_both_sides_of_the_inline_start_all_arrive(
    engine: AsyncEngine, settings: Settings, chunk_bytes: int
) -> None:
    # The first 64 KiB of COPY data are made in the event loop, the rest in the producer thread.
    good = [f"title {i},{i},a,b\n" for i in range(12_000)]
    good[5], good[9_000] = "early bad,1x,a\n", "late bad,2x,a\n"
    path = _drop(settings, "long.csv", (HEADER + "".join(good)).encode())
    settings = settings.model_copy(update={"copy_chunk_bytes": chunk_bytes})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    rejects = await fetch_all(engine, "SELECT line_no, raw_text FROM staging.rejected_rows ORDER BY line_no")
    assert [(r["line_no"], r["raw_text"]) for r in rejects] == [(7, "early bad,1x,a"), (9002, "late bad,2x,a")]
    [entry] = await ledger(engine)
    assert (entry["rows_loaded"], entry["rows_rejected"]) == (11_998, 2)
    lines = await fetch_all(engine, "SELECT line_no FROM staging.job_titles ORDER BY line_no")
    assert [r["line_no"] for r in lines] == [n for n in range(2, 12_002) if n not in (7, 9002)]


class _FailedAfterCopyError(Exception):
    """Raised where the ledger would mark the load done: after every row went to the server."""


@pytest.mark.parametrize(
    ("name", "table"), [("small.csv", "job_titles"), ("big.csv", "job_titles"), ("meters.nem12", "nem12")]
)
async def test_a_failure_after_the_copy_keeps_none_of_the_files_rows(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch, name: str, table: str
) -> None:
    # The COPY goes over the raw driver connection: it must run inside the file's transaction, not commit alone.
    path = settings.imports_dir / name
    if table == "nem12":
        write_nem12(path, 2, 2)
    else:
        write_job_titles(path, generate_rows(5 if name == "small.csv" else 2000))

    async def fail(*_: object) -> None:
        raise _FailedAfterCopyError

    monkeypatch.setattr(ledger_service, "finish_load", fail)
    with pytest.raises(_FailedAfterCopyError):
        await Ingestor(engine, settings).ingest(path)

    assert await fetch_all(engine, f"SELECT count(*) AS n FROM staging.{table}") == [{"n": 0}]


async def test_too_many_rejects_quarantine_the_whole_file_and_keep_nothing(
    engine: AsyncEngine, settings: Settings
) -> None:
    content = HEADER + "ok,1,a\n" + "".join(f"bad {i},many,\n" for i in range(5))
    path = _drop(settings, "mostly-bad.csv", content.encode())

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert await staged_rows(engine) == []
    assert await fetch_all(engine, "SELECT * FROM staging.rejected_rows") == []
    report = error_report(settings.failed_dir, "mostly-bad.csv")
    assert "5 of 6 rows were rejected" in report["reason"]
    assert report["line"] == 3
    assert "line 3: pdl_count 'many' is not a whole number" in report["detail"]
    [entry] = await ledger(engine)
    assert entry["status"] == "failed"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "the file is empty (0 bytes)"),
        (
            "garbage.csv",
            bytes(range(256)) * 4,
            "no import service recognises this file (known kinds: job_titles, nem12, nem13, leads, ",
        ),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100, "the zip is corrupt or truncated"),
        ("header-only.csv", HEADER.encode(), "the file has a header but no data rows"),
        ("no-count.csv", b"title,count\nx,1\n", "no import service recognises this file"),
        ("dup-header.csv", b"title,pdl count,title\nx,1,y\n", "duplicate header name 'title' (columns 1 and 3)"),
        ("mixed.csv", HEADER.encode() + "caf\u00e9,1\n".encode() + b"caf\xe9,2\n", "the file mixes encodings"),
        ("unclosed.csv", (HEADER + 'a,1\n"b,2\nc,3\nd,4\n').encode(), "line 3 opens a quote that is never closed"),
    ],
)
async def test_bad_files_are_quarantined_with_a_reason(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture, name: str, content: bytes, reason: str
) -> None:
    path = _drop(settings, name, content)
    caplog.set_level(logging.INFO)

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert not path.exists()
    assert (settings.failed_dir / name).read_bytes() == content
    assert reason in error_report(settings.failed_dir, name)["reason"]
    assert await staged_rows(engine) == []
    [line] = [r.getMessage() for r in caplog.records if "event=file_quarantined" in r.getMessage()]
    assert f"file={name}" in line and "reason=" in line


async def test_a_gzip_compressed_file_loads_as_a_stream(engine: AsyncEngine, settings: Settings) -> None:
    plain, expected = _generated(settings, "plain.tmp", 200)
    path = settings.imports_dir / "titles.csv.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await staged_rows(engine) == expected


async def test_a_file_claimed_by_another_process_is_left_alone(engine: AsyncEngine, settings: Settings) -> None:
    path, _ = _generated(settings, "claimed.csv", 10)
    async with engine.connect() as other:
        assert await ledger_service.try_claim(other, ledger_service.claim_key(settings.staging_schema, path.name))

        assert await Ingestor(engine, settings).ingest(path) is Outcome.SKIPPED

    assert path.exists()
    assert await ledger(engine) == []


async def test_a_file_loaded_before_a_crash_is_archived_without_loading_again(
    engine: AsyncEngine, settings: Settings
) -> None:
    path, _ = _generated(settings, "crash.csv", 30)
    content = path.read_bytes()
    await Ingestor(engine, settings).ingest(path)
    # As if the process died after the commit and before the move: the file is still there.
    (settings.processed_dir / "crash.csv").unlink()
    path.write_bytes(content)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE staging.file_loads SET archived_as = NULL"))

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert len(await staged_rows(engine)) == 30
    [entry] = await ledger(engine)
    assert entry["archived_as"] == "processed/crash.csv"
    assert not path.exists()


async def test_a_name_clash_in_the_archive_gets_a_suffix_and_overwrites_nothing(
    engine: AsyncEngine, settings: Settings
) -> None:
    ingestor = Ingestor(engine, settings)
    first = _drop(settings, "weekly.csv", (HEADER + "a,1,b\n").encode())
    await ingestor.ingest(first)
    second = _drop(settings, "weekly.csv", (HEADER + "a,2,b\n").encode())
    await ingestor.ingest(second)

    archived = sorted(p.name for p in settings.processed_dir.iterdir())
    assert len(archived) == 2 and archived[-1] == "weekly.csv"
    assert (settings.processed_dir / "weekly.csv").read_bytes() == (HEADER + "a,1,b\n").encode()
    assert archived[0].startswith("weekly.") and archived[0].endswith(".csv")


async def test_an_interrupted_load_is_marked_when_its_owner_is_gone(engine: AsyncEngine, settings: Settings) -> None:
    facts = ledger_service.FileFacts("dead.csv", "0" * 64, 10)
    live = ledger_service.FileFacts("live.csv", "1" * 64, 10)
    async with engine.connect() as conn, engine.connect() as owner:
        async with transaction(conn):
            await ledger_service.start_load(conn, facts, "job_titles", "gone:1")
            await ledger_service.start_load(conn, live, "job_titles", "alive:2")
        async with transaction(owner):
            assert await ledger_service.try_claim(owner, ledger_service.claim_key(settings.staging_schema, "live.csv"))

        recovered = await Ingestor(engine, settings).recover_interrupted()

    assert recovered == ["dead.csv"]
    statuses = {row["file_name"]: row["status"] for row in await ledger(engine)}
    assert statuses == {"dead.csv": "interrupted", "live.csv": "loading"}


async def test_ledger_writes_commit_only_with_their_transaction(engine: AsyncEngine) -> None:
    facts = ledger_service.FileFacts("undone.csv", "2" * 64, 10)
    async with engine.connect() as conn:
        with pytest.raises(RuntimeError, match="stop"):
            async with transaction(conn):
                await ledger_service.start_load(conn, facts, "job_titles", "w:1")
                await ledger_service.record_duplicate(conn, facts, 1, "w:1")
                raise RuntimeError("stop")
        async with transaction(conn):
            await ledger_service.start_load(conn, facts, "job_titles", "w:1")

    assert [(row["file_name"], row["status"]) for row in await ledger(engine)] == [("undone.csv", "loading")]


async def test_file_names_that_look_like_sql_are_only_data(engine: AsyncEngine, settings: Settings) -> None:
    name = 'x"; drop table staging.job_titles; --.csv'
    header = 'title,pdl count,"y""; drop table staging.file_loads; --"\n'
    path = _drop(settings, name, (header + "a,1,b\n").encode())

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    [entry] = await ledger(engine)
    assert entry["file_name"] == name
    extras = await fetch_all(engine, "SELECT extra FROM staging.job_titles")
    assert extras == [{"extra": {'y"; drop table staging.file_loads; --': "b"}}]


class _GrowingFileImporter:
    """Loads nothing and appends to the file meanwhile, as a writer that paused too long would."""

    kind = "job_titles"

    def __init__(self, path: Path) -> None:
        self.path = path

    def accepts(self, file_name: str, head: bytes) -> bool:
        return True

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        with open(self.path, "ab") as stream:
            stream.write(b"late,1,row\n")
        return LoadResult(rows_loaded=1, rows_rejected=0)


async def test_a_file_that_changes_during_its_load_is_rolled_back_and_left_to_settle_again(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = _drop(settings, "growing.csv", (HEADER + "a,1,b\n").encode())

    with pytest.raises(FileChangedError):
        await Ingestor(engine, settings, importers=(_GrowingFileImporter(path),)).ingest(path)

    assert path.exists()
    [entry] = await ledger(engine)
    assert entry["status"] == "interrupted" and "changed while it was being loaded" in entry["error"]
