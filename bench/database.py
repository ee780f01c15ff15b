"""The benchmark's throw-away database: create, migrate, empty between measurements, drop; the COPY limit; the ledger.

Only the database named `bench_<random>` that this module created is ever written to or dropped.
"""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

import asyncpg
from alembic import command

from core.config import ASYNC_SCHEME, SYNC_SCHEME, Settings, with_scheme
from core.db import alembic_config

LIMIT_SCHEMA: Final = "bench_limit"
TEXT_TABLE: Final = "titles_text"
TYPED_TABLE: Final = "titles_typed"
STAGING_SHAPED_TABLE: Final = "titles_staging_shaped"
NEM12_LIMIT_TABLE: Final = "nem12_staging_shaped"
TEXT_COLUMNS: Final = 21
EMPTIED_SCHEMAS: Final = ("staging", "datawarehouse", LIMIT_SCHEMA)
SERVER_SETTINGS: Final = ("shared_buffers", "max_wal_size", "synchronous_commit", "fsync", "wal_level")

_LIMIT_DDL: Final = (
    f"CREATE SCHEMA {LIMIT_SCHEMA}",
    f"CREATE TABLE {LIMIT_SCHEMA}.{TEXT_TABLE} (" + ", ".join(f"c{i} text" for i in range(1, TEXT_COLUMNS + 1)) + ")",
    f"CREATE TABLE {LIMIT_SCHEMA}.{TYPED_TABLE} (title text, pdl_count bigint, related text[])",
    f"CREATE TABLE {LIMIT_SCHEMA}.{STAGING_SHAPED_TABLE} (LIKE staging.job_titles INCLUDING ALL)",
)
# Only with --nem12, so that the job-title runs empty exactly the tables they always did.
_NEM12_LIMIT_DDL: Final = f"CREATE TABLE {LIMIT_SCHEMA}.{NEM12_LIMIT_TABLE} (LIKE staging.nem12 INCLUDING ALL)"
_TABLES_TO_EMPTY: Final = """
    SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
    WHERE schemaname = ANY($1::text[]) AND tablename <> 'alembic_version'
"""
_LEDGER_COUNTS: Final = """
    SELECT count(*) FILTER (WHERE status = 'loaded') AS loaded,
           count(*) FILTER (WHERE status = 'failed') AS failed
    FROM staging.file_loads WHERE file_name = ANY($1::text[])
"""


def with_database(server_url: str, database: str) -> str:
    """`server_url` pointing at `database` instead (query string kept)."""
    head, _, tail = server_url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?{tail}" if tail else "")


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(with_scheme(server_url, SYNC_SCHEME))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def bench_database(server_url: str) -> AsyncIterator[str]:
    """Create `bench_<random>`, migrate it to head and add the limit tables; yield its asyncpg URL; drop it."""
    name = f"bench_{secrets.token_hex(6)}"
    await _admin(server_url, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        url = with_scheme(with_database(server_url, name), ASYNC_SCHEME)
        settings = Settings(_env_file=None, db_string_async=url)
        await asyncio.to_thread(command.upgrade, alembic_config(settings, url), "head")
        conn = await connect(url)
        try:
            for statement in _LIMIT_DDL:
                await conn.execute(statement)
        finally:
            await conn.close()
        yield url
    finally:
        await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def connect(url: str) -> Any:
    """A plain asyncpg connection (asyncpg is untyped: `Any` at the driver boundary)."""
    return await asyncpg.connect(with_scheme(url, SYNC_SCHEME))


async def add_nem12_limit_table(conn: Any) -> None:
    """The NEM12 limit's target: a table shaped like staging.nem12 (BRIN index included)."""
    await conn.execute(_NEM12_LIMIT_DDL)


async def staged_nem12_readings(conn: Any) -> int:
    """How many readings staging.nem12 holds."""
    return int(await conn.fetchval("SELECT count(*) FROM staging.nem12"))


async def empty_tables(conn: Any) -> None:
    """Truncate staging, warehouse and limit tables (identities restarted), then CHECKPOINT for a calm start."""
    tables = [row[0] for row in await conn.fetch(_TABLES_TO_EMPTY, list(EMPTIED_SCHEMAS))]
    await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    await conn.execute("CHECKPOINT")


async def copy_limit(conn: Any, table: str, path: Path) -> float:
    """Seconds to COPY `path` (CSV with a header) into a limit table, commit included; no Python parsing."""
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_to_table(table, schema_name=LIMIT_SCHEMA, source=path, format="csv", header=True)
    return time.perf_counter() - started


async def wait_until_loaded(conn: Any, names: list[str], *, poll_seconds: float, timeout_seconds: float) -> float:
    """Poll the ledger until every file in `names` is `loaded`; returns `time.monotonic()` when that was seen."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        row = await conn.fetchrow(_LEDGER_COUNTS, names)
        seen = time.monotonic()
        if row["failed"]:
            raise RuntimeError(f"the service failed a benchmark file: {names}")
        if row["loaded"] == len(names):
            return seen
        if seen > deadline:
            raise TimeoutError(f"{names} not loaded after {timeout_seconds}s")
        await asyncio.sleep(poll_seconds)


async def server_facts(conn: Any) -> dict[str, str]:
    """Postgres version and the settings that matter most for COPY speed."""
    facts = {"postgres": str(await conn.fetchval("SELECT version()"))}
    for name in SERVER_SETTINGS:
        facts[name] = str(await conn.fetchval("SELECT current_setting($1)", name))
    return facts
