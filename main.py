"""The only entry point: parse arguments, build Settings, set up logging, run one coroutine, exit."""

import argparse
import asyncio
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings, mask_url
from core.db import (
    create_engine,
    drop_schemas,
    make_migration,
    migrate,
    missing_tables,
    resolve_database_url,
    short_error,
    wait_for_db,
)
from core.errors import ConfigError, TransientError
from core.logfmt import log_event, logfmt_value
from core.logs import setup_logging

if TYPE_CHECKING:  # the modes import what they need when they run, so `--health` starts quickly
    from services.bundles import Catalogue

logger = logging.getLogger("main")

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_BAD_CONFIG: Final = 2
HEARTBEAT_FILE: Final = Path("/tmp/dropfolder.heartbeat")  # noqa: S108 - a liveness marker, not data
HEARTBEAT_MAX_AGE_SECONDS: Final = 60.0
HEARTBEAT_EVERY_SECONDS: Final = 5.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: one mode (watch by default) and its options."""
    parser = argparse.ArgumentParser(description="Drop-folder ingestion into Postgres, warehouse and exports.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--watch", nargs="?", const="", metavar="DIR", help="watch DIR (default: imports_dir)")
    mode.add_argument("--once", nargs="?", const="", metavar="DIR", help="load the files in DIR now, then exit")
    mode.add_argument("--pipeline", action="store_true", help="build the warehouse from staging")
    mode.add_argument("--analysis", action="store_true", help="create the analysis views and export them")
    mode.add_argument("--status", action="store_true", help="print the load ledger, newest first")
    mode.add_argument("--health", action="store_true", help="exit 0 if a running watcher is alive")
    mode.add_argument("--export-sql", metavar="FILE", type=Path, help="write meter_readings upserts to FILE")
    mode.add_argument(
        "--make-migration", metavar="MESSAGE", help="generate the alembic revision for newly declared kinds"
    )
    mode.add_argument(
        "--check", nargs="+", type=Path, metavar="FILE", help="dry run: what loading FILE would do; writes nothing"
    )
    mode.add_argument(
        "--reload", metavar="NAME", help="load processed/NAME again, replacing the earlier load of its content"
    )
    parser.add_argument(
        "--requeue",
        nargs="*",
        metavar="NAME",
        help="move quarantined files (all, or the named ones) back into the drop folder; with --watch/--once, then run",
    )
    parser.add_argument("--json", action="store_true", help="with --status or --check: print JSON")
    parser.add_argument("--interval", action="store_true", help="with --export-sql: one row per interval, not day")
    args = parser.parse_args(argv)
    if args.json and not (args.status or args.check):
        parser.error("--json goes with --status or --check")
    if args.requeue is not None and _is_command(args):
        parser.error("--requeue runs alone, or before --watch/--once")
    if args.interval and args.export_sql is None:
        parser.error("--interval goes with --export-sql")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen mode and return the process exit code."""
    args = parse_args(argv)
    if args.health:
        return _health()
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid configuration: {problems}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    folder = args.watch if args.watch is not None else args.once
    if folder:
        settings = settings.model_copy(update={"imports_dir": Path(folder)})
    is_quiet = args.status or bool(args.check)
    setup_logging(
        settings.logs_dir,
        settings.log_file_name,
        debug=settings.debug_logs,
        max_bytes=settings.log_file_max_bytes,
        backups=settings.log_file_backups,
        stream=sys.stderr if is_quiet else sys.stdout,
    )
    # Until the watcher installs its own handlers, a stop request simply ends the process cleanly.
    signal.signal(signal.SIGTERM, _stop_during_start_up)
    if args.requeue is not None:
        requeued = _requeue(settings, args.requeue)
        if requeued != EXIT_OK or folder is None:
            return requeued
    return _run_logging_failures(args, settings)


