"""`--status`: the load ledger, newest first, as a table or as JSON; and the warehouse build, if one runs."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from models import FileLoad, LoadStatus
from services.column_matching import column_drift, mapped_columns, render_drift
from services.warehouse import BUILD_APPLICATION_NAME, PIPELINE_LOCK_KEY

STATUS_KEYS: Final = (
    "file_name", "part_name", "sha256", "kind", "status", "rows_loaded", "rows_rejected", "seconds", "error", "notes"
)  # fmt: skip
# Declared kinds also show how each file's columns drifted from the kind's previous file,
DRIFT_KEY: Final = "drift"
# and the bundle the kind belongs to (services/bundles.py), if any.
BUNDLE_KEY: Final = "bundle"
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

# A build holds the pipeline's advisory lock for its whole transaction: the lock is what says one runs.
# Postgres shows a bigint key as two 32-bit halves (classid, objid) with objsubid 1.
_RUNNING_BUILD: Final = """
    SELECT activity.pid, activity.application_name, extract(epoch FROM now() - activity.xact_start) AS seconds
    FROM pg_locks AS lock
    JOIN pg_stat_activity AS activity ON activity.pid = lock.pid
    WHERE lock.locktype = 'advisory' AND lock.granted AND lock.objsubid = 1
      AND lock.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND lock.classid::bigint = :high AND lock.objid::bigint = :low
"""


@dataclass(frozen=True)
class RunningBuild:
    """A `--pipeline` run in progress: its server process, how long it has run, and what it is doing."""

    pid: int
    seconds: float
    doing: str  # e.g. "job_titles file 3 step 060"; empty before its first step


async def fetch_running_build(engine: AsyncEngine) -> RunningBuild | None:
    """The warehouse build holding the pipeline lock now, if any."""
    high, low = PIPELINE_LOCK_KEY >> 32, PIPELINE_LOCK_KEY & 0xFFFFFFFF
    async with engine.connect() as conn:
        row = (await conn.execute(text(_RUNNING_BUILD), {"high": high, "low": low})).first()
    if row is None:
        return None
    doing = row.application_name.removeprefix(BUILD_APPLICATION_NAME).strip() if row.application_name else ""
    return RunningBuild(pid=row.pid, seconds=float(row.seconds or 0.0), doing=doing)


def render_running_build(build: RunningBuild) -> str:
    """One line for the table output: which build runs, for how long."""
    doing = f": {build.doing}" if build.doing else ""
    return f"pipeline running for {build.seconds:.0f} s (server pid {build.pid}){doing}"


async def fetch_status(engine: AsyncEngine, bundle_of: Mapping[str, str] | None = None) -> list[StatusRow]:
    """Every ledger row, newest first, with the keys of STATUS_KEYS, `drift` and `bundle` (kind -> `bundle_of`)."""
    columns = [getattr(FileLoad, key) for key in STATUS_KEYS]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(*columns, FileLoad.column_map).order_by(FileLoad.id))).all()
    maps = [row[-1] if isinstance(row[-1], dict) else None for row in rows]
    drifts = with_drift([(row.kind, row.status, column_map) for row, column_map in zip(rows, maps, strict=True)])
    bundles = bundle_of or {}
    status = [
        dict(zip(STATUS_KEYS, row[:-1], strict=True)) | {DRIFT_KEY: drift, BUNDLE_KEY: bundles.get(row.kind or "")}
        for row, drift in zip(rows, drifts, strict=True)
    ]
    return status[::-1]


def with_drift(rows: Sequence[tuple[str | None, str, dict[str, object] | None]]) -> list[str | None]:
    """For rows in load order (kind, status, column map): each loaded file's drift from its kind's previous file."""
    previous: dict[str, dict[str, str]] = {}
    drifts: list[str | None] = []
    for kind, status, column_map in rows:
        columns = mapped_columns(column_map)
        if kind is None or status != LoadStatus.LOADED or columns is None:
            drifts.append(None)
            continue
        drifts.append(render_drift(column_drift(previous.get(kind), columns)))
        previous[kind] = columns
    return drifts


def render_json(rows: Sequence[StatusRow]) -> str:
    """The rows as a JSON array of objects."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # notes: `short_nmis=2 no_trailer=true`
        return " ".join(f"{key}={str(item).lower() if isinstance(item, bool) else item}" for key, item in value.items())
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


def _shown_file(row: StatusRow) -> str:
    """A part of a container shows as `container/part` (a SQLite file's table, an archive's member)."""
    part = row.get("part_name")
    return f"{row['file_name']}/{part}" if part else str(row["file_name"])


def render_table(rows: Sequence[StatusRow]) -> str:
    """The rows as an aligned plain-text table (or a line saying the ledger is empty)."""
    if not rows:
        return "No files have been taken yet: drop one into the imports folder."
    shown_when_set = (("bundle", BUNDLE_KEY), ("notes", "notes"), ("drift", DRIFT_KEY))
    optional = [(title, key) for title, key in shown_when_set if any(row.get(key) for row in rows)]
    columns = [*_TABLE_COLUMNS, *optional]
    header = [title for title, _ in columns]
    body = [[_cell(_shown_file(row) if key == "file_name" else row.get(key)) for _, key in columns] for row in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in [header, *body]]
    return "\n".join(line.rstrip() for line in lines)
