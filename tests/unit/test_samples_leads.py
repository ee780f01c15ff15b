"""tests/support/samples/lead_series.py builds weekly lead snapshots whose truth follows the change-capture rules,
and tests/support/samples/leads.py writes them, messily spelled, in formats that read back to the same raw values."""

import csv
import gzip
import io
import json
import re
import sqlite3
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Final

import pytest

from services import column_matching, column_types
from tests.support.samples.lead_series import COLUMNS, LeadSeries, Week, generate_leads, layout_for
from tests.support.samples.leads import (
    FLATTENED_ADDRESS_KEYS,
    FORMATS,
    Format,
    json_record,
    main,
    raw_rows,
    week_file_name,
    write_csv,
    write_json,
    write_ndjson,
    write_sqlite,
)

DECLARATION: Final = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "services" / "kinds" / "leads.toml").read_text(encoding="utf-8")
)
TYPES: Final[dict[str, str]] = {column["name"]: column["type"] for column in DECLARATION["columns"]}
STATE_CODES: Final = {
    "massachusetts": "MA", "rhode island": "RI", "connecticut": "CT", "new jersey": "NJ", "maine": "ME",
    "vermont": "VT", "new hampshire": "NH", "new york": "NY", "california": "CA", "texas": "TX",
    "illinois": "IL", "washington": "WA", "colorado": "CO", "utah": "UT", "north carolina": "NC",
}  # fmt: skip
SEEDS: Final = (0, 1, 7, 2026)


@cache
def series(seed: int = 7, leads: int = 60, weeks: int = 3) -> LeadSeries:
    return generate_leads(leads, weeks=weeks, seed=seed)


def header_key(name: str) -> str:
    """Local reference for services.column_matching.header_key: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", name).casefold())


REFERENCE_RULES: Final[dict[str, Callable[[str], object]]] = {
    "email": str.lower,
    "phone": lambda text: "+1" + re.sub(r"\D", "", text)[-10:],
    "us_state": lambda text: text.upper() if len(text) == 2 else STATE_CODES[text.lower()],
    "zip": lambda text: text.split("-")[0].zfill(5)[:5],
    "integer": lambda text: int(float(text.replace(",", ""))),
    "date": lambda text: datetime.strptime(text, "%Y-%m-%d" if "-" in text else "%m/%d/%Y").date(),
}


def reference_standardise(type_name: str, raw: str) -> object:
    """A small local reference of the standardising rules, for the spellings this generator writes."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    return REFERENCE_RULES.get(type_name, str)(text) if text else None


def cells_by_id(week: Week) -> dict[str, dict[str, str]]:
    """The first written row of each lead_id, as canonical column -> raw cell."""
    rows: dict[str, dict[str, str]] = {}
    for cells in raw_rows(week):
        named = {column: cell for column, cell in zip(week.layout.columns, cells, strict=True) if column}
        rows.setdefault(named["lead_id"], named)
    return rows


def ids(week: Week) -> set[str]:
    return {lead.lead_id for lead in week.leads}


def without_capacity(week: Week) -> dict[str, object]:
    return {lead.lead_id: replace(lead, capacity=None) for lead in week.leads}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("leads", [1, 5, 60])
def test_each_week_splits_its_distinct_leads_into_new_changed_and_unchanged(seed: int, leads: int) -> None:
    previous: set[str] = set()
    for week in generate_leads(leads, weeks=5, seed=seed).weeks:
        truth = week.truth
        assert len(ids(week)) == len(week.leads)
        assert truth.new | truth.changed | truth.unchanged == ids(week)
        assert len(truth.new) + len(truth.changed) + len(truth.unchanged) == len(week.leads)
        assert truth.new == ids(week) - previous
        assert truth.removed == previous - ids(week)
        previous = ids(week)


@pytest.mark.parametrize("seed", SEEDS)
def test_changed_means_a_column_the_file_carries_differs_from_what_is_known(seed: int) -> None:
    generated = generate_leads(60, weeks=6, seed=seed)
    known: dict[str, dict[str, object]] = {}
    for week in generated.weeks:
        carried = [column for column in week.layout.columns if column and column != "lead_id"]
        changed: set[str] = set()
        for lead in week.leads:
            values = {column: getattr(lead, column) for column in carried}
            before = known.setdefault(lead.lead_id, dict(values))
            if any(before.get(column) != value for column, value in values.items()):
                changed.add(lead.lead_id)
            before.update(values)
        known = {lead_id: values for lead_id, values in known.items() if lead_id in ids(week)}
        assert week.truth.changed == changed
    current = {lead.lead_id: {c: getattr(lead, c) for c in COLUMNS[1:]} for lead in generated.current}
    assert current == {lead_id: {c: values.get(c) for c in COLUMNS[1:]} for lead_id, values in known.items()}


