"""`--analysis`: create the views in `sql/analysis/`, export each to `exports/<view>.csv`, then the views of the
bundles that are on, exported as their bundles declare (services/bundle_exports.py), and write the report.

Each `NNN_<view>.sql` file creates exactly the view it is named after. The server writes each CSV
(`COPY (SELECT * FROM view) TO STDOUT WITH (FORMAT csv, HEADER)`) straight into a temporary file, so a
view of any size passes through in bounded memory; only the first rows the report shows are read here.
Every file is written to a temporary name first and renamed once all are written and the transaction has
committed, so a reader never sees half a file, nor exports of two different moments.
"""

import logging
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.errors import ConfigError
from core.files import replaced_atomically, write_text_atomically
from core.logfmt import log_event
from models import PipelineFile
from services.bundle_exports import ExportRun, create_view, export_bundle_view
from services.bundles import BundleView, Catalogue, catalogue_for
from services.meter_export import export_meter_readings
from services.report import MAX_BARS, ReportData, ViewResult, read_report, render_report
from services.sql_steps import (
    Step,
    copy_to_csv,
    first_rows,
    load_steps,
    quoted_relation,
    search_path_sql,
    view_name,
)

logger = logging.getLogger(__name__)

REPORT_FILE: Final = "report.html"
METER_READINGS_FILE: Final = "meter_readings.sql"
# The views and their exports must come from one snapshot, though they take several statements.
ISOLATION_LEVEL: Final = "REPEATABLE READ"


async def export_view(conn: AsyncConnection, schema: str, name: str, csv_path: Path) -> ViewResult:
    """COPY the whole view into `csv_path` as CSV with a header, then read the first MAX_BARS rows, all the
    report shows."""
    relation = quoted_relation(conn, schema, name)
    count = await copy_to_csv(conn, f"SELECT * FROM {relation}", csv_path)
    columns, rows = await first_rows(conn, relation, MAX_BARS)
    return ViewResult(name, columns, rows, row_count=count)


def core_views(steps: list[Step], bundle_views: list[BundleView]) -> list[str]:
    """The views of sql/analysis/, in file order; ConfigError when a bundle's view has one of their names."""
    names = list(dict.fromkeys(view_name(step.file_name) for step in steps))
    if clash := [view.source for view in bundle_views if view.name in names]:
        raise ConfigError(f"{', '.join(clash)}: a view of sql/analysis/ has that name already; rename the file")
    return names


async def _create_and_export(
    engine: AsyncEngine, settings: Settings, run: ExportRun, catalogue: Catalogue
) -> tuple[list[ViewResult], ReportData, bool]:
    # In one snapshot: create the views, COPY each into a temporary file (renamed by `run.renames` when it closes),
    # read what the report shows, and see whether the warehouse has anything in it.
    steps = load_steps(settings.sql_dir / "analysis")
    bundle_views = catalogue.views()
    names = core_views(steps, bundle_views)
    run.taken.update({f"{name}.csv" for name in names} | {REPORT_FILE, METER_READINGS_FILE})
    async with engine.connect() as connection:
        conn = await connection.execution_options(isolation_level=ISOLATION_LEVEL)
        async with conn.begin():
            await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
            for step in steps:
                await conn.execute(text(step.sql))
            for bundle_view in bundle_views:  # each after the views it reads
                await create_view(conn, bundle_view, {view.name for view in bundle_views})
            views = []
            for name in names:
                temporary = run.renames.enter_context(replaced_atomically(settings.exports_dir / f"{name}.csv"))
                views.append(await export_view(conn, settings.dw_schema, name, temporary))
            for bundle_view in (view for view in bundle_views if view.manifest.export):
                views.append(await export_bundle_view(conn, settings.dw_schema, bundle_view, run))
            report = await read_report(conn, settings, names, bundle_views)
            is_empty = (await conn.execute(select(PipelineFile.file_id).limit(1))).first() is None
    return views, report, is_empty


async def run_analysis(engine: AsyncEngine, settings: Settings, catalogue: Catalogue | None = None) -> list[ViewResult]:
    """Create or replace the views, export them and write the report; returns each view's first rows and count."""
    started = time.monotonic()
    catalogue = catalogue or catalogue_for(settings)
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as renames:  # the exports replace the previous ones only once every one is written and committed
        run = ExportRun(settings.exports_dir, renames)
        views, report, is_empty = await _create_and_export(engine, settings, run, catalogue)
    write_text_atomically(settings.exports_dir / REPORT_FILE, render_report(report, datetime.now(UTC)))
    await export_meter_readings(engine, settings, settings.exports_dir / METER_READINGS_FILE, is_interval=False)
    if is_empty:
        log_event(logger, "analysis_empty", logging.WARNING, note="the warehouse is empty: load files, run --pipeline")
    log_event(
        logger,
        "analysis_done",
        views=len(views),
        exports=str(settings.exports_dir),
        rows=sum(view.row_count for view in views),
        bundles=",".join(bundle.name for bundle in catalogue.enabled_bundles),
        bundle_files=len(run.written),
        bundle_files_unchanged=len(run.written) - len(run.changed),
        seconds=time.monotonic() - started,
    )
    return views
