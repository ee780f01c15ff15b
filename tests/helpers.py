"""Small helpers shared by integration and end-to-end tests."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.generators import GeneratedRow


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