def test_the_week_without_capacity_has_no_capacity_only_changes() -> None:
    week1, week2, _ = series(seed=0, leads=200).weeks
    assert week1.layout.has("capacity")
    assert not week2.layout.has("capacity")
    before = {lead.lead_id: lead for lead in week1.leads}
    hidden = {lead.lead_id for lead in week2.leads if before.get(lead.lead_id, lead).capacity != lead.capacity}
    assert hidden, "the partner should change some capacities while the column is missing"
    assert hidden <= week2.truth.unchanged
    others = without_capacity(week1)
    assert week2.truth.changed == {i for i, lead in without_capacity(week2).items() if others.get(i, lead) != lead}


@pytest.mark.parametrize("seed", SEEDS)
def test_capacity_coming_back_changes_exactly_the_leads_whose_capacity_is_new_or_different(seed: int) -> None:
    week1, week2, week3 = series(seed=seed, leads=200).weeks
    first_known = {lead.lead_id: lead.capacity for lead in week1.leads}
    others_before = without_capacity(week2)
    other_changes = {i for i, lead in without_capacity(week3).items() if others_before.get(i, lead) != lead}
    capacity_changes = {
        lead.lead_id
        for lead in week3.leads
        if lead.lead_id in others_before and lead.capacity != first_known.get(lead.lead_id)
    }
    first_seen_in_week2 = week2.truth.new & ids(week3)
    assert first_seen_in_week2 and first_seen_in_week2 <= capacity_changes
    assert capacity_changes - first_seen_in_week2, "some capacities changed while the column was missing"
    assert capacity_changes - other_changes, "some leads change by capacity alone"
    assert week3.truth.changed == other_changes | capacity_changes


def test_the_duplicate_row_is_written_but_takes_no_part_in_the_truth(tmp_path: Path) -> None:
    generated = series()
    current = {lead.lead_id: lead for lead in generated.current}
    for week in generated.weeks:
        write_csv(tmp_path / "week.csv", week)
        with open(tmp_path / "week.csv", encoding="utf-8", newline="") as stream:
            key_at = week.layout.columns.index("lead_id")
            written = [row[key_at] for row in list(csv.reader(stream))[1:]]
        duplicate_id = week.duplicate.lead_id
        assert [lead_id for lead_id, count in Counter(written).items() if count > 1] == [duplicate_id]
        assert written.index(duplicate_id) < week.duplicate_at == len(written) - written[::-1].index(duplicate_id) - 1
        original = next(lead for lead in week.leads if lead.lead_id == duplicate_id)
        assert (original.company, original.email, original.phone) != (
            week.duplicate.company, week.duplicate.email, week.duplicate.phone,
        )  # fmt: skip
        assert len(week.leads) == len(week.rows) - 1 == len(set(written))
    last = generated.weeks[-1]
    if last.duplicate.lead_id in current:
        assert current[last.duplicate.lead_id].email != last.duplicate.email


@pytest.mark.parametrize("weeks", [1, 2, 3, 4])
def test_new_leads_are_the_leads_first_seen_in_the_last_week_as_they_load(weeks: int) -> None:
    generated = generate_leads(40, weeks=weeks, seed=3)
    last = generated.weeks[-1]
    partner = {lead.lead_id: lead for lead in last.leads}
    assert {lead.lead_id for lead in generated.new_leads} == last.truth.new
    for lead in generated.new_leads:
        capacity = partner[lead.lead_id].capacity if last.layout.has("capacity") else None
        assert lead == replace(partner[lead.lead_id], capacity=capacity)


def test_the_series_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    assert generate_leads(30, seed=5) == generate_leads(30, seed=5)
    assert generate_leads(30, seed=5) != generate_leads(30, seed=6)


