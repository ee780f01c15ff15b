"""The generated warehouse steps that keep a kind's current rows: what they say, for which kinds."""

from services.current_rows import MERGE_STEP, RECORD_STEP, REMOVE_STEP, current_row_steps, merge_sql, record_step
from services.declarations import parse_declaration

READINGS = """
kind = "readings"
formats = ["json"]
key = ["meter", "start"]
replace_by_key = true

[[columns]]
name = "meter"
type = "text"
required = true

[[columns]]
name = "start"
type = "timestamp"
required = true

[[columns]]
name = "kwh"
type = "decimal"
"""


def test_a_kind_whose_key_replaces_merges_each_file_by_key_and_only_a_later_file_replaces() -> None:
    sql = merge_sql(parse_declaration(READINGS, "readings.toml"))

    assert 'INSERT INTO "current_readings" AS target ("file_id", "line_no", "source_table", "meter"' in sql
    assert 'SELECT DISTINCT ON ("meter", "start") "file_id"' in sql and 'ORDER BY "meter", "start", line_no' in sql
    assert 'FROM "readings" WHERE file_id = :file_id' in sql
    assert 'ON CONFLICT ("meter", "start") DO UPDATE SET "file_id" = excluded."file_id"' in sql
    assert '"meter" = excluded' not in sql  # the key itself is never updated
    assert "WHERE target.file_id < excluded.file_id" in sql


def test_a_snapshot_also_removes_the_keys_it_no_longer_lists_and_a_plain_kind_has_no_steps() -> None:
    plain = parse_declaration(READINGS, "readings.toml")
    snapshot = parse_declaration(
        READINGS.replace("replace_by_key = true", "replace_by_key = true\nsnapshot = true"), "r"
    )
    appending = parse_declaration(READINGS.replace("replace_by_key = true", ""), "r")

    assert [step.file_name for step in current_row_steps(plain)] == [MERGE_STEP]
    assert [step.file_name for step in current_row_steps(snapshot)] == [MERGE_STEP, REMOVE_STEP]
    assert current_row_steps(appending) == []
    assert record_step("readings").file_name == RECORD_STEP and ":kind" in record_step("readings").sql
