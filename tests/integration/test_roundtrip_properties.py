"""Properties of whole-file ingestion against a real Postgres: valid files round-trip, any bytes are handled.

Hypothesis runs many examples inside one test, so the function-scoped `engine` fixture empties
staging only once: each example empties it again itself and uses a file name of its own.
"""

import gzip
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.column_types import MAX_BIGINT
from services.file_reports import Outcome
from services.ingest import Ingestor
from tests.helpers import error_report, ledger, staged_rows
from tests.support.samples.job_titles import FileShape, GeneratedRow, write_job_titles

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    # The fixtures are per test, not per example; `_fresh_start` resets what the examples share.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_NAMES = itertools.count()

# Cell text a valid file can hold on one physical line. Left out, and why: "\r" and "\n" (the writer
# quotes them into a record over several lines, which the importer rejects on purpose), "\x00"
# (rejected: Postgres text cannot hold it) and surrogates (no encoder writes them).
_CELL = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\n"), max_size=15)
_ROWS = st.lists(
    st.builds(
        GeneratedRow,
        title=_CELL,
        pdl_count=st.none() | st.integers(min_value=0, max_value=MAX_BIGINT),
        related=st.lists(_CELL, max_size=25).map(tuple),
    ),
    min_size=1,
    max_size=30,
)
# UTF-8 only: Windows-1252 bytes that happen to be valid UTF-8 ("Ã©") load as UTF-8 by design, so a
# Windows-1252 file round-trips only for some texts; tests/integration/test_ingest.py covers that shape.
_SHAPES = st.builds(
    FileShape,
    header=st.sampled_from(["public", "spreadsheet"]),
    header_case=st.sampled_from(["lower", "title", "upper"]),
    has_bom=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
    is_padded=st.booleans(),
    extra_column=st.sampled_from([None, "source"]),
    ragged_every=st.sampled_from([0, 1, 3]),
)

_CSV_PIECES = st.sampled_from(
    [b'"', b",", b"\n", b"\r\n", b"\x00", b" ", b"a", b"7", b"-", b"\xff", b"\xe9", "é".encode(), b"\x1f\x8b"]
)
_HEADER = b"title,pdl count,top related titles 1\n"
_CSV_LIKE = st.lists(_CSV_PIECES, max_size=60).map(b"".join)
_ANY_BYTES = st.one_of(
    st.binary(max_size=2000),
    _CSV_LIKE,
    _CSV_LIKE.map(lambda body: _HEADER + body),
    _CSV_LIKE.map(lambda body: gzip.compress(_HEADER + body)),
    st.tuples(_CSV_LIKE, st.integers(min_value=0, max_value=40)).map(
        lambda pair: gzip.compress(_HEADER + pair[0])[: pair[1]]
    ),
)


def _expected(row: GeneratedRow) -> GeneratedRow:
    """What the importer makes of a written row: cells trimmed, blank related titles dropped."""
    related = tuple(text.strip() for text in row.related if text.strip())
    return GeneratedRow(row.title.strip(), row.pdl_count, related)


async def _fresh_start(engine: AsyncEngine) -> str:
    """Empty staging (it is shared by all examples of a test) and return a file name never used before."""
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE staging.rejected_rows, staging.job_titles, staging.file_loads RESTART IDENTITY CASCADE")
        )
    return f"example-{next(_NAMES)}.csv"


@given(rows=_ROWS, shape=_SHAPES)
@EXAMPLES
async def test_any_valid_rows_written_by_the_generator_round_trip_into_staging_exactly(
    engine: AsyncEngine, settings: Settings, rows: list[GeneratedRow], shape: FileShape
) -> None:
    name = await _fresh_start(engine)
    path = settings.imports_dir / name
    write_job_titles(path, rows, shape)

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await staged_rows(engine) == [_expected(row) for row in rows]
    [entry] = await ledger(engine)
    assert (entry["rows_loaded"], entry["rows_rejected"]) == (len(rows), 0)


@given(content=_ANY_BYTES)
@EXAMPLES
async def test_any_bytes_as_a_file_are_loaded_or_quarantined_and_never_crash_the_ingestor(
    engine: AsyncEngine, settings: Settings, content: bytes
) -> None:
    name = await _fresh_start(engine)
    path = settings.imports_dir / name
    path.write_bytes(content)

    outcome = await Ingestor(engine, settings).ingest(path)

    assert outcome in {Outcome.LOADED, Outcome.QUARANTINED}
    assert not path.exists()
    [entry] = await ledger(engine)
    if outcome is Outcome.LOADED:
        assert entry["status"] == "loaded"
        assert (settings.processed_dir / name).read_bytes() == content
    else:
        assert entry["status"] == "failed"
        assert _kept(settings.failed_dir / name) == content
        assert error_report(settings.failed_dir, name)["reason"] == entry["error"] != ""


def _kept(path: Path) -> bytes:
    return path.read_bytes()