def test_an_unchanged_lead_is_spelled_differently_each_week_yet_standardises_the_same() -> None:
    generated = series()
    for earlier, later in pairwise(generated.weeks):
        before, after = cells_by_id(earlier), cells_by_id(later)
        assert later.truth.unchanged
        for lead_id in later.truth.unchanged:
            common = [c for c in before[lead_id].keys() & after[lead_id].keys() if c != "lead_id"]
            for column in common:
                standardised = reference_standardise(TYPES[column], before[lead_id][column])
                assert reference_standardise(TYPES[column], after[lead_id][column]) == standardised
                assert before[lead_id][column] != after[lead_id][column] or standardised is None, (lead_id, column)


def test_every_written_cell_standardises_to_its_canonical_value() -> None:
    for week in series().weeks:
        for lead, cells in zip(week.rows, raw_rows(week), strict=True):
            for column, cell in zip(week.layout.columns, cells, strict=True):
                if column:
                    assert reference_standardise(TYPES[column], cell) == getattr(lead, column), (column, cell)


@pytest.mark.parametrize(
    ("column", "pattern"),
    [("phone", r"^\(\d{3}\) \d{3}-\d{4}$"), ("phone", r"^\d{3}\.\d{3}\.\d{4}$"), ("phone", r"^\+1 \d{3} \d{3} \d{4}$"),
     ("state", r"^[a-z]+( [a-z]+)?$"), ("state", r"^ [A-Z][a-z]+( [A-Z][a-z]+)? $"), ("zip", r"^[1-9]\d{3}$"),
     ("zip", r"^\d{5}-\d{4}$"), ("capacity", r"^ \d{1,3},\d{3} $"), ("capacity", r"^\d+\.0$"),
     ("created_at", r"^\d\d/\d\d/\d{4}$"), ("created_at", r"^\d{4}-\d\d-\d\d$"), ("email", r"^[A-Z0-9.]+@[A-Z0-9.]+$"),
     ("email", r"^ \S+ $"), ("city", "\u00a0"), ("company", r"^ \S.*\S  $"), ("address", "\u00a0 ")],
)  # fmt: skip
def test_the_messy_spellings_all_occur(column: str, pattern: str) -> None:
    cells = [row[column] for week in series(leads=200).weeks for row in cells_by_id(week).values() if column in row]
    assert any(re.search(pattern, cell) for cell in cells)


def test_every_header_and_flattened_json_key_names_its_column_in_the_leads_declaration() -> None:
    names = {
        header_key(spelling): column["name"]
        for column in DECLARATION["columns"]
        for spelling in (column["name"], *column.get("aliases", ()))
    }
    for week in series().weeks:
        assert [names.get(header_key(header)) for header in week.layout.headers] == list(week.layout.columns)
        flattened = flatten(json_record(week.layout, raw_rows(week)[0]))
        assert set(FLATTENED_ADDRESS_KEYS) <= flattened.keys()
        assert {names.get(header_key(key)) for key in flattened} == set(week.layout.columns)


def test_the_service_standardises_every_spelling_like_the_canonical_value() -> None:
    for week in series().weeks:
        headers = week.layout.headers
        assert [column_matching.header_key(h) for h in headers] == [header_key(h) for h in headers]
        for lead, cells in zip(week.rows, raw_rows(week), strict=True):
            for column, cell in zip(week.layout.columns, cells, strict=True):
                if column:
                    value = getattr(lead, column)
                    canonical = "" if value is None else str(value)
                    expected = column_types.standardise(TYPES[column], canonical, phone_region="US")
                    assert column_types.standardise(TYPES[column], cell, phone_region="US") == expected, (column, cell)


def flatten(record: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}_")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def expected_flat_records(week: Week) -> list[dict[str, object]]:
    """The raw rows keyed as flattened JSON: address columns under address_*, blanks as None."""
    nested = dict(zip(("address", "city", "state", "zip"), FLATTENED_ADDRESS_KEYS, strict=True))
    keys = [
        nested.get(column or "", header)
        for header, column in zip(week.layout.headers, week.layout.columns, strict=True)
    ]
    return [{key: cell or None for key, cell in zip(keys, cells, strict=True)} for cells in raw_rows(week)]


def read_text(path: Path, *, compress: bool) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if compress else data).decode("utf-8")


