"""One row per key inside a file: the first row of a declared key wins, later ones are rejected naming its line.

While the file streams, the first `MAX_KEYS_IN_MEMORY` keys are remembered and their repeats rejected as they
are read, with their text. Past that many keys, new keys are no longer remembered, so memory stays bounded
whatever the file's size (a key costs about 250 bytes: 1.2M keys took 285 MB). Such a file gets one more pass
once it is staged, in the same transaction: the later rows of every key still repeated among its staged rows
are deleted and recorded as rejects, so the rule and the result are the same for a file of any size.
"""

from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.declarations import KindDeclaration
from services.excerpts import MAX_REJECT_CHARS
from services.importers.base import Reject
from services.importers.copying import KEPT_REJECTS, CopyCounts, CopyTarget
from services.sql_steps import quoted_relation

MAX_KEYS_IN_MEMORY: Final = 100_000
REASON_END: Final = "; the first row of a key wins"


@dataclass
class KeyGuard:
    """Rejects a row whose key an earlier row of the file had; `finish` settles what memory could not."""

    declaration: KindDeclaration
    first_line: dict[tuple[object, ...], int] = field(default_factory=dict)
    is_over: bool = False  # more keys than remembered: `finish` looks at the staged rows

    def check(self, line_no: int, values: dict[str, object]) -> Reject | None:
        """None for the first row of its key (or a key not remembered), else the Reject for this row."""
        if not self.declaration.key:
            return None
        key = tuple(values[name] for name in self.declaration.key)
        first = self.first_line.get(key)
        if first is None:
            if len(self.first_line) < MAX_KEYS_IN_MEMORY:
                self.first_line[key] = line_no
            else:
                self.is_over = True
            return None
        shown = ", ".join(f"{name} {_literal(value)}" for name, value in zip(self.declaration.key, key, strict=True))
        return Reject(line_no, "", f"{shown} was already on line {first}{REASON_END}")

    async def finish(self, conn: AsyncConnection, target: CopyTarget, file_id: int, counts: CopyCounts) -> CopyCounts:
        """The counts once the file's staged rows hold one row per key (in the caller's transaction)."""
        if not self.is_over:
            return counts
        result = await conn.execute(
            text(_remove_repeats_sql(conn, target, self.declaration.key)),
            {"file_id": file_id, "key_names": list(self.declaration.key), "max_chars": MAX_REJECT_CHARS},
        )
        removed = result.all()
        repeats = removed[0].repeats if removed else 0
        first = sorted(
            (*counts.first_rejects, *(Reject(row.line_no, row.raw_text, row.reason) for row in removed)),
            key=lambda reject: reject.line_no,
        )
        return CopyCounts(counts.rows - repeats, counts.rejected + repeats, tuple(first[:KEPT_REJECTS]))


def _literal(value: object) -> str:
    """A key value as Postgres' format('%L') shows it, so both passes word a repeat alike."""
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _remove_repeats_sql(conn: AsyncConnection, target: CopyTarget, key: tuple[str, ...]) -> str:
    """Delete the later rows of each key among a file's staged rows, record them in rejected_rows, and return
    the first few with the number of all. Names are the declaration's validated identifiers, each quoted."""
    table = quoted_relation(conn, target.schema, target.table)
    rejects = quoted_relation(conn, target.schema, "rejected_rows")
    columns = [conn.dialect.identifier_preparer.quote(column) for column in key]
    return f"""
WITH ranked AS (
    SELECT line_no, first_value(line_no) OVER per_key AS first_line, row_number() OVER per_key AS nth,
           ARRAY[{", ".join(f"{column}::text" for column in columns)}] AS key_values
    FROM {table}
    WHERE file_id = :file_id
    WINDOW per_key AS (PARTITION BY {", ".join(columns)} ORDER BY line_no)
), removed AS (
    DELETE FROM {table} AS staged
    USING ranked
    WHERE ranked.nth > 1 AND staged.file_id = :file_id AND staged.line_no = ranked.line_no
    RETURNING staged.line_no, ranked.first_line, ranked.key_values,
              left((to_jsonb(staged) - 'file_id' - 'line_no' - 'source_table')::text, :max_chars) AS raw_text
), described AS (
    SELECT line_no, raw_text,
           (SELECT string_agg(format('%s %L', name, value), ', ' ORDER BY position)
            FROM unnest(CAST(:key_names AS text[]), key_values) WITH ORDINALITY AS keys (name, value, position))
           || format(' was already on line %s', first_line) || '{REASON_END}' AS reason
    FROM removed
), recorded AS (
    INSERT INTO {rejects} (file_id, line_no, raw_text, reason)
    SELECT :file_id, line_no, raw_text, reason FROM described
)
SELECT line_no, raw_text, reason, count(*) OVER () AS repeats
FROM described
ORDER BY line_no
LIMIT {KEPT_REJECTS}
"""
