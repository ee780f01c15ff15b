"""`--pipeline`: build the star schema from staging, file by file, with the SQL in `sql/warehouse/<kind>/`.

Each run takes only loaded files not yet in the warehouse (in load order, so the latest file
wins), runs every step for each of them inside one transaction, and holds a lock so two runs
never interleave.
"""

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Final

import sqlparse
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.logfmt import log_event
from models import FileLoad, PipelineFile

logger = logging.getLogger(__name__)

PIPELINE_LOCK_KEY: Final = 7_301_000_002
# While a build runs, its connection's application_name says which (see --status): this, kind, file and step.
BUILD_APPLICATION_NAME: Final = "dropfolder --pipeline"
# The kinds that have warehouse steps, in the order they are built.
WAREHOUSE_KINDS: Final = ("job_titles", "nem12", "leads")


@dataclass(frozen=True)
class Step:
    """One statement of a step file; a statement returning one row adds its columns to the summary."""

    file_name: str
    sql: str


def split_statements(sql_text: str) -> list[str]:
    """The statements of an SQL file without comments (quotes and dollar quotes respected)."""
    statements = (sqlparse.format(statement, strip_comments=True).strip() for statement in sqlparse.split(sql_text))
    return [statement.rstrip(";").strip() for statement in statements if statement.rstrip(";").strip()]


def bound_parameters(sql: str, available: dict[str, object]) -> dict[str, object]:
    """The parameters a statement uses (`:name`), so statements without any can still run."""
    return {name: value for name, value in available.items() if re.search(rf"(?<!:):{name}\b", sql)}


def load_steps(folder: Path) -> list[Step]:
    """Every statement of every `NNN_*.sql` file in `folder`, in file-name order."""
    return [
        Step(path.name, statement)
        for path in sorted(folder.glob("*.sql"))
        for statement in split_statements(path.read_text(encoding="utf-8"))
    ]


def search_path_sql(conn: AsyncConnection, *schemas: str) -> str:
    """`SET LOCAL search_path` for the given schemas, each quoted as an identifier."""
    preparer = conn.dialect.identifier_preparer
    return "SET LOCAL search_path TO " + ", ".join(preparer.quote_schema(schema) for schema in schemas)


async def take_lock(conn: AsyncConnection, key: int, what: str) -> None:
    """Hold a transaction-level lock; if another run holds it, say so and wait for it."""
    if (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})).scalar_one():
        return
    log_event(logger, "waiting_for_lock", what=what, note="another run is in progress; this one waits for it")
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def pending_files(conn: AsyncConnection, kind: str) -> list[int]:
    """Loaded files of `kind` not yet in the warehouse, in load order."""
    built = select(PipelineFile.file_id)
    query = (
        select(FileLoad.id)
        .where(FileLoad.kind == kind, FileLoad.status == "loaded", FileLoad.id.not_in(built))
        .order_by(FileLoad.id)
    )
    return list((await conn.execute(query)).scalars())


async def _build_file(conn: AsyncConnection, kind: str, steps: list[Step], file_id: int) -> Counter[str]:
    totals: Counter[str] = Counter()
    for file_name, statements in groupby(steps, key=lambda step: step.file_name):
        step_name = file_name.removesuffix(".sql")
        await _announce_step(conn, kind, file_id, step_name)
        started = time.monotonic()
        rows = await _run_statements(conn, list(statements), file_id, totals)
        seconds = time.monotonic() - started
        log_event(logger, "warehouse_step", kind=kind, file_id=file_id, step=step_name, rows=rows, seconds=seconds)
    return totals


async def _run_statements(conn: AsyncConnection, statements: list[Step], file_id: int, totals: Counter[str]) -> int:
    """Run one step's statements, adding returned counters to `totals`; returns the rows its writes touched."""
    rows = 0
    for step in statements:
        result = await conn.execute(text(step.sql), bound_parameters(step.sql, {"file_id": file_id}))
        if result.returns_rows:
            row = result.mappings().first()
            totals.update({key: int(value or 0) for key, value in (row or {}).items()})
        else:
            rows += max(result.rowcount, 0)  # CREATE TABLE AS, INSERT, UPDATE, DELETE; -1 for the others
    return rows


async def _announce_step(conn: AsyncConnection, kind: str, file_id: int, step_name: str) -> None:
    """Name the running step in `pg_stat_activity.application_name` (until commit), for `--status`."""
    # Postgres keeps 63 bytes of it: the step's number, not its whole name.
    name = f"{BUILD_APPLICATION_NAME} {kind} file {file_id} step {step_name.split('_', 1)[0]}"
    await conn.execute(text("SELECT set_config('application_name', :name, true)"), {"name": name})


async def _configure_build(conn: AsyncConnection, settings: Settings) -> None:
    await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
    await conn.execute(text("SELECT set_config('work_mem', :value, true)"), {"value": settings.pipeline_work_mem})
    # JIT compiles each big statement's expressions before running it; for these statements, whose work
    # is sorting, hashing and writing, that doubled the related-titles step of a 1M-row file (21 s, 11 s off).
    await conn.execute(text("SELECT set_config('jit', 'off', true)"))
    # An incremental build probes the warehouse's indexes for a few thousand keys. With Postgres's default
    # random_page_cost (4, priced for spinning disks) the planner scans the whole 1M-row tables instead,
    # 1.4 s against 0.2 s of server CPU for a 5,000-row file; 1.1 is the usual value for SSDs or cached data.
    lowered = "least(current_setting('random_page_cost')::float8, 1.1)::text"
    await conn.execute(text(f"SELECT set_config('random_page_cost', {lowered}, true)"))


async def build_warehouse(engine: AsyncEngine, settings: Settings) -> Counter[str]:
    """Build every pending file into the warehouse in one transaction; returns the run's counters."""
    started = time.monotonic()
    totals: Counter[str] = Counter()
    async with engine.begin() as conn:
        await take_lock(conn, PIPELINE_LOCK_KEY, "pipeline")
        await _configure_build(conn, settings)
        pending = {kind: await pending_files(conn, kind) for kind in WAREHOUSE_KINDS}
        log_event(logger, "pipeline_started", files=sum(map(len, pending.values())), **_per_kind(pending))
        for kind, file_ids in pending.items():
            steps = load_steps(settings.sql_dir / "warehouse" / kind) if file_ids else []
            for file_id in file_ids:
                totals.update(await _build_file(conn, kind, steps, file_id))
                totals["files_processed"] += 1
    log_event(logger, "pipeline_done", **_summary(totals), seconds=time.monotonic() - started)
    return totals


def _per_kind(pending: dict[str, list[int]]) -> dict[str, int]:
    return {f"{kind}_files": len(file_ids) for kind, file_ids in pending.items() if file_ids}


def _summary(totals: Counter[str]) -> dict[str, int]:
    keys = ("files_processed", "titles_inserted", "titles_updated", "related_links_written", "readings_written")
    return {key: totals[key] for key in keys} | {key: value for key, value in totals.items() if key not in keys}
