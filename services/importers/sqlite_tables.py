"""SQLite database files: each table whose columns satisfy a declared kind loads as that kind.

Recognised by the SQLite magic bytes. Other tables are listed in the log; a file with no table
that any declared kind takes is quarantined. The database is opened read-only and immutable, so
nothing is ever written to a dropped file.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from core.logfmt import log_event
from services.column_matching import match_columns
from services.declarations import KindDeclaration
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, copy_rows
from services.importers.declared import FieldMap, WarningCounter, claims_match, copy_columns, mapped_lines
from services.importers.records import SQLITE_MAGIC, SourceRecord

logger = logging.getLogger(__name__)

KIND: Final = "sqlite"


@dataclass(frozen=True)
class TablePlan:
    """A table of the file and the declared kind it loads as."""

    table: str
    columns: tuple[str, ...]
    declaration: KindDeclaration


def plan_tables(tables: dict[str, list[str]], declarations: tuple[KindDeclaration, ...]) -> list[TablePlan]:
    """Which tables load as which kind: the first kind (in declaration order) whose required columns they have."""
    plans = []
    for table, columns in sorted(tables.items()):
        for declaration in declarations:
            matched = match_columns(columns, declaration.columns)
            if not matched.missing_required and claims_match(declaration, matched):
                plans.append(TablePlan(table, tuple(columns), declaration))
                break
    return plans


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def read_tables(path: Path) -> dict[str, list[str]]:
    """Every user table of the file and its column names."""
    try:
        with _connect(path) as db:
            names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {
                name: [column[1] for column in db.execute("SELECT * FROM pragma_table_info(?)", (name,))]
                for name in names
                if not name.startswith("sqlite_")
            }
    except sqlite3.DatabaseError as exc:
        raise BadFileError("the SQLite database cannot be read: it is damaged or not whole", detail=str(exc)) from exc


def table_records(path: Path, plan: TablePlan) -> Iterator[SourceRecord | Reject]:
    """The table's rows as records numbered 1, 2, … in rowid order (streamed with a cursor)."""
    quoted = '"' + plan.table.replace('"', '""') + '"'
    with _connect(path) as db:
        cursor = db.execute(f"SELECT * FROM {quoted}")  # the table name is quoted as an identifier
        for position, row in enumerate(cursor, start=1):
            yield (position, dict(zip(plan.columns, row, strict=True)))


class SqliteImporter:
    """Loads the tables of a dropped SQLite file that declared kinds take."""

    kind: Final = KIND

    def __init__(self, declarations: tuple[KindDeclaration, ...]) -> None:
        self.declarations = tuple(d for d in declarations if "sqlite" in d.formats)

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by the SQLite magic bytes, whatever the file is called."""
        return head.startswith(SQLITE_MAGIC)

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Load every table that a declared kind takes, each into that kind's staging table."""
        tables = await asyncio.to_thread(read_tables, job.path)
        plans = plan_tables(tables, self.declarations)
        ignored = sorted(set(tables) - {plan.table for plan in plans})
        if ignored:
            log_event(logger, "sqlite_tables_ignored", file=job.path.name, tables=",".join(ignored))
        if not plans:
            kinds = ", ".join(d.kind for d in self.declarations) or "none"
            raise BadFileError(
                f"no table in this SQLite file matches a declared kind (tables: {', '.join(sorted(tables)) or 'none'};"
                f" kinds that take SQLite: {kinds})"
            )
        results = [await self._load_table(conn, job, plan) for plan in plans]
        return _combined(results, plans)

    async def _load_table(self, conn: AsyncConnection, job: LoadJob, plan: TablePlan) -> LoadResult:
        field_map = FieldMap(plan.declaration)
        warnings = WarningCounter()
        target = CopyTarget(job.staging_schema, plan.declaration.kind, copy_columns(plan.declaration))

        def rows() -> Iterator[str | Reject]:
            yield from mapped_lines(job.file_id, plan.table, field_map, table_records(job.path, plan), warnings)

        copier = await driver_connection(conn)
        counts = await copy_rows(
            copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
        )
        column_map = field_map.as_record() | {"table": plan.table}
        return LoadResult(
            counts.rows,
            counts.rejected,
            first_rejects=counts.first_rejects,
            column_map=column_map,
            notes=warnings.notes(),
        )


def _combined(results: list[LoadResult], plans: list[TablePlan]) -> LoadResult:
    kinds = sorted({plan.declaration.kind for plan in plans})
    return LoadResult(
        rows_loaded=sum(r.rows_loaded for r in results),
        rows_rejected=sum(r.rows_rejected for r in results),
        encoding="sqlite",
        first_rejects=tuple(reject for r in results for reject in r.first_rejects)[:5],
        kind="+".join(kinds),
        column_map=results[0].column_map if len(results) == 1 else {"tables": [r.column_map for r in results]},
        notes={"tables": ",".join(plan.table for plan in plans)},
    )
