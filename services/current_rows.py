"""Keys that replace: the warehouse steps that keep `current_<kind>` for a declared kind with `replace_by_key`.

Staging keeps every file's rows as delivered. For each new file of the kind, `--pipeline` upserts its rows
into the current table by the declared key, so the same readings delivered again (a resend, the same data
pretty-printed) replace the earlier rows instead of adding to them, and the cost follows the new file.
The newest file wins: a row is replaced only by a row of a file loaded after it, so the result does not
depend on the order files are built in. With `snapshot = true` each file lists every row its sender still
has, so the keys it no longer lists are removed. Inside one file a key is unique already (the first row of
a key wins; services/importers/key_guard.py).

Pure: the SQL is generated from the declaration, whose names are validated identifiers, each quoted here;
tables are found through the search path (warehouse schema, then staging), as in every step.
"""

from typing import Final

from models.declared import CURRENT_TABLE_PREFIX, EXTRA_COLUMN, LINEAGE_COLUMNS, PARTNER_COLUMN
from services.declarations import KindDeclaration
from services.sql_steps import Step

MERGE_STEP: Final = "000_merge_current_rows (generated)"
REMOVE_STEP: Final = "001_remove_unlisted_rows (generated)"
RECORD_STEP: Final = "999_record_built_file (generated)"
RESET_STEP: Final = "000_empty_current_rows (generated)"


def quoted(name: str) -> str:
    """An identifier in double quotes (names here are validated identifiers; quotes doubled all the same)."""
    return '"' + name.replace('"', '""') + '"'


def current_table_name(kind: str) -> str:
    """The table of a kind's current rows."""
    return CURRENT_TABLE_PREFIX + kind


def merge_sql(declaration: KindDeclaration) -> str:
    """Upsert one file's staged rows into the current table by key; counts the rows added and replaced."""
    partner = [PARTNER_COLUMN] if declaration.snapshot else []  # a snapshot kind's table says whose list a row is
    columns = [*LINEAGE_COLUMNS, *partner, *(column.name for column in declaration.columns), EXTRA_COLUMN]
    listed = ", ".join(map(quoted, columns))
    key = ", ".join(map(quoted, declaration.key))
    updates = ", ".join(f"{quoted(name)} = excluded.{quoted(name)}" for name in columns if name not in declaration.key)
    # DISTINCT ON: the loader keeps a key unique within a file already; should a duplicate ever reach staging, the
    # first row still wins here rather than failing the whole build ("cannot affect row a second time").
    return (
        "WITH merged AS (\n"
        f"    INSERT INTO {quoted(current_table_name(declaration.kind))} AS target ({listed})\n"
        f"    SELECT DISTINCT ON ({key}) {listed} FROM {quoted(declaration.kind)} WHERE file_id = :file_id\n"
        f"    ORDER BY {key}, line_no\n"
        f"    ON CONFLICT ({key}) DO UPDATE SET {updates}\n"
        "    WHERE target.file_id < excluded.file_id\n"
        "    RETURNING (xmax = 0) AS is_new\n"
        ")\n"
        "SELECT count(*) FILTER (WHERE is_new) AS current_rows_added,\n"
        "       count(*) FILTER (WHERE NOT is_new) AS current_rows_replaced\n"
        "FROM merged"
    )


def remove_unlisted_sql(declaration: KindDeclaration) -> str:
    """For a snapshot kind: remove the current rows of earlier files of the same sender (partner) whose key this
    file no longer lists; another partner's rows are not this file's to remove."""
    return (
        f"WITH removed AS (DELETE FROM {quoted(current_table_name(declaration.kind))} AS current\n"
        "    WHERE current.file_id < :file_id\n"
        f"      AND current.{quoted(PARTNER_COLUMN)} IS NOT DISTINCT FROM\n"
        "          (SELECT column_map ->> 'partner' FROM file_loads WHERE id = :file_id)\n"
        "    RETURNING 1)\n"
        "SELECT count(*) AS current_rows_removed FROM removed"
    )


def record_sql(kind: str) -> str:
    """Mark the file as built (so the next run skips it), with the rows it staged."""
    return (
        "INSERT INTO pipeline_files (file_id, kind, rows_in, rows_left_out)\n"
        f"SELECT :file_id, :kind, count(*), 0 FROM {quoted(kind)} WHERE file_id = :file_id"
    )


def current_row_steps(declaration: KindDeclaration) -> list[Step]:
    """The steps that keep a kind's current rows (none for a kind without replace_by_key)."""
    if not declaration.replace_by_key:
        return []
    steps = [Step(MERGE_STEP, merge_sql(declaration))]
    if declaration.snapshot:
        steps.append(Step(REMOVE_STEP, remove_unlisted_sql(declaration)))
    return steps


def current_row_reset(declaration: KindDeclaration) -> list[Step]:
    """What empties a kind's current rows before it is built again from all its files (after a --reload)."""
    if not declaration.replace_by_key:
        return []
    return [Step(RESET_STEP, f"DELETE FROM {quoted(current_table_name(declaration.kind))}")]


def record_step(kind: str) -> Step:
    """The last step of a kind built without a folder of its own in sql/warehouse/."""
    return Step(RECORD_STEP, record_sql(kind))
