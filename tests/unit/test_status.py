"""`--status` output: the ledger rows as an aligned table or as JSON."""

import json

from services.status import STATUS_KEYS, StatusRow, render_json, render_table


def status_row(**fields: object) -> StatusRow:
    row: StatusRow = dict.fromkeys(STATUS_KEYS)
    row.update(fields)
    return row


LOADED = status_row(
    file_name="titles.csv", sha256="ab12", kind="job_titles", status="loaded", rows_loaded=1200, rows_rejected=3,
    seconds=1.234,
)  # fmt: skip
FAILED = status_row(file_name="bad.csv", status="quarantined", rows_loaded=0, rows_rejected=0, error="no header")


def test_an_empty_ledger_says_so() -> None:
    assert render_table([]) == "No files have been taken yet: drop one into the imports folder."


def test_the_table_aligns_its_columns_and_leaves_missing_values_blank() -> None:
    assert render_table([LOADED, FAILED]).splitlines() == [
        "file        kind        status       rows  rejected  seconds  error",
        "titles.csv  job_titles  loaded       1200  3         1.23",
        "bad.csv                 quarantined  0     0                  no header",
    ]


def test_line_breaks_and_runs_of_space_in_a_cell_are_collapsed() -> None:
    table = render_table([status_row(file_name="a.csv", error="line 3:\n  bad\tvalue\r\n")])
    assert table.splitlines()[1].endswith("line 3: bad value")
    assert len(table.splitlines()) == 2


def test_a_long_cell_is_cut_to_80_characters_with_an_ellipsis() -> None:
    table = render_table([status_row(file_name="a.csv", error="x" * 200)])
    last_cell = table.splitlines()[1].split()[-1]
    assert last_cell == "x" * 79 + "…"


def test_a_cell_of_exactly_80_characters_is_kept_whole() -> None:
    table = render_table([status_row(file_name="a.csv", error="y" * 80)])
    assert table.splitlines()[1].split()[-1] == "y" * 80


def test_the_json_is_a_list_of_objects_with_every_status_key() -> None:
    rows = [LOADED, status_row(file_name="données.csv", error='bad "quote"')]
    text = render_json(rows)
    assert json.loads(text) == rows
    assert "données.csv" in text
    assert all(list(row) == list(STATUS_KEYS) for row in json.loads(text))


def test_an_empty_ledger_is_an_empty_json_list() -> None:
    assert json.loads(render_json([])) == []


def test_a_part_of_a_container_shows_as_container_slash_part() -> None:
    rows = [status_row(file_name="case_study.db", part_name="agreement", kind="agreement")]
    assert render_table(rows).splitlines()[1].startswith("case_study.db/agreement  agreement")


def test_notes_show_as_key_value_pairs_when_a_row_has_them() -> None:
    rows = [status_row(file_name="portal.csv", kind="nem12", notes={"short_nmis": 2, "no_trailer": True}), LOADED]
    header, first, _ = render_table(rows).splitlines()
    assert header.split()[-1] == "notes"
    assert first.endswith("short_nmis=2 no_trailer=true")
    assert "notes" not in render_table([LOADED]).splitlines()[0]


def test_the_bundle_of_each_kind_gets_a_column_when_any_row_has_one() -> None:
    part = status_row(file_name="case_study.db", part_name="agreement", kind="smart_meter_agreements", status="loaded")
    part["bundle"] = "smart_meter"

    assert render_table([part, LOADED]).splitlines()[:2] == [
        "file                     kind                    status  rows  rejected  seconds  error  bundle",
        "case_study.db/agreement  smart_meter_agreements  loaded                                  smart_meter",
    ]
    assert "bundle" not in render_table([LOADED]).splitlines()[0]
