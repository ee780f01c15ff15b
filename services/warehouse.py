"""`--pipeline`: build the star schema from staging, file by file, with the SQL in `sql/warehouse/<kind>/`.

Every subfolder of `sql/warehouse/` is a kind, built in folder-name order. Then each declared kind with
something to build, in declaration order: the current rows of a kind whose key replaces
(services/current_rows.py), then its bundle's warehouse steps (services/bundles.py), then the record of
the built file; so a bundle needs no Python. Each run takes only loaded files not yet in the warehouse (in
load order, so the latest file wins), runs every step for each of them inside one transaction, and holds a
lock so two runs never interleave.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Final

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.logfmt import log_event
from models import FileLoad, LoadStatus, PipelineFile
from services.bundles import Catalogue, catalogue_for
from services.current_rows import current_row_reset, current_row_steps, record_step
from services.declarations import KindDeclaration
from services.sql_steps import Step, bound_parameters, load_steps, search_path_sql, take_lock

logger = logging.getLogger(__name__)

PIPELINE_LOCK_KEY: Final = 7_301_000_002
# Step folders that several kinds share (named with a leading "_", so they are never taken for a kind):
# both meter data formats feed the same NMI dimension and daily facts.
SHARED_STEP_FOLDERS: Final = {"nem12": ("_meters",), "nem13": ("_meters",)}


def warehouse_kinds(warehouse_sql_dir: Path) -> list[str]:
    """The kinds with warehouse steps: every subfolder of `sql/warehouse/` (hidden and shared ones aside), by name."""
    return sorted(
        entry.name for entry in warehouse_sql_dir.iterdir() if entry.is_dir() and not entry.name.startswith((".", "_"))
    )


def kind_steps(warehouse_sql_dir: Path, kind: str, subfolder: str = "") -> list[Step]:
    """A kind's steps (or, with `subfolder`, its reset steps): those of its folder and of the folders it shares,
    merged in file-name order."""
    folders = (*SHARED_STEP_FOLDERS.get(kind, ()), kind)
    steps = [step for folder in folders for step in load_steps(warehouse_sql_dir / folder / subfolder)]
    return sorted(steps, key=lambda step: step.file_name)  # stable: a file's statements keep their order


# A kind folder's `reset/` holds the statements that empty what the kind built, so it can be built again.
RESET_FOLDER: Final = "reset"
# While a build runs, its connection's application_name says which (see --status): this, kind, file and step.
BUILD_APPLICATION_NAME: Final = "dropfolder --pipeline"


@dataclass(frozen=True)
class KindBuild:
    """A kind with warehouse steps: the steps that build each of its new files, the steps that empty what it
    built (before it is built again from its files, after --reload replaced one), and the step folders it
    shares with other kinds (those are emptied and built again together)."""

    kind: str
    steps: list[Step]
    reset: list[Step] = field(default_factory=list)
    shares: tuple[str, ...] = ()


def kind_builds(warehouse_sql_dir: Path, catalogue: Catalogue) -> list[KindBuild]:
    """What `--pipeline` builds, in order: the kinds of sql/warehouse/ (by folder name), then each declared kind
    (of the bundles that are on) that has current rows to keep or bundle steps, in declaration order."""
    declared = {declaration.kind: declaration for declaration in catalogue.declarations}
    bundle_of = {kind.kind: bundle for bundle in catalogue.enabled_bundles for kind in bundle.kinds}
    folders = warehouse_kinds(warehouse_sql_dir)
    builds = [
        KindBuild(
            kind,
            [*_current_steps(declared.get(kind)), *kind_steps(warehouse_sql_dir, kind)],
            [*_current_reset(declared.get(kind)), *kind_steps(warehouse_sql_dir, kind, RESET_FOLDER)],
            SHARED_STEP_FOLDERS.get(kind, ()),
        )
        for kind in folders
    ]
    for kind, declaration in declared.items():
        bundle = bundle_of.get(kind)
        steps = [*_current_steps(declaration), *(bundle.warehouse_steps(kind) if bundle else [])]
        reset = [*_current_reset(declaration), *(bundle.reset_steps() if bundle else [])]
        if kind not in folders and steps:
            builds.append(KindBuild(kind, [*steps, record_step(kind)], reset))
    return builds


def _current_reset(declaration: KindDeclaration | None) -> list[Step]:
    return current_row_reset(declaration) if declaration is not None else []


def _current_steps(declaration: KindDeclaration | None) -> list[Step]:
    return current_row_steps(declaration) if declaration is not None else []


async def pending_files(conn: AsyncConnection, kind: str) -> list[int]:
    """Loaded files staged into `kind`'s table (its own files, and those of kinds that stage into it, such as
    partner lead lists into leads) not yet in the warehouse, in load order."""
    built = select(PipelineFile.file_id)
    staged_into = func.coalesce(FileLoad.staged_into, FileLoad.kind)
    query = (
        select(FileLoad.id)
        .where(staged_into == kind, FileLoad.status == LoadStatus.LOADED, FileLoad.id.not_in(built))
        .order_by(func.coalesce(FileLoad.reload_of, FileLoad.id), FileLoad.id)  # a reload keeps its original's place
    )
    return list((await conn.execute(query)).scalars())


async def rebuild_replaced(conn: AsyncConnection, builds: list[KindBuild]) -> list[str]:
    """Empty the warehouse of every kind built from a file that --reload has since replaced (and of the kinds
    sharing its steps), so this run builds it again from its files in load order; returns those kinds."""
    query = (
        select(PipelineFile.kind)
        .join(FileLoad, FileLoad.id == PipelineFile.file_id)
        .where(FileLoad.status == LoadStatus.REPLACED)
        .distinct()
    )
    stale = set((await conn.execute(query)).scalars())
    shared = {folder for build in builds if build.kind in stale for folder in build.shares}
    chosen = [build for build in builds if build.kind in stale or shared & set(build.shares)]
    for build in chosen:
        await _run_statements(conn, build.reset, {"kind": build.kind}, Counter())
    kinds = [build.kind for build in chosen]
    if kinds:
        await conn.execute(delete(PipelineFile).where(PipelineFile.kind.in_(kinds)))
        log_event(logger, "warehouse_rebuild", kinds=",".join(kinds), reason="a file they were built from was reloaded")
    return kinds


async def _build_file(conn: AsyncConnection, build: KindBuild, file_id: int) -> Counter[str]:
    totals: Counter[str] = Counter()
    for file_name, statements in groupby(build.steps, key=lambda step: step.file_name):
        step_name = file_name.removesuffix(".sql")
        await _announce_step(conn, build.kind, file_id, step_name)
        started = time.monotonic()
        rows = await _run_statements(conn, list(statements), {"file_id": file_id, "kind": build.kind}, totals)
        seconds = time.monotonic() - started
        log_event(
            logger, "warehouse_step", kind=build.kind, file_id=file_id, step=step_name, rows=rows, seconds=seconds
        )
    return totals


async def _run_statements(
    conn: AsyncConnection, statements: list[Step], available: dict[str, object], totals: Counter[str]
) -> int:
    """Run one step's statements, adding returned counters to `totals`; returns the rows its writes touched."""
    rows = 0
    for step in statements:
        result = await conn.execute(text(step.sql), bound_parameters(step.sql, available))
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


