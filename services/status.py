"""`--status`: the load ledger, newest first, as a table or as JSON."""

import json
from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import FileLoad

STATUS_KEYS: Final = ("file_name", "sha256", "kind", "status", "rows_loaded", "rows_rejected", "seconds", "error")
_TABLE_COLUMNS: Final = (
    ("file", "file_name"),
    ("kind", "kind"),
    ("status", "status"),
    ("rows", "rows_loaded"),
    ("rejected", "rows_rejected"),
    ("seconds", "seconds"),
    ("error", "error"),
)
_MAX_CELL_CHARS: Final = 80

StatusRow = dict[str, object]


async def fetch_status(engine: AsyncEngine) -> list[StatusRow]:
    """Every ledger row, newest first, with the keys of STATUS_KEYS."""
    columns = [getattr(FileLoad, key) for key in STATUS_KEYS]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(*columns).order_by(FileLoad.id.desc()))).all()
    return [dict(zip(STATUS_KEYS, row, strict=True)) for row in rows]


def render_json(rows: Sequence[StatusRow]) -> str:
    """The rows as a JSON array of objects."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


def render_table(rows: Sequence[StatusRow]) -> str:
    """The rows as an aligned plain-text table (or a line saying the ledger is empty)."""
    if not rows:
        return "No files have been taken yet: drop one into the imports folder."
    header = [title for title, _ in _TABLE_COLUMNS]
    body = [[_cell(row[key]) for _, key in _TABLE_COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in [header, *body]]
    return "\n".join(line.rstrip() for line in lines)
