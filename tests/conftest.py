"""Test fixtures: every run gets its own throw-away database on a real Postgres (see tests/support/databases.py).

The server is TEST_DATABASE_URL when set, else a Postgres answering on 127.0.0.1:5432, else an
embedded one started for the run. Databases are named test_<random> and dropped at the end, so
a run never touches user data.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import ASYNC_SCHEME, Settings, with_scheme
from core.db import create_engine
from tests.support.databases import connect, empty_tables, find_test_server, migrate_to_head, throwaway_database


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def server_url() -> str:
    """A plain postgresql:// URL of a server on which the tests may create databases."""
    return find_test_server()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database migrated to head (asyncpg URL); dropped after the run."""
    with throwaway_database(server_url) as plain:
        url = with_scheme(plain, ASYNC_SCHEME)
        migrate_to_head(url)
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
    """An engine on the test database, with every staging and warehouse table emptied first."""
    conn = await connect(settings.async_database_url)
    try:
        await empty_tables(conn, (settings.dw_schema, settings.staging_schema))
    finally:
        await conn.close()
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings, settings.async_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()
