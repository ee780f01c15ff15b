"""Mapping a partner's record onto its declaration: derived values, warnings, `extra`, the partner, and which
kind claims which partner's list."""

import pytest

from services.declarations import SHIPPED_KINDS_DIR, KindDeclaration, load_declarations, parse_declaration
from services.importers import importers_for
from services.importers.base import Reject
from services.importers.declared import FieldMap, Mapped, claims, copy_columns, copy_line, map_fields, missing_required
from tests.support.samples.partners import NEVADA, OKLAHOMA, TEXAS, nevada_csv, oklahoma_csv, texas_csv

PARTNER = """
kind = "leads_acme"
partner = "Acme Licensing"
formats = ["csv"]
key = ["lead_id"]
snapshot = true

[[columns]]
name = "lead_id"
type = "text"
required = true

[[columns]]
name = "company"
type = "text"
required = true
aliases = ["Provider"]

[[columns]]
name = "contact_name"
type = "text"

[[columns]]
name = "phone"
type = "phone"
aliases = ["Phone#"]

[[columns]]
name = "zip"
type = "zip"

[[derive]]
from = ["Type License", "License"]
pattern = '(?P<lead_id>K[0-9]+)$'

[[derive]]
from = "Caregiver"
pattern = '^(?P<contact_name>[^\\r\\n]+)'

[[derive]]
from = "Address"
pattern = ',\\s*[A-Z]{2}\\s+(?P<zip>[0-9]{3,5})$'
"""


@pytest.fixture(scope="module")
def declaration() -> KindDeclaration:
    return parse_declaration(PARTNER, "leads_acme.toml")


ROW = {
    "Type License": "CHILD CARE FAMILY - K820055232",
    "Provider": "HELLSTROM, ELIZABETH",
    "Caregiver": "Elizabeth Hellstrom\r\nPrimary Caregiver",
    "Phone#": "(209) 747-1797",
    "Address": "150 N. WILLOW ST MESQUITE, NV 2108",
    "Star Level": "2 Star",
}


def _mapped(declaration: KindDeclaration, **changes: str) -> Mapped | Reject:
    return map_fields(ROW | changes, 7, FieldMap(declaration))


def test_derived_values_are_typed_like_any_column_and_the_source_cells_stay_in_extra(
    declaration: KindDeclaration,
) -> None:
    mapped = _mapped(declaration)

    assert isinstance(mapped, Mapped)
    assert mapped.values == {
        "lead_id": "K820055232",
        "company": "HELLSTROM, ELIZABETH",
        "contact_name": "Elizabeth Hellstrom",
        "phone": "+12097471797",
        "zip": "02108",
    }
    assert mapped.extra == {key: ROW[key] for key in ("Type License", "Caregiver", "Address", "Star Level")}
    assert mapped.warnings == ()


def test_a_source_that_does_not_match_leaves_its_columns_null_with_one_warning(declaration: KindDeclaration) -> None:
    mapped = _mapped(declaration, Address="150 N. WILLOW ST MESQUITE")

    assert isinstance(mapped, Mapped)
    assert mapped.values["zip"] is None
    assert mapped.warnings == ("zip: 'Address' '150 N. WILLOW ST MESQUITE' does not match the declared pattern",)
    assert mapped.extra["Address"] == "150 N. WILLOW ST MESQUITE"


def test_a_blank_source_is_null_without_a_warning(declaration: KindDeclaration) -> None:
    mapped = _mapped(declaration, Caregiver=" ")

    assert isinstance(mapped, Mapped) and mapped.values["contact_name"] is None and mapped.warnings == ()


def test_a_required_derived_value_that_does_not_match_rejects_the_row_saying_why(declaration: KindDeclaration) -> None:
    rejected = _mapped(declaration, **{"Type License": "CHILD CARE FAMILY - pending"})

    assert isinstance(rejected, Reject)
    assert rejected.line_no == 7
    assert (
        rejected.reason == "lead_id: 'Type License' 'CHILD CARE FAMILY - pending' does not match the declared pattern"
    )


def test_an_invalid_phone_is_null_with_a_warning_and_its_cell_kept_in_extra(declaration: KindDeclaration) -> None:
    mapped = _mapped(declaration, **{"Phone#": "362-231-1137"})

    assert isinstance(mapped, Mapped)
    assert mapped.values["phone"] is None
    assert mapped.warnings == ("phone: '362-231-1137' is not a valid phone number (no such area code or exchange)",)
    assert mapped.extra["Phone#"] == "362-231-1137"


def test_a_derived_column_is_never_read_from_a_header_of_its_own_name(declaration: KindDeclaration) -> None:
    mapped = _mapped(declaration, zip="99999")

    assert isinstance(mapped, Mapped) and mapped.values["zip"] == "02108" and mapped.extra["zip"] == "99999"


def test_the_partner_is_written_beside_every_row_and_recorded_with_the_mapping(declaration: KindDeclaration) -> None:
    field_map = FieldMap(declaration)
    mapped = map_fields(ROW, 2, field_map)
    assert isinstance(mapped, Mapped)

    line = copy_line(5, None, declaration, mapped)

    assert copy_columns(declaration)[:5] == ("file_id", "line_no", "source_table", "partner", "lead_id")
    assert line.split("\t")[:5] == ["5", "2", "\\N", "Acme Licensing", "K820055232"]
    assert field_map.as_record() == {
        "columns": {
            "company": "Provider",
            "phone": "Phone#",
            "lead_id": "Type License",
            "contact_name": "Caregiver",
            "zip": "Address",
        },
        "unknown": ["Address", "Caregiver", "Star Level", "Type License"],
        "partner": "Acme Licensing",
    }


def test_a_key_derived_from_a_present_source_lets_the_kind_claim_the_file(declaration: KindDeclaration) -> None:
    assert claims(declaration, ["License", "Provider"])
    assert not claims(declaration, ["Provider", "Phone#"])


def test_a_missing_source_of_a_required_derived_column_is_named(declaration: KindDeclaration) -> None:
    assert missing_required(declaration, ["Provider", "Phone#"]) == {
        "lead_id": ["Type License (derived)", "License (derived)"]
    }


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (nevada_csv(NEVADA), "leads_nevada_dpbh"),
        (oklahoma_csv(OKLAHOMA), "leads_oklahoma_ohs"),
        (texas_csv(TEXAS), "leads_texas_dhhs"),
        (b"lead_id,company,email\r\nL1,Little Acorns,ann@example.com\r\n", "leads"),
    ],
)
def test_each_partner_list_is_taken_by_its_own_kind_and_by_no_other(content: bytes, kind: str) -> None:
    importers = importers_for(load_declarations([SHIPPED_KINDS_DIR]))

    assert [importer.kind for importer in importers if importer.accepts("list.csv", content[:4096])] == [kind]
