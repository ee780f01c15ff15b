"""SQLite database files: each table whose columns satisfy a declared kind loads as that kind.

Recognised by the SQLite magic bytes (services/importers/containers.py). Each table loads as a part
of the file with a ledger row of its own; other tables are listed in the log; a file with no table
that any declared kind takes is quarantined. The database is opened read-only and immutable, so
nothing is ever written to a dropped file.
"""

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import BadFileError
from core.logfmt import log_event
from services.declarations import KindDeclaration
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.declared import claims, match_read_columns, missing_required, stage_records
from services.importers.records import SourceRecord

logger = logging.getLogger(__name__)

CONTAINER_KIND: Final = "sqlite"  # the ledger kind of a SQLite file; its tables are parts with kinds of their own


@dataclass(frozen=True)
class TablePlan:
    """A table of the file and the declared kind it loads as."""

    table: str
    columns: tuple[str, ...]
    declaration: KindDeclaration


def plan_tables(tables: dict[str, list[str]], declarations: tuple[KindDeclaration, ...]) -> list[TablePlan]:
    """Which tables load as which kind: of the kinds whose required columns a table has, the one with the most
    of its columns (the first in declaration order of equals)."""
    plans = []
    for table, columns in sorted(tables.items()):
        fits = []
        for declaration in declarations:
            if not missing_required(declaration, columns) and claims(declaration, columns):
                fits.append((len(match_read_columns(declaration, columns).positions), declaration))
        if fits:  # max() keeps the first of equals
            plans.append(TablePlan(table, tuple(columns), max(fits, key=lambda fit: fit[0])[1]))
    return plans


def _connect(path: Path) -> "closing[sqlite3.Connection]":
    """A read-only connection that is closed when the block ends (sqlite3's own context manager only commits)."""
    return closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True))


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


class SqliteTableImporter:
    """Loads one table of a SQLite file into the staging table of the declared kind it satisfies."""

    def __init__(self, plan: TablePlan) -> None:
        self.plan = plan

    @property
    def kind(self) -> str:
        """The declared kind the table loads as."""
        return self.plan.declaration.kind

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Never chosen by content: a SQLite file is planned table by table (services/importers/containers.py)."""
        return False

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the table's rows into the kind's staging table inside the caller's transaction."""
        with job.source.local_path() as path:
            staged = await stage_records(
                conn, job, self.plan.declaration, lambda: table_records(path, self.plan), self.plan.table
            )
        return LoadResult(
            staged.counts.rows,
            staged.counts.rejected,
            encoding="sqlite",
            first_rejects=staged.counts.first_rejects,
            column_map=staged.column_map | {"table": self.plan.table},
            notes=staged.notes,
            staged_into=self.plan.declaration.table,
        )


def table_importers(path: Path, declarations: Sequence[KindDeclaration]) -> list[SqliteTableImporter]:
    """One importer per table that a declared kind takes; BadFileError when none does (blocking: reads the file)."""
    tables = read_tables(path)
    plans = plan_tables(tables, tuple(declarations))
    ignored = sorted(set(tables) - {plan.table for plan in plans})
    if ignored:
        log_event(logger, "sqlite_tables_ignored", file=path.name, tables=",".join(ignored))
    if not plans:
        kinds = ", ".join(d.kind for d in declarations) or "none"
        raise BadFileError(
            f"no table in this SQLite file matches a declared kind (tables: {', '.join(sorted(tables)) or 'none'}; "
            f"kinds that take SQLite: {kinds})"
        )
    return [SqliteTableImporter(plan) for plan in plans]