@pytest.mark.parametrize("week_number", [1, 2, 3])
@pytest.mark.parametrize(
    ("has_bom", "line_end", "compress"), [(False, "\n", False), (True, "\r\n", False), (True, "\r\n", True)]
)
def test_csv_reads_back_to_the_raw_rows(
    week_number: int, has_bom: bool, line_end: str, compress: bool, tmp_path: Path
) -> None:
    week = series().weeks[week_number - 1]
    path = tmp_path / week_file_name(week_number, "csv", compress=compress)
    assert write_csv(
        path, week, has_bom=has_bom, line_end="\r\n" if line_end == "\r\n" else "\n", compress=compress
    ) == len(week.rows)
    text = read_text(path, compress=compress)
    assert text.startswith("\ufeff") == has_bom
    assert text.count("\r\n") == (len(week.rows) + 1 if line_end == "\r\n" else 0)
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    assert header == list(week.layout.headers)
    assert rows == raw_rows(week)


@pytest.mark.parametrize("week_number", [1, 2, 3])
@pytest.mark.parametrize("file_format", ["ndjson", "json"])
@pytest.mark.parametrize("compress", [False, True])
def test_json_formats_read_back_to_the_raw_rows(
    week_number: int, file_format: Format, compress: bool, tmp_path: Path
) -> None:
    week = series().weeks[week_number - 1]
    path = tmp_path / week_file_name(week_number, file_format, compress=compress)
    writer = write_ndjson if file_format == "ndjson" else write_json
    assert writer(path, week, compress=compress) == len(week.rows)
    text = read_text(path, compress=compress)
    records = [json.loads(line) for line in text.splitlines()] if file_format == "ndjson" else json.loads(text)
    assert all(isinstance(record.get("address"), dict) for record in records)
    assert [flatten(record) for record in records] == expected_flat_records(week)


@pytest.mark.parametrize("week_number", [1, 2, 3])
def test_sqlite_reads_back_to_the_raw_rows_beside_an_unrelated_table(week_number: int, tmp_path: Path) -> None:
    week = series().weeks[week_number - 1]
    path = tmp_path / "leads.sqlite"
    path.write_bytes(b"an older file with the same name")
    assert write_sqlite(path, week) == len(week.rows)
    db = sqlite3.connect(path)
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        cursor = db.execute("SELECT * FROM leads_export ORDER BY rowid")
        rows = [list(row) for row in cursor]
        headers = [description[0] for description in cursor.description]
        settings = db.execute("SELECT count(*) FROM app_settings").fetchone()
    finally:
        db.close()
    assert tables == {"leads_export", "app_settings"}
    assert headers == list(week.layout.headers)
    assert rows == [[cell or None for cell in cells] for cells in raw_rows(week)]
    assert settings[0] > 0


def test_the_command_line_writes_week_n_in_the_nth_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--leads", "20", "--weeks", "4", "--out-dir", str(tmp_path), "--formats", "csv,ndjson,sqlite", "--bom"])
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["leads-week1.csv", "leads-week2.ndjson", "leads-week3.sqlite", "leads-week4.csv"]
    assert (tmp_path / "leads-week1.csv").read_bytes().startswith(b"\xef\xbb\xbflead_id,company,")
    assert (tmp_path / "leads-week3.sqlite").read_bytes().startswith(b"SQLite format 3\x00")
    assert capsys.readouterr().out.count("new=") == 4


def test_the_command_line_compresses_text_formats_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "--leads",
            "5",
            "--weeks",
            str(len(FORMATS)),
            "--out-dir",
            str(tmp_path),
            "--formats",
            ",".join(FORMATS),
            "--gzip",
        ]
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "leads-week1.csv.gz", "leads-week2.ndjson.gz", "leads-week3.json.gz", "leads-week4.sqlite",
    ]  # fmt: skip
    json.loads(gzip.decompress((tmp_path / "leads-week3.json.gz").read_bytes()))
    capsys.readouterr()


def test_layouts_cycle_after_three_weeks_and_drop_only_capacity() -> None:
    assert layout_for(4) == layout_for(1)
    assert all(set(COLUMNS) - {"capacity"} <= set(layout_for(number).columns) for number in (1, 2, 3))
    assert not layout_for(5).has("capacity")
    assert date(2024, 1, 1) <= min(lead.created_at for lead in series().weeks[0].leads)