def _run_logging_failures(args: argparse.Namespace, settings: Settings) -> int:
    """Run the mode; a failure of the service itself is one clear line and an exit code, not a traceback."""
    try:
        return asyncio.run(_run(args, settings))
    except TransientError as exc:
        log_event(logger, "service_failed", logging.ERROR, reason=str(exc))
        return EXIT_FAILED
    except ConfigError as exc:
        log_event(logger, "bad_configuration", logging.ERROR, reason=str(exc))
        return EXIT_BAD_CONFIG
    except Exception as exc:
        logger.exception("event=service_crashed reason=%s", logfmt_value(short_error(exc)))
        return EXIT_FAILED


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from services.bundles import catalogue_for
    from services.declarations import register_declared_models

    catalogue = catalogue_for(settings)
    register_declared_models(catalogue.all_declarations)
    url = await asyncio.to_thread(resolve_database_url, settings)
    engine = create_engine(settings, url)
    try:
        await wait_for_db(engine, settings.db_connect_attempts)
        is_service = not _is_command(args)
        if is_service and settings.dev:
            await drop_schemas(engine, settings)
        if settings.init_db:
            await migrate(settings, url, engine)
        if args.make_migration:
            path = await asyncio.to_thread(make_migration, settings, url, args.make_migration)
            log_event(logger, "migration_written", path=path, note="review it, then start the service")
            return EXIT_OK
        await _check_declared_tables(engine, settings, catalogue, is_warehouse=args.pipeline or args.analysis)
        return await _run_mode(args, settings, engine, url, catalogue)
    finally:
        await engine.dispose()


async def _check_declared_tables(
    engine: AsyncEngine, settings: Settings, catalogue: "Catalogue", *, is_warehouse: bool
) -> None:
    # The staging tables with their declared columns, which loading needs; the tables of current rows too when
    # building or reading the warehouse (a loader's role may have no privileges on the warehouse schema at all).
    from services.current_rows import current_table_name
    from services.declarations import staging_tables

    expected: dict[tuple[str, str], list[str]] = {
        (settings.staging_schema, table): columns for table, columns in staging_tables(catalogue.declarations).items()
    }
    if is_warehouse:
        expected |= {
            (settings.dw_schema, current_table_name(declaration.kind)): []
            for declaration in catalogue.declarations
            if declaration.replace_by_key and declaration.stage_into is None
        }
    missing = await missing_tables(engine, expected)
    if missing:
        kinds = sorted({name.split(".")[0] for name in missing})
        absent = [name for name in missing if "." not in name]
        what = (
            f"declared kind(s) {', '.join(absent)} have no staging table"
            if absent
            else f"declared staging column(s) {', '.join(missing)} do not exist"
        )
        raise ConfigError(
            f"{what}: generate the migration with "
            f'`pipenv run python main.py --make-migration "{"add" if absent else "change"} kind {kinds[0]}"`, '
            "review it, and start again"
        )


async def _run_mode(
    args: argparse.Namespace,
    settings: Settings,
    engine: AsyncEngine,
    url: str,
    catalogue: "Catalogue",
) -> int:
    from services import commands
    from services.importers import importers_for

    chosen: dict[str, Callable[[], Awaitable[int]]] = {
        "status": lambda: commands.show_status(engine, catalogue.bundle_of, as_json=args.json),
        "pipeline": lambda: commands.build_warehouse(engine, settings, catalogue),
        "analysis": lambda: commands.analyse(engine, settings, catalogue),
        "check": lambda: commands.check_files(
            engine, settings, importers_for(catalogue.declarations), args.check, as_json=args.json
        ),
        "reload": lambda: commands.reload_file(engine, settings, importers_for(catalogue.declarations), args.reload),
        "export_sql": lambda: commands.export_sql(engine, settings, args.export_sql, is_interval=args.interval),
    }
    command = next((run for name, run in chosen.items() if getattr(args, name)), None)
    if command is not None:
        return await command()
    return await _serve(settings, engine, url, catalogue, is_once=args.once is not None)


def _stop_during_start_up(signum: int, frame: object) -> None:
    raise SystemExit(EXIT_OK)


