"""Kind declarations: the shipped ones are valid, a broken one names its file, field and reason."""

from pathlib import Path

import pytest
from sqlalchemy import BigInteger

from core.errors import ConfigError
from models.base import Base
from models.declared import current_table
from services.column_types import COLUMN_TYPES
from services.declarations import (
    SHIPPED_KINDS_DIR,
    load_declarations,
    parse_declaration,
    staging_columns,
)

GOOD = """
kind = "widgets"
formats = ["csv"]
key = ["sku"]

[[columns]]
name = "sku"
type = "text"
required = true
aliases = ["item code"]

[[columns]]
name = "units"
type = "integer"
"""


def test_the_shipped_leads_declaration_is_valid() -> None:
    [leads] = load_declarations([SHIPPED_KINDS_DIR])

    assert leads.kind == "leads" and leads.snapshot and leads.key == ("lead_id",)
    assert [c.name for c in leads.required] == ["lead_id", "company"]
    assert {"csv", "json", "ndjson", "sqlite"} == set(leads.formats)


def test_a_good_declaration_parses() -> None:
    declaration = parse_declaration(GOOD, "widgets.toml")

    assert declaration.kind == "widgets" and declaration.phone_region == "US" and not declaration.snapshot


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('type = "integer"', 'type = "money"'), "columns.1.type: Input should be 'text', 'integer'"),
        (('formats = ["csv"]', 'formats = ["xml"]'), "formats.0: Input should be 'csv'"),
        (('kind = "widgets"', 'kind = "nem12"'), "kind 'nem12' is built in"),
        (('kind = "widgets"', 'kind = "Widgets!"'), "kind: String should match pattern"),
        (('key = ["sku"]', 'key = ["units"]'), "key column 'units' must be a declared, required column"),
        (('aliases = ["item code"]', 'aliases = ["Units"]'), "alias 'units' of 'units' also names column 'sku'"),
        (('name = "units"', 'name = "extra"'), "column 'extra' is declared twice or is a reserved lineage column"),
        (('formats = ["csv"]', 'formats = ["csv"]\ncolour = "blue"'), "colour: Extra inputs are not permitted"),
        (('kind = "widgets"', 'kind = "widgets'), "not valid TOML"),
        (('formats = ["csv"]', 'formats = ["csv"]\nphone_region = "XX"'), "phone_region 'XX' is not a region"),
    ],
)
def test_a_broken_declaration_names_the_file_the_field_and_the_reason(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_declaration(GOOD.replace(*change, 1), "kinds/widgets.toml")

    assert str(raised.value).startswith("kinds/widgets.toml: ")
    assert message in str(raised.value)


def test_a_kind_declared_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")

    with pytest.raises(ConfigError, match="kind 'widgets' is declared twice"):
        load_declarations([tmp_path])


def test_staging_columns_take_their_sql_type_from_the_column_type_registry() -> None:
    declaration = parse_declaration(GOOD, "widgets.toml")

    columns = staging_columns(declaration)

    assert [(c.name, c.type, c.nullable) for c in columns] == [
        ("sku", COLUMN_TYPES["text"].sql_type, False),
        ("units", COLUMN_TYPES["integer"].sql_type, True),
    ]
    assert isinstance(columns[1].type, BigInteger)


def test_every_registered_column_type_is_accepted_in_a_declaration() -> None:
    for type_name in COLUMN_TYPES:
        declaration = parse_declaration(GOOD.replace('type = "integer"', f'type = "{type_name}"'), "widgets.toml")
        assert declaration.columns[1].type == type_name


READINGS = """
kind = "readings"
formats = ["json"]
key = ["meter", "start"]
replace_by_key = true
null_markers = ["null", "\\\\N"]

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


def test_a_kind_may_declare_null_markers_and_a_key_that_replaces() -> None:
    readings = parse_declaration(READINGS, "readings.toml")

    assert readings.null_markers == ("null", "\\N") and readings.replace_by_key
    assert not parse_declaration(GOOD, "widgets.toml").replace_by_key  # by default a file's rows add to the others


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('key = ["meter", "start"]\n', ""), "replace_by_key needs a key"),
        (('null_markers = ["null", "\\\\N"]', 'null_markers = [" NA "]'), "without surrounding spaces"),
        (('null_markers = ["null", "\\\\N"]', 'null_markers = [""]'), "null_markers.0: String should have at least 1"),
        (('kind = "readings"', f'kind = "{"r" * 60}"'), "too long for replace_by_key"),
    ],
)
def test_a_key_that_replaces_or_a_null_marker_that_cannot_work_is_refused(
    change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_declaration(READINGS.replace(*change, 1), "readings.toml")


def test_a_kind_whose_key_replaces_gets_a_table_of_current_rows_keyed_by_it() -> None:
    readings = parse_declaration(READINGS.replace('"readings"', '"unit_test_readings"'), "readings.toml")

    current = current_table(readings.kind, staging_columns(readings), readings.key)
    try:
        assert current.schema == "datawarehouse" and current.name == "current_unit_test_readings"
        assert [column.name for column in current.columns] == [
            "file_id", "line_no", "source_table", "meter", "start", "kwh", "extra"
        ]  # fmt: skip
        assert [column.name for column in current.primary_key.columns] == ["meter", "start"]
    finally:
        Base.metadata.remove(current)  # the models' metadata must stay what the migrations create
