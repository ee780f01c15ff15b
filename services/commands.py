"""The one-shot commands of main.py (everything but watching): each runs, prints what it must, and returns
the process exit code. Each imports what it needs when it runs, so a command starts only what it uses."""

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.logfmt import log_event
from services.importers.base import Importer

if TYPE_CHECKING:
    from services.bundles import Catalogue

logger = logging.getLogger("main")

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1


async def show_status(engine: AsyncEngine, bundle_of: Mapping[str, str], *, as_json: bool) -> int:
    """`--status`: the load ledger, newest first (with the bundle of each kind that has one)."""
    from services import status

    rows = await status.fetch_status(engine, bundle_of)
    build = await status.fetch_running_build(engine)
    print(status.render_json(rows) if as_json else status.render_table(rows))
    if build is not None:
        if not as_json:  # the JSON stays the ledger; the log line below says it for both
            print(status.render_running_build(build))
        log_event(logger, "pipeline_running", server_pid=build.pid, seconds=build.seconds, doing=build.doing)
    return EXIT_OK


async def build_warehouse(engine: AsyncEngine, settings: Settings, catalogue: "Catalogue") -> int:
    """`--pipeline`: build the warehouse from staging."""
    from services.warehouse import build_warehouse

    await build_warehouse(engine, settings, catalogue)
    return EXIT_OK


async def analyse(engine: AsyncEngine, settings: Settings, catalogue: "Catalogue") -> int:
    """`--analysis`: create the views, export them, write the report."""
    from services.analysis import run_analysis

    await run_analysis(engine, settings, catalogue)
    return EXIT_OK


async def check_files(
    engine: AsyncEngine, settings: Settings, importers: tuple[Importer, ...], files: list[Path], *, as_json: bool
) -> int:
    """`--check FILE...`: the dry run; exit 0 only when every file would load."""
    from services import check
    from services.ingest import Ingestor

    results = await check.check_files(Ingestor(engine, settings, importers=importers), files)
    print(check.render_json(results) if as_json else check.render_text(results).rstrip("\n"))
    return EXIT_OK if check.all_would_load(results) else EXIT_FAILED


async def reload_file(engine: AsyncEngine, settings: Settings, importers: tuple[Importer, ...], name: str) -> int:
    """`--reload NAME`: load an archived file again in place of its earlier load."""
    from services.ingest import Ingestor
    from services.reload import ReloadError, reload_file

    try:
        await reload_file(Ingestor(engine, settings, importers=importers), name)
    except ReloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def export_sql(engine: AsyncEngine, settings: Settings, path: Path, *, is_interval: bool) -> int:
    """`--export-sql FILE`: meter_readings upserts."""
    from services.meter_export import export_meter_readings

    await export_meter_readings(engine, settings, path, is_interval=is_interval)
    return EXIT_OK
