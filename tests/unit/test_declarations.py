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
    leads = load_declarations([SHIPPED_KINDS_DIR])[0]

    assert leads.kind == "leads" and leads.snapshot and leads.key == ("lead_id",)
    assert [c.name for c in leads.required] == ["lead_id", "company"]
    assert {"csv", "json", "ndjson", "sqlite"} == set(leads.formats)
    assert leads.partner is None and leads.table == "leads"


def test_the_shipped_partner_kinds_stage_into_leads_each_with_its_partner() -> None:
    _, *partners = load_declarations([SHIPPED_KINDS_DIR])

    assert [(p.kind, p.table, p.partner) for p in partners] == [
        ("leads_nevada_dpbh", "leads", "Nevada DPBH"),
        ("leads_oklahoma_ohs", "leads", "Oklahoma Human Services"),
        ("leads_texas_dhhs", "leads", "Texas DHHS"),
    ]
    assert [sorted(p.derived) for p in partners] == [["address", "city", "zip"], ["contact_name", "lead_id"], []]


PARTNER = """
kind = "widgets_acme"
partner = "Acme"
stage_into = "widgets"
formats = ["csv"]
key = ["sku"]
snapshot = true

[[columns]]
name = "sku"
type = "text"
required = true

[[columns]]
name = "units"
type = "integer"
aliases = ["Qty"]

[[derive]]
from = "Item"
pattern = '(?P<sku>W-[0-9]+)$'
"""


def _load(tmp_path: Path, partner: str, widgets: str = GOOD.replace("key = [", "snapshot = true\nkey = [")) -> None:
    (tmp_path / "widgets.toml").write_text(widgets, encoding="utf-8")
    (tmp_path / "widgets_acme.toml").write_text(partner, encoding="utf-8")
    load_declarations([tmp_path])


def test_a_partner_kind_staging_into_another_kind_loads(tmp_path: Path) -> None:
    _load(tmp_path, PARTNER)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('stage_into = "widgets"', 'stage_into = "gadgets"'), "'gadgets' is not a declared kind with a staging table"),
        (('name = "units"\ntype = "integer"', 'name = "units"\ntype = "text"'), "column 'units' must be one of"),
        (('name = "units"', 'name = "colour"'), "column 'colour' must be one of 'widgets''s columns"),
        (("snapshot = true", "snapshot = false\npartner_note = 1"), "partner_note: Extra inputs are not permitted"),
    ],
)
def test_a_partner_kind_that_does_not_fit_its_target_table_is_refused(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, PARTNER.replace(*change, 1))

    assert str(raised.value).startswith(str(tmp_path / "widgets_acme.toml"))
    assert message in str(raised.value)


def test_a_partner_kind_must_be_a_snapshot_like_its_target(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="snapshot and key must be those of 'widgets'"):
        _load(tmp_path, PARTNER.replace('partner = "Acme"\n', "").replace("snapshot = true", "snapshot = false"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("'(?P<sku>W-[0-9]+)$'", "'(?P<sku>W-[0-9+)$'"), "derive.0.pattern: not a valid regular expression"),
        (("'(?P<sku>W-[0-9]+)$'", "'W-[0-9]+$'"), "derive.0.pattern: the pattern has no named group"),
        (("'(?P<sku>W-[0-9]+)$'", "'(?P<sku>(W-?[0-9]+)+)$'"), "derive.0.pattern: a repeated part of the pattern"),
        (("'(?P<sku>W-[0-9]+)$'", "'(?P<colour>W)$'"), "derive.0: group 'colour' names no declared column"),
        (('from = "Item"', 'from = ""'), "derive.0.from.0: String should have at least 1 character"),
        (('partner = "Acme"', 'partner = " Acme"'), "partner: String should match pattern"),
        (("snapshot = true", "snapshot = false"), "partner is kept in the partner column of snapshot kinds only"),
        (('stage_into = "widgets"', 'stage_into = "widgets_acme"'), "stage_into names the kind itself"),
        (("required = true\n", 'required = true\naliases = ["Item Code"]\n'), "column 'sku' is derived"),
    ],
)
def test_a_broken_partner_declaration_names_the_field_and_the_reason(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_declaration(PARTNER.replace(*change, 1), "kinds/widgets_acme.toml")

    assert message in str(raised.value)


def test_a_snapshot_kinds_staging_table_keeps_the_partner_first() -> None:
    declaration = parse_declaration(GOOD.replace("key = [", "snapshot = true\nkey = ["), "widgets.toml")

    assert [c.name for c in staging_columns(declaration)] == ["partner", "sku", "units"]


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
