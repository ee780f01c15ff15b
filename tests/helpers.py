"""Small helpers shared by integration and end-to-end tests."""

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import admin_execute
from tests.support.samples.job_titles import GeneratedRow


async def fetch_all(engine: AsyncEngine, sql: str, **params: object) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    async with engine.connect() as conn:
        result = await conn.execute(text(sql), params)
        return [dict(row) for row in result.mappings()]


async def staged_rows(engine: AsyncEngine, file_id: int | None = None) -> list[GeneratedRow]:
    """The staged job-title rows (of one file, or all) in line order, as GeneratedRow."""
    where = "" if file_id is None else "WHERE file_id = :file_id"
    rows = await fetch_all(
        engine,
        f"SELECT title, pdl_count, related_titles FROM staging.job_titles {where} ORDER BY file_id, line_no",
        file_id=file_id,
    )
    return [GeneratedRow(row["title"], row["pdl_count"], tuple(row["related_titles"])) for row in rows]


async def ledger(engine: AsyncEngine) -> list[dict[str, Any]]:
    """The load ledger in id order."""
    return await fetch_all(engine, "SELECT * FROM staging.file_loads ORDER BY id")


def error_report(failed_dir: Path, name: str) -> dict[str, Any]:
    """The `.error.json` written beside a quarantined file."""
    report: dict[str, Any] = json.loads((failed_dir / f"{name}.error.json").read_text(encoding="utf-8"))
    return report


LOADER_GRANTS = (
    "GRANT USAGE ON SCHEMA staging TO {role}",
    "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA staging TO {role}",
)


async def admin(engine: AsyncEngine, statement: str) -> None:
    """Run one statement as the tests' superuser, committed."""
    async with engine.begin() as conn:
        await conn.execute(text(statement))


@asynccontextmanager
async def loader_role(engine: AsyncEngine, server_url: str) -> AsyncIterator[str]:
    """A login role with the service's privileges on staging (as a production deployment would grant them)."""
    role = f"loader_{secrets.token_hex(4)}"
    await admin(engine, f"CREATE ROLE {role} LOGIN")
    for grant in LOADER_GRANTS:
        await admin(engine, grant.format(role=role))
    try:
        yield role
    finally:
        await admin(engine, f"DROP OWNED BY {role}")
        await admin_execute(server_url, f"DROP ROLE {role}")


def as_role(url: str, role: str) -> str:
    """`url` with `role` as its user and no password (the test server trusts local logins)."""
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


async def cut_sessions_of(engine: AsyncEngine, role: str) -> None:
    """End every session of `role`, so its next connections start with its new settings."""
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"), {"role": role}
        )
