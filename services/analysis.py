"""`--analysis`: create the views in `sql/analysis/`, export each to `exports/<view>.csv`, write the report.

Each `NNN_<view>.sql` file creates exactly the view it is named after. Every file is written to a
temporary name first and renamed, so a reader never sees half a file.
"""

import csv
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.config import Settings
from core.files import replaced_atomically, write_text_atomically
from core.logfmt import log_event
from models import PipelineFile
from services.meter_export import export_meter_readings
from services.report import ViewResult, render_report
from services.sql_steps import load_steps, search_path_sql

logger = logging.getLogger(__name__)

REPORT_FILE: Final = "report.html"
METER_READINGS_FILE: Final = "meter_readings.sql"
_VIEW_FILE: Final = re.compile(r"^\d+_(?P<view>[a-z_][a-z0-9_]*)\.sql$")


def view_name(file_name: str) -> str:
    """The view an analysis file creates: `010_top_related_titles.sql` -> `top_related_titles`."""
    match = _VIEW_FILE.match(file_name)
    if match is None:
        raise ValueError(f"analysis SQL file {file_name!r} must be named NNN_<view name>.sql")
    return match["view"]


def write_csv_atomically(path: Path, view: ViewResult) -> None:
    """The view as CSV with a header row (UTF-8), written atomically."""
    with replaced_atomically(path) as temporary, open(temporary, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(view.columns)
        writer.writerows(view.rows)


async def _read_view(conn: AsyncConnection, schema: str, name: str) -> ViewResult:
    preparer = conn.dialect.identifier_preparer
    result = await conn.execute(text(f"SELECT * FROM {preparer.quote_schema(schema)}.{preparer.quote(name)}"))
    return ViewResult(name, tuple(result.keys()), tuple(tuple(row) for row in result))


async def run_analysis(engine: AsyncEngine, settings: Settings) -> list[ViewResult]:
    """Create or replace the views, export them and write the report; returns what was exported."""
    started = time.monotonic()
    steps = load_steps(settings.sql_dir / "analysis")
    async with engine.begin() as conn:
        await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
        for step in steps:
            await conn.execute(text(step.sql))
        names = dict.fromkeys(view_name(step.file_name) for step in steps)
        views = [await _read_view(conn, settings.dw_schema, name) for name in names]
        is_empty = (await conn.execute(select(PipelineFile.file_id).limit(1))).first() is None
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    for view in views:
        write_csv_atomically(settings.exports_dir / f"{view.name}.csv", view)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    write_text_atomically(settings.exports_dir / REPORT_FILE, render_report(views, generated_at))
    await export_meter_readings(engine, settings, settings.exports_dir / METER_READINGS_FILE, is_interval=False)
    if is_empty:
        log_event(logger, "analysis_empty", logging.WARNING, note="the warehouse is empty: load files, run --pipeline")
    log_event(
        logger,
        "analysis_done",
        views=len(views),
        exports=str(settings.exports_dir),
        rows=sum(len(view.rows) for view in views),
        seconds=time.monotonic() - started,
    )
    return views
