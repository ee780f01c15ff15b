"""Test fixtures: every run gets its own throw-away database on a real Postgres.

The server is TEST_DATABASE_URL when set, else a Postgres answering on 127.0.0.1:5432, else an
embedded one started for the run. Databases are named test_<random> and dropped at the end, so
a run never touches user data.
"""

import asyncio
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import ASYNC_SCHEME, SYNC_SCHEME, Settings, with_scheme
from core.db import alembic_config, create_engine, start_embedded_postgres

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STAGING_TABLES = ("rejected_rows", "job_titles", "nem12", "leads", "file_loads")
WAREHOUSE_TABLES = (
    "fact_related_titles",
    "fact_title_popularity",
    "dim_job_title",
    "fact_daily_consumption",
    "fact_meter_reading",
    "dim_nmi",
    "fact_lead_change",
    "dim_lead",
    "pipeline_files",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def server_url() -> str:
    """A plain postgresql:// URL of a server on which the tests may create databases."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return with_scheme(configured, SYNC_SCHEME)
    if _answers("127.0.0.1", 5432):
        return LOCAL_SERVER
    pgdata = Path(tempfile.gettempdir()) / "dropfolder-test-pgdata"
    return with_scheme(start_embedded_postgres(pgdata), SYNC_SCHEME)


def _with_database(url: str, database: str) -> str:
    head, _, tail = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?{tail}" if tail else "")


async def admin_execute(server: str, statement: str) -> None:
    """Run one statement on the server's maintenance database (creating databases and roles)."""
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new empty database `test_<random>` on the server (plain postgresql:// URL); dropped afterwards."""
    name = f"test_{secrets.token_hex(6)}"
    asyncio.run(admin_execute(server_url, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"))
    try:
        yield _with_database(server_url, name)
    finally:
        asyncio.run(admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database migrated to head (asyncpg URL); dropped after the run."""
    with throwaway_database(server_url) as plain:
        url = with_scheme(plain, ASYNC_SCHEME)
        command.upgrade(alembic_config(Settings(_env_file=None, db_string_async=url), url), "head")
        yield url


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    """For one test: a database of its own, not migrated (asyncpg URL)."""
    with throwaway_database(server_url) as plain:
        yield with_scheme(plain, ASYNC_SCHEME)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own folders, the test database, quick settling."""
    return Settings(
        _env_file=None,
        db_string_async=database_url,
        imports_dir=tmp_path / "imports",
        exports_dir=tmp_path / "exports",
        logs_dir=tmp_path / "logs",
        settle_seconds=0.2,
        tick_seconds=0.05,
        progress_seconds=0.5,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, with staging and warehouse emptied first."""
    engine = create_engine(settings, settings.async_database_url)
    tables = [f"{settings.dw_schema}.{t}" for t in WAREHOUSE_TABLES] + [
        f"{settings.staging_schema}.{t}" for t in STAGING_TABLES
    ]
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    try:
        yield engine
    finally:
        await engine.dispose()
