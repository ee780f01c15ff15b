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
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.logfmt import log_event
from models import FileLoad, PipelineFile
from services.bundles import Catalogue, catalogue_for
from services.current_rows import current_row_steps, record_step
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


def kind_steps(warehouse_sql_dir: Path, kind: str) -> list[Step]:
    """A kind's steps: those of its folder and of the folders it shares, merged in file-name order."""
    folders = (*SHARED_STEP_FOLDERS.get(kind, ()), kind)
    steps = [step for folder in folders for step in load_steps(warehouse_sql_dir / folder)]
    return sorted(steps, key=lambda step: step.file_name)  # stable: a file's statements keep their order


@dataclass(frozen=True)
class KindBuild:
    """A kind with warehouse steps, and the steps that build each of its new files."""

    kind: str
    steps: list[Step]


def kind_builds(warehouse_sql_dir: Path, catalogue: Catalogue) -> list[KindBuild]:
    """What `--pipeline` builds, in order: the kinds of sql/warehouse/ (by folder name), then each declared kind
    (of the bundles that are on) that has current rows to keep or bundle steps, in declaration order."""
    declared = {declaration.kind: declaration for declaration in catalogue.declarations}
    bundle_of = {kind.kind: bundle for bundle in catalogue.enabled_bundles for kind in bundle.kinds}
    folders = warehouse_kinds(warehouse_sql_dir)
    builds = [
        KindBuild(kind, [*_current_steps(declared.get(kind)), *kind_steps(warehouse_sql_dir, kind)]) for kind in folders
    ]
    for kind, declaration in declared.items():
        bundle = bundle_of.get(kind)
        steps = [*_current_steps(declaration), *(bundle.warehouse_steps(kind) if bundle else [])]
        if kind not in folders and steps:
            builds.append(KindBuild(kind, [*steps, record_step(kind)]))
    return builds


def _current_steps(declaration: KindDeclaration | None) -> list[Step]:
    return current_row_steps(declaration) if declaration is not None else []


async def pending_files(conn: AsyncConnection, kind: str) -> list[int]:
    """Loaded files staged into `kind`'s table (its own files, and those of kinds that stage into it, such as
    partner lead lists into leads) not yet in the warehouse, in load order."""
    built = select(PipelineFile.file_id)
    staged_into = func.coalesce(FileLoad.staged_into, FileLoad.kind)
    query = (
        select(FileLoad.id)
        .where(staged_into == kind, FileLoad.status == "loaded", FileLoad.id.not_in(built))
        .order_by(FileLoad.id)
    )
    return list((await conn.execute(query)).scalars())


async def _build_file(conn: AsyncConnection, build: KindBuild, file_id: int) -> Counter[str]:
    totals: Counter[str] = Counter()
    for step in build.steps:
        parameters = bound_parameters(step.sql, {"file_id": file_id, "kind": build.kind})
        result = await conn.execute(text(step.sql), parameters)
        if result.returns_rows:
            row = result.mappings().first()
            totals.update({key: int(value or 0) for key, value in (row or {}).items()})
    return totals


async def build_warehouse(engine: AsyncEngine, settings: Settings, catalogue: Catalogue | None = None) -> Counter[str]:
    """Build every pending file into the warehouse in one transaction; returns the run's counters."""
    started = time.monotonic()
    builds = kind_builds(settings.sql_dir / "warehouse", catalogue or catalogue_for(settings))
    totals: Counter[str] = Counter()
    async with engine.begin() as conn:
        await take_lock(conn, PIPELINE_LOCK_KEY, "pipeline")
        await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
        await conn.execute(text("SELECT set_config('work_mem', :value, true)"), {"value": settings.pipeline_work_mem})
        for build in builds:
            for file_id in await pending_files(conn, build.kind):  # none (skipped) when no file of it is loaded
                totals.update(await _build_file(conn, build, file_id))
                totals["files_processed"] += 1
    log_event(logger, "pipeline_done", **_summary(totals), seconds=time.monotonic() - started)
    return totals


def _summary(totals: Counter[str]) -> dict[str, int]:
    keys = ("files_processed", "titles_inserted", "titles_updated", "related_links_written", "readings_written")
    return {key: totals[key] for key in keys} | {key: value for key, value in totals.items() if key not in keys}
