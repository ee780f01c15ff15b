"""Mapping one record onto a declaration: null markers, and JSON numbers read as the exact numbers they are."""

from decimal import Decimal

from services.declarations import parse_declaration
from services.importers.base import Reject
from services.importers.declared import FieldMap, Mapped, map_fields

RACES = """
kind = "races"
formats = ["csv"]
key = ["race_id"]
null_markers = ["null", "\\\\N"]

[[columns]]
name = "race_id"
type = "integer"
required = true

[[columns]]
name = "time"
type = "time"

[[columns]]
name = "name"
type = "text"

[[columns]]
name = "laps"
type = "decimal"
"""


def _map(fields: dict[str, object], declaration: str = RACES) -> Mapped | Reject:
    return map_fields(fields, 2, FieldMap(parse_declaration(declaration, "races.toml")))


def test_a_null_marker_is_null_in_every_type_text_included_and_is_not_kept_as_extra() -> None:
    mapped = _map({"raceId": "1", "time": "\\N", "name": " null ", "url": "\\N", "circuitId": "7"})

    assert isinstance(mapped, Mapped)
    assert mapped.values == {"race_id": 1, "time": None, "name": None, "laps": None}
    assert mapped.extra == {"circuitId": "7"} and mapped.warnings == ()


def test_without_declared_markers_the_same_text_is_a_value() -> None:
    mapped = _map({"raceId": "1", "name": "null"}, RACES.replace('null_markers = ["null", "\\\\N"]', ""))

    assert isinstance(mapped, Mapped) and mapped.values["name"] == "null"


def test_a_required_column_holding_a_null_marker_rejects_the_row() -> None:
    assert _map({"raceId": "\\N"}) == Reject(2, '{"raceId": "\\\\N"}', "race_id is required but empty")


def test_a_json_number_with_an_exponent_is_the_number_it_writes() -> None:
    mapped = _map({"raceId": Decimal("1E+2"), "laps": Decimal("1E-7")})

    assert isinstance(mapped, Mapped)
    assert mapped.values["race_id"] == 100 and mapped.values["laps"] == Decimal("0.0000001")
