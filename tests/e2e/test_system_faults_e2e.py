"""A real service under real database faults: a role losing INSERT, then made read-only.

Good files stay in the drop folder (nothing in failed/), `--once` exits non-zero, and a running
watcher says so once per spell, keeps retrying, and loads every file exactly once when the fault
is cleared, with nobody touching the files.
"""

import itertools
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import run_main, start_service
from tests.helpers import admin, as_role, cut_sessions_of, fetch_all, loader_role
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.waiting import eventually

ROWS = 50


@pytest.fixture
async def loader(engine: AsyncEngine, server_url: str) -> AsyncIterator[str]:
    async with loader_role(engine, server_url) as role:
        yield role


def _drop_files(settings: Settings, count: int) -> list[str]:
    names = [f"titles-{index}.csv" for index in range(count)]
    for index, name in enumerate(names):
        write_job_titles(settings.imports_dir / name, list(generate_rows(ROWS, seed=index)))
    return names


async def _loaded(engine: AsyncEngine) -> list[dict[str, object]]:
    return await fetch_all(
        engine, "SELECT file_name, rows_loaded FROM staging.file_loads WHERE status = 'loaded' ORDER BY file_name"
    )


async def test_database_faults_leave_files_in_place_until_fixed_then_each_loads_once(
    engine: AsyncEngine, settings: Settings, loader: str
) -> None:
    names = _drop_files(settings, 3)
    as_loader = as_role(settings.async_database_url, loader)  # a role that may not migrate: INIT_DB=false
    await admin(engine, f"REVOKE INSERT ON staging.job_titles FROM {loader}")

    once = run_main(
        settings, "--once", str(settings.imports_dir), ONCE_ATTEMPTS="2", DB_STRING_ASYNC=as_loader, INIT_DB="false"
    )

    assert once.returncode == 1, once.stdout
    assert sorted(p.name for p in settings.imports_dir.glob("*.csv")) == names
    assert not settings.failed_dir.exists() or not any(settings.failed_dir.iterdir())

    before = len((settings.logs_dir / "service.log").read_text(encoding="utf-8"))  # the --once run's lines
    service = start_service(settings, RETRY_MAX_SECONDS="1", DB_STRING_ASYNC=as_loader, INIT_DB="false")
    try:
        await eventually(lambda: _has(service.log()[before:], "InsufficientPrivilegeError"), what="the privilege fault")
        await admin(engine, f"ALTER ROLE {loader} SET default_transaction_read_only = on")
        await admin(engine, f"GRANT INSERT ON staging.job_titles TO {loader}")
        await cut_sessions_of(engine, loader)
        await eventually(lambda: _has(service.log()[before:], "ReadOnly"), what="the read-only fault")
        reasons = re.findall(r'event=system_fault reason="([^"]*)"', service.log()[before:])
        assert any("InsufficientPrivilege" in r for r in reasons) and "ReadOnly" in reasons[-1]
        # Said once per spell and change of reason, not per retry (cutting the sessions may add its own reason).
        assert all(earlier != later for earlier, later in itertools.pairwise(reasons)), reasons
        assert sorted(p.name for p in settings.imports_dir.glob("*.csv")) == names
        assert not any(settings.failed_dir.iterdir())

        await admin(engine, f"ALTER ROLE {loader} RESET default_transaction_read_only")
        await cut_sessions_of(engine, loader)
        await eventually(lambda: _all_loaded(engine, len(names)), what="every file loaded")
        await eventually(lambda: _has(service.log(), "event=system_recovered"), what="the recovery line")
    finally:
        assert service.stop() == 0
    assert await _loaded(engine) == [{"file_name": name, "rows_loaded": ROWS} for name in names]
    assert sorted(p.name for p in settings.processed_dir.iterdir()) == names
    assert not any(settings.failed_dir.iterdir())


async def _has(log: str, text: str) -> bool:
    return text in log


async def _all_loaded(engine: AsyncEngine, count: int) -> bool:
    return len(await _loaded(engine)) == count
