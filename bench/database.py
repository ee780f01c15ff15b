"""The benchmark's database: a throw-away `bench_<random>` (tests/support/databases.py) with the COPY limit's
tables, emptied between measurements; the COPY limit itself; polling the ledger.

Only the database named `bench_<random>` that this module created is ever written to or dropped.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

from core.config import ASYNC_SCHEME, with_scheme
from tests.support.databases import connect, migrate_to_head, scratch_database
from tests.support.databases import empty_tables as truncate_tables
from tests.support.waiting import eventually

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
_LEDGER_COUNTS: Final = """
    SELECT count(*) FILTER (WHERE status = 'loaded') AS loaded,
           count(*) FILTER (WHERE status = 'failed') AS failed
    FROM staging.file_loads WHERE file_name = ANY($1::text[])
"""


@asynccontextmanager
async def bench_database(server_url: str) -> AsyncIterator[str]:
    """Create `bench_<random>`, migrate it to head and add the limit tables; yield its asyncpg URL; drop it."""
    async with scratch_database(server_url, "bench") as created:
        url = with_scheme(created, ASYNC_SCHEME)
        await asyncio.to_thread(migrate_to_head, url)
        conn = await connect(url)
        try:
            for statement in _LIMIT_DDL:
                await conn.execute(statement)
        finally:
            await conn.close()
        yield url


async def add_nem12_limit_table(conn: Any) -> None:
    """The NEM12 limit's target: a table shaped like staging.nem12 (BRIN index included)."""
    await conn.execute(_NEM12_LIMIT_DDL)


async def staged_nem12_readings(conn: Any) -> int:
    """How many readings staging.nem12 holds."""
    return int(await conn.fetchval("SELECT count(*) FROM staging.nem12"))


async def empty_tables(conn: Any) -> None:
    """Truncate staging, warehouse and limit tables (identities restarted), then CHECKPOINT for a calm start."""
    await truncate_tables(conn, EMPTIED_SCHEMAS)
    await conn.execute("CHECKPOINT")


async def copy_limit(conn: Any, table: str, path: Path) -> float:
    """Seconds to COPY `path` (CSV with a header) into a limit table, commit included; no Python parsing."""
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_to_table(table, schema_name=LIMIT_SCHEMA, source=path, format="csv", header=True)
    return time.perf_counter() - started


async def wait_until_loaded(conn: Any, names: list[str], *, poll_seconds: float, timeout_seconds: float) -> float:
    """Poll the ledger until every file in `names` is `loaded`; returns `time.monotonic()` when that was seen."""

    async def all_loaded() -> float | None:
        row = await conn.fetchrow(_LEDGER_COUNTS, names)
        seen = time.monotonic()
        if row["failed"]:
            raise RuntimeError(f"the service failed a benchmark file: {names}")
        return seen if row["loaded"] == len(names) else None

    return await eventually(all_loaded, timeout=timeout_seconds, what=f"{names} loaded", poll_seconds=poll_seconds)


async def server_facts(conn: Any) -> dict[str, str]:
    """Postgres version and the settings that matter most for COPY speed."""
    facts = {"postgres": str(await conn.fetchval("SELECT version()"))}
    for name in SERVER_SETTINGS:
        facts[name] = str(await conn.fetchval("SELECT current_setting($1)", name))
    return facts


_BURST_CHECK: Final = """
    SELECT (SELECT count(*) FROM staging.file_loads WHERE status = 'loaded') AS loaded,
           (SELECT count(DISTINCT file_name) FROM staging.file_loads WHERE status = 'loaded') AS names,
           (SELECT count(*) FROM staging.file_loads WHERE status <> 'loaded') AS other,
           (SELECT count(*) FROM staging.job_titles) AS rows
"""


async def check_loaded_once(conn: Any, files: int, rows_per_file: int) -> None:
    """RuntimeError unless the ledger holds exactly `files` loads, one per name, nothing else, with all their rows."""
    row = await conn.fetchrow(_BURST_CHECK)
    expected = {"loaded": files, "names": files, "other": 0, "rows": files * rows_per_file}
    if dict(row) != expected:
        raise RuntimeError(f"the burst was not loaded exactly once: {dict(row)}, expected {expected}")
