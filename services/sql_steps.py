"""Running the numbered SQL files of `sql/<step>/`: their statements in order, the parameters each one binds,
and the transaction they run in (search_path, an advisory lock). Shared by the warehouse build, the analysis
views and the meter export."""

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlparse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.logfmt import log_event

logger = logging.getLogger(__name__)

_VIEW_FILE: Final = re.compile(r"^\d+_(?P<view>[a-z_][a-z0-9_]*)\.sql$")


@dataclass(frozen=True)
class Step:
    """One statement of a step file; a statement returning one row adds its columns to the summary."""

    file_name: str
    sql: str


def split_statements(sql_text: str) -> list[str]:
    """The statements of an SQL file without comments (quotes and dollar quotes respected)."""
    statements = (sqlparse.format(statement, strip_comments=True).strip() for statement in sqlparse.split(sql_text))
    return [statement.rstrip(";").strip() for statement in statements if statement.rstrip(";").strip()]


def bound_parameters(sql: str, available: dict[str, object]) -> dict[str, object]:
    """The parameters a statement uses (`:name`), so statements without any can still run."""
    return {name: value for name, value in available.items() if re.search(rf"(?<!:):{name}\b", sql)}


def load_steps(folder: Path) -> list[Step]:
    """Every statement of every `NNN_*.sql` file in `folder`, in file-name order."""
    return [
        Step(path.name, statement)
        for path in sorted(folder.glob("*.sql"))
        for statement in split_statements(path.read_text(encoding="utf-8"))
    ]


def view_name(file_name: str) -> str:
    """The view an analysis (or bundle view) file creates: `010_top_related_titles.sql` -> `top_related_titles`."""
    match = _VIEW_FILE.match(file_name)
    if match is None:
        raise ValueError(f"analysis SQL file {file_name!r} must be named NNN_<view name>.sql")
    return match["view"]


def copied_rows(status: str) -> int:
    """The row count of a COPY command's status (`COPY 42` -> 42)."""
    command, _, count = status.partition(" ")
    if command != "COPY" or not count.isdigit():
        raise ValueError(f"not the status of a COPY: {status!r}")
    return int(count)


def quoted_relation(conn: AsyncConnection, schema: str, name: str) -> str:
    """`schema.name`, each part quoted as an identifier."""
    preparer = conn.dialect.identifier_preparer
    return f"{preparer.quote_schema(schema)}.{preparer.quote(name)}"


async def copy_to_csv(conn: AsyncConnection, query: str, path: Path, *args: object) -> int:
    """COPY the query's rows into `path` as CSV with a header (the server writes them; nothing is held here);
    returns how many rows it wrote. `args` are the query's `$n` parameters."""
    raw = await driver_connection(conn)
    return copied_rows(await raw.copy_from_query(query, *args, output=path, format="csv", header=True))


async def first_rows(
    conn: AsyncConnection, relation: str, limit: int
) -> tuple[tuple[str, ...], tuple[tuple[object, ...], ...]]:
    """The relation's columns and its first `limit` rows."""
    shown = await conn.execute(text(f"SELECT * FROM {relation} LIMIT :limit"), {"limit": limit})
    return tuple(shown.keys()), tuple(tuple(row) for row in shown)


def search_path_sql(conn: AsyncConnection, *schemas: str) -> str:
    """`SET LOCAL search_path` for the given schemas, each quoted as an identifier."""
    preparer = conn.dialect.identifier_preparer
    return "SET LOCAL search_path TO " + ", ".join(preparer.quote_schema(schema) for schema in schemas)


async def take_lock(conn: AsyncConnection, key: int, what: str) -> None:
    """Hold a transaction-level lock; if another run holds it, say so and wait for it."""
    if (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})).scalar_one():
        return
    log_event(logger, "waiting_for_lock", what=what, note="another run is in progress; this one waits for it")
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