async def build_warehouse(engine: AsyncEngine, settings: Settings, catalogue: Catalogue | None = None) -> Counter[str]:
    """Build every pending file into the warehouse in one transaction; returns the run's counters."""
    started = time.monotonic()
    builds = kind_builds(settings.sql_dir / "warehouse", catalogue or catalogue_for(settings))
    totals: Counter[str] = Counter()
    async with engine.begin() as conn:
        await take_lock(conn, PIPELINE_LOCK_KEY, "pipeline")
        await _configure_build(conn, settings)
        await rebuild_replaced(conn, builds)
        pending = {build.kind: await pending_files(conn, build.kind) for build in builds}
        log_event(logger, "pipeline_started", files=sum(map(len, pending.values())), **_per_kind(pending))
        for build in builds:
            for file_id in pending[build.kind]:  # none (skipped) when no file of it is loaded
                totals.update(await _build_file(conn, build, file_id))
                totals["files_processed"] += 1
    log_event(logger, "pipeline_done", **_summary(totals), seconds=time.monotonic() - started)
    return totals


def _per_kind(pending: dict[str, list[int]]) -> dict[str, int]:
    return {f"{kind}_files": len(file_ids) for kind, file_ids in pending.items() if file_ids}


def _summary(totals: Counter[str]) -> dict[str, int]:
    keys = ("files_processed", "titles_inserted", "titles_updated", "related_links_written", "readings_written")
    return {key: totals[key] for key in keys} | {key: value for key, value in totals.items() if key not in keys}
