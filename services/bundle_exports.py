"""`--analysis` for bundles: create each bundle's views (each after the views it reads) and export them as the
bundle declares: CSV (as the other exports: written by the server with COPY) or JSON, into one file or one file
per value of the columns its file template names (`stats_{year}.json`).

JSON is an array with one object per row, keys in the view's column order, written by the server
(`row_to_json`): numbers stay numbers (numeric exactly as stored), null is null, dates and timestamps are ISO
8601 strings. Rows stream through in bounded memory. Each file is written to a temporary name and, once every
export is written and the transaction has committed, renamed into place only when its content changed, so a
re-run after one more race rewrites that season's file and leaves the others (and their times) alone.
"""

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import sqlstate_of
from core.errors import ConfigError
from core.files import replaced_if_changed
from services.bundles import BundleView
from services.report import MAX_BARS, ViewResult
from services.sql_steps import copy_to_csv, first_rows, quoted_relation

logger = logging.getLogger(__name__)

ROWS_PER_FETCH: Final = 1000
# A temporary table per split view (dropped at commit): the view's rows numbered in view order, with their file.
_GROUPED: Final = "export_rows_{number}"
_FILE_NUMBER: Final = "__export_file"
_ROW_NUMBER: Final = "__export_row"
# CREATE OR REPLACE VIEW cannot drop, rename or retype a view's columns; the view is then dropped and made anew.
_CHANGED_VIEW_COLUMNS: Final = frozenset({"42P16", "42804"})


@dataclass
class ExportRun:
    """What the bundle exports of one `--analysis` run wrote, and where (to refuse two views writing one file)."""

    folder: Path
    renames: ExitStack
    changed: set[Path] = field(default_factory=set)
    written: list[Path] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    split_views: int = 0

    def target(self, name: str, view: BundleView) -> Path:
        """The temporary path to write `name` to; ConfigError when another export writes that name too."""
        if name in self.taken:
            raise ConfigError(f"{view.source}: export file {name} is also written by another view or export")
        self.taken.add(name)
        self.written.append(self.folder / name)
        return self.renames.enter_context(replaced_if_changed(self.folder / name, self.changed))


# The views that depend on a view, directly or through others (what DROP VIEW … CASCADE would drop).
_DEPENDENT_VIEWS: Final = """
WITH RECURSIVE dependent (oid) AS (
    SELECT rewrite.ev_class FROM pg_depend AS depend JOIN pg_rewrite AS rewrite ON rewrite.oid = depend.objid
    WHERE depend.refobjid = CAST(:view AS regclass) AND rewrite.ev_class <> depend.refobjid
    UNION
    SELECT rewrite.ev_class FROM dependent
    JOIN pg_depend AS depend ON depend.refobjid = dependent.oid
    JOIN pg_rewrite AS rewrite ON rewrite.oid = depend.objid
    WHERE rewrite.ev_class <> depend.refobjid
)
SELECT DISTINCT CAST(CAST(oid AS regclass) AS text) AS name FROM dependent
"""


async def create_view(conn: AsyncConnection, view: BundleView, remade: set[str]) -> None:
    """CREATE OR REPLACE the view in the current schema. A view whose columns changed is dropped and made anew,
    with the views that read it when all of them are in `remade` (made again after it); ConfigError otherwise."""
    name = conn.dialect.identifier_preparer.quote(view.name)
    try:  # the query goes to the server as written (no `:name` parameters are looked for in it)
        async with conn.begin_nested():
            await conn.exec_driver_sql(f"CREATE OR REPLACE VIEW {name} AS {view.query}")
        return
    except DBAPIError as exc:
        if sqlstate_of(exc) not in _CHANGED_VIEW_COLUMNS:
            raise
    dependents = set((await conn.execute(text(_DEPENDENT_VIEWS), {"view": name})).scalars())
    if foreign := sorted(dependents - remade):
        raise ConfigError(
            f"{view.source}: the view's columns changed, and {', '.join(foreign)} (not a view of a bundle that is on) "
            "reads it; drop or change that view first"
        )
    await conn.exec_driver_sql(f"DROP VIEW {name} CASCADE")  # only views that are made again below
    await conn.exec_driver_sql(f"CREATE VIEW {name} AS {view.query}")


