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
# The kinds that have warehouse steps, in the order they are built.
WAREHOUSE_KINDS: Final = ("job_titles", "nem12", "nem13", "leads")
# Step folders a kind shares with others (its own folder is always one): both meter data formats
# feed the same NMI dimension and daily facts.
SHARED_STEP_FOLDERS: Final = {"nem12": ("meters",), "nem13": ("meters",)}


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


def kind_steps(warehouse_dir: Path, kind: str) -> list[Step]:
    """A kind's steps: those of its folder and of the folders it shares, merged in file-name order."""
    folders = (*SHARED_STEP_FOLDERS.get(kind, ()), kind)
    steps = [step for folder in folders for step in load_steps(warehouse_dir / folder)]
    return sorted(steps, key=lambda step: step.file_name)  # stable: a file's statements keep their order


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


async def _build_file(conn: AsyncConnection, steps: list[Step], file_id: int) -> Counter[str]:
    totals: Counter[str] = Counter()
    for step in steps:
        result = await conn.execute(text(step.sql), bound_parameters(step.sql, {"file_id": file_id}))
        if result.returns_rows:
            row = result.mappings().first()
            totals.update({key: int(value or 0) for key, value in (row or {}).items()})
    return totals


async def build_warehouse(engine: AsyncEngine, settings: Settings) -> Counter[str]:
    """Build every pending file into the warehouse in one transaction; returns the run's counters."""
    started = time.monotonic()
    totals: Counter[str] = Counter()
    async with engine.begin() as conn:
        await take_lock(conn, PIPELINE_LOCK_KEY, "pipeline")
        await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
        await conn.execute(text("SELECT set_config('work_mem', :value, true)"), {"value": settings.pipeline_work_mem})
        for kind in WAREHOUSE_KINDS:
            steps = kind_steps(settings.sql_dir / "warehouse", kind)
            for file_id in await pending_files(conn, kind):
                totals.update(await _build_file(conn, steps, file_id))
                totals["files_processed"] += 1
    log_event(logger, "pipeline_done", **_summary(totals), seconds=time.monotonic() - started)
    return totals


def _summary(totals: Counter[str]) -> dict[str, int]:
    keys = ("files_processed", "titles_inserted", "titles_updated", "related_links_written", "readings_written")
    return {key: totals[key] for key in keys} | {key: value for key, value in totals.items() if key not in keys}