def _is_command(args: argparse.Namespace) -> bool:
    return bool(
        args.pipeline
        or args.analysis
        or args.status
        or args.check
        or args.reload
        or args.export_sql is not None
        or args.make_migration
    )


def _requeue(settings: Settings, names: list[str]) -> int:
    from services.housekeeping import requeue

    done = requeue(settings.failed_dir, settings.imports_dir, names)
    for name in done.not_found:
        print(f"error: {name} is not in {settings.failed_dir}", file=sys.stderr)
    print(f"requeued {len(done.moved)} file(s) into {settings.imports_dir}", file=sys.stderr)
    return EXIT_FAILED if done.not_found else EXIT_OK


async def _serve(settings: Settings, engine: AsyncEngine, url: str, catalogue: "Catalogue", *, is_once: bool) -> int:
    from services.importers import importers_for, known_kinds
    from services.importers.copying import GIL_SWITCH_SECONDS
    from services.ingest import Ingestor
    from services.monitor import start_monitor
    from services.watcher import Watcher

    started = time.monotonic()
    log_event(
        logger,
        "startup",
        mode="once" if is_once else "watch",
        imports=str(settings.imports_dir),
        db=mask_url(url),
        settle_seconds=settings.settle_seconds,
        force_polling=settings.force_polling,
        max_reject_ratio=settings.max_reject_ratio,
        staging_schema=settings.staging_schema,
        dw_schema=settings.dw_schema,
        bundles=",".join(bundle.name for bundle in catalogue.enabled_bundles),
        bundles_off=",".join(sorted(catalogue.disabled)),
    )
    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # keeps COPY fed while rows are parsed in a thread
    ingestor = Ingestor(engine, settings, importers=importers_for(catalogue.declarations))  # declarations read once
    monitor = await start_monitor(settings, engine, known_kinds(ingestor.importers), is_watch=not is_once)
    watcher = Watcher(ingestor, settings, is_once=is_once, monitor=monitor)
    stop = asyncio.Event()
    heartbeat = asyncio.create_task(_beat(HEARTBEAT_FILE, stop))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    work = asyncio.create_task(watcher.run_once(stop) if is_once else watcher.watch(stop))
    is_complete = await _until_done_or_stopped(work, stop, settings.shutdown_grace_seconds)
    heartbeat.cancel()
    await monitor.close()
    log_event(
        logger,
        "shutdown",
        uptime_s=time.monotonic() - started,
        **{key: watcher.outcomes[key] for key in ("loaded", "duplicate", "quarantined", "retry")},
    )
    # A watcher stopped on request has done its job; `--once` has only when every file it found was handled.
    return EXIT_OK if is_complete or not is_once else EXIT_FAILED


async def _beat(path: Path, stop: asyncio.Event) -> None:
    """Touch the heartbeat file while the event loop runs (also during long loads), for `--health`."""
    path.unlink(missing_ok=True)  # a file left by an earlier run must not vouch for this one
    while not stop.is_set():
        path.touch()
        await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)


async def _until_done_or_stopped(work: "asyncio.Task[object]", stop: asyncio.Event, grace_seconds: float) -> bool:
    """Wait for `work`; once stopped, give the files in flight `grace_seconds`, then cancel (they roll back)."""
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not work.done():
        log_event(logger, "shutdown_requested", grace_seconds=grace_seconds)
        try:
            await asyncio.wait_for(asyncio.shield(work), grace_seconds)
        except TimeoutError:
            work.cancel()
            log_event(logger, "shutdown_forced", logging.WARNING, note="the files in flight were rolled back")
            await asyncio.gather(work, return_exceptions=True)
            return False
    result = work.result()
    return result is not False


def _health() -> int:
    try:
        age = time.time() - HEARTBEAT_FILE.stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: no heartbeat yet", file=sys.stderr)
        return EXIT_FAILED
    if age > HEARTBEAT_MAX_AGE_SECONDS:
        print(f"unhealthy: last heartbeat {age:.0f}s ago", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