async def export_bundle_view(conn: AsyncConnection, schema: str, view: BundleView, run: ExportRun) -> ViewResult:
    """Export one view as its bundle declares; returns its first rows (for the report) and its row count."""
    relation = quoted_relation(conn, schema, view.name)
    columns, rows = await first_rows(conn, relation, MAX_BARS)
    template = view.file
    if missing := [column for column in template.columns if column not in columns]:
        raise ConfigError(f"{view.source}: the view has no column {', '.join(missing)} named in file {template.text}")
    if template.is_split:
        count = await _export_groups(conn, relation, columns, view, run)
    else:
        count = await _export_whole(conn, relation, view, run.target(template.text, view))
    return ViewResult(view.name, columns, rows, row_count=count)


async def _export_whole(conn: AsyncConnection, relation: str, view: BundleView, path: Path) -> int:
    if view.manifest.format == "json":
        return await _write_json(conn, f"SELECT row_to_json(v)::text FROM {relation} AS v", {}, path)
    return await copy_to_csv(conn, f"SELECT * FROM {relation}", path)


async def _export_groups(
    conn: AsyncConnection, relation: str, columns: tuple[str, ...], view: BundleView, run: ExportRun
) -> int:
    """One file per value of the template's columns, each with the other columns, rows in the view's order."""
    quote = conn.dialect.identifier_preparer.quote
    keys = [quote(column) for column in view.file.columns]
    run.split_views += 1
    grouped = _GROUPED.format(number=run.split_views)
    await conn.execute(
        text(
            f"CREATE TEMP TABLE {grouped} ON COMMIT DROP AS "
            f"SELECT dense_rank() OVER (ORDER BY {', '.join(keys)}) AS {_FILE_NUMBER}, numbered.* "
            f"FROM (SELECT row_number() OVER () AS {_ROW_NUMBER}, v.* FROM {relation} AS v) AS numbered"
        )
    )
    await conn.execute(text(f"CREATE INDEX ON {grouped} ({_FILE_NUMBER}, {_ROW_NUMBER})"))
    text_keys = ", ".join(f"{key}::text" for key in keys)
    groups = await conn.execute(
        text(f"SELECT {_FILE_NUMBER}, {text_keys} FROM {grouped} GROUP BY 1, {text_keys} ORDER BY 1")
    )
    content = [quote(column) for column in columns if column not in view.file.columns]
    count = 0
    for number, *values in groups.all():
        try:
            name = view.file.render(dict(zip(view.file.columns, values, strict=True)))
        except ValueError as exc:
            raise ConfigError(f"{view.source}: {exc}") from exc
        count += await _write_group(conn, grouped, int(number), content, view, run.target(name, view))
    return count


async def _write_group(
    conn: AsyncConnection, grouped: str, number: int, content: list[str], view: BundleView, path: Path
) -> int:
    where = f"WHERE e.{_FILE_NUMBER} = $1 ORDER BY e.{_ROW_NUMBER}"
    if view.manifest.format == "json":
        lateral = ", ".join(f"e.{column}" for column in content)
        query = f"SELECT row_to_json(r)::text FROM {grouped} AS e CROSS JOIN LATERAL (SELECT {lateral}) AS r "
        return await _write_json(conn, query + where.replace("$1", ":number"), {"number": number}, path)
    query = f"SELECT {', '.join(f'e.{column}' for column in content)} FROM {grouped} AS e {where}"
    return await copy_to_csv(conn, query, path, number)


async def _write_json(conn: AsyncConnection, query: str, parameters: dict[str, object], path: Path) -> int:
    """A JSON array of the query's one column of JSON objects, one per line, streamed into `path`."""
    result = await conn.stream(text(query), parameters)
    count = 0
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as stream:  # noqa: ASYNC230 - a one-shot command
            stream.write("[")
            async for partition in result.partitions(ROWS_PER_FETCH):
                for (document,) in partition:
                    stream.write(",\n" if count else "\n")
                    stream.write(document)
                    count += 1
            stream.write("\n]\n" if count else "]\n")
    finally:
        await result.close()  # the server-side cursor, so the temporary table can be dropped
    return count
