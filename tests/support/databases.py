"""Throw-away databases on a real Postgres server, for the tests and the benchmark.

A database made here is named `<prefix>_<random>`; only such a database is ever emptied or dropped here.
"""

import asyncio
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Final

import asyncpg
from alembic import command
from sqlalchemy.engine import make_url

from core.config import SYNC_SCHEME, Settings, with_scheme
from core.db import alembic_config, start_embedded_postgres

LOCAL_SERVER: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
EMBEDDED_PGDATA: Final = Path(tempfile.gettempdir()) / "dropfolder-test-pgdata"
_TABLES_OF_SCHEMAS: Final = """
    SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
    WHERE schemaname = ANY($1::text[]) AND tablename <> 'alembic_version'
"""


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def find_test_server() -> str:
    """A plain postgresql:// URL of a server for throw-away databases: TEST_DATABASE_URL, else 127.0.0.1:5432,
    else an embedded Postgres started for the run."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return with_scheme(configured, SYNC_SCHEME)
    if _answers("127.0.0.1", 5432):
        return LOCAL_SERVER
    return with_scheme(start_embedded_postgres(EMBEDDED_PGDATA), SYNC_SCHEME)


def with_database(url: str, database: str) -> str:
    """`url` pointing at `database` instead (scheme, credentials, host and query kept)."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def connect(url: str) -> Any:
    """A plain asyncpg connection to `url`, whichever scheme it has (asyncpg is untyped: `Any` at the boundary)."""
    return await asyncpg.connect(with_scheme(url, SYNC_SCHEME))


async def admin_execute(server_url: str, statement: str) -> None:
    """Run one statement on the server's maintenance database (creating databases and roles)."""
    conn = await connect(server_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _new_database_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


async def _create(server_url: str, name: str) -> str:
    await admin_execute(server_url, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    return with_database(server_url, name)


async def _drop(server_url: str, name: str) -> None:
    await admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A new empty database `<prefix>_<random>` on the server (its URL, in the server URL's scheme); dropped after."""
    name = _new_database_name(prefix)
    url = await _create(server_url, name)
    try:
        yield url
    finally:
        await _drop(server_url, name)


@contextmanager
def throwaway_database(server_url: str, prefix: str = "test") -> Iterator[str]:
    """`scratch_database` for code outside an event loop (session fixtures, sync tests)."""
    name = _new_database_name(prefix)
    url = asyncio.run(_create(server_url, name))
    try:
        yield url
    finally:
        asyncio.run(_drop(server_url, name))


def migrate_to_head(url: str) -> None:
    """`alembic upgrade head` on the database at `url` (blocks; run it in a thread from async code)."""
    command.upgrade(alembic_config(Settings(_env_file=None, db_string_async=url), url), "head")


async def empty_tables(conn: Any, schemas: Sequence[str]) -> None:
    """Truncate every table of `schemas` but alembic's, identities restarted (`conn`: an asyncpg connection)."""
    tables = [row[0] for row in await conn.fetch(_TABLES_OF_SCHEMAS, list(schemas))]
    if tables:
        await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
