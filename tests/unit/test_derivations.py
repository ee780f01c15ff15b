"""Declared patterns: what they take out of a cell, and which ones are refused before they can run on every row."""

import pytest

from services.derivations import MAX_DERIVE_CHARS, check_pattern, derive_values

NEVADA_ADDRESS = (
    r"^\s*(?P<address>.+?)(?:\s+(?P<city>NORTH LAS VEGAS|LAS VEGAS|MESQUITE))?\s*,?\s*[A-Z]{2}\s+"
    r"(?P<zip>[0-9]{5}(?:-[0-9]{4})?)\s*$"
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("150 N. WILLOW ST MESQUITE, NV 89027", ("150 N. WILLOW ST", "MESQUITE", "89027")),
        ("6044 RIVER BELLE ST NORTH LAS VEGAS, NV 89031", ("6044 RIVER BELLE ST", "NORTH LAS VEGAS", "89031")),
        ("5270 S. LAS VEGAS BLVD LAS VEGAS, NV 89120-1234", ("5270 S. LAS VEGAS BLVD", "LAS VEGAS", "89120-1234")),
        ("1 MAIN ST PIOCHE, NV 89043", ("1 MAIN ST PIOCHE", None, "89043")),
    ],
)
def test_named_groups_fill_their_columns_and_an_unlisted_city_stays_with_the_street(
    cell: str, expected: tuple[str | None, ...]
) -> None:
    values = derive_values(check_pattern(NEVADA_ADDRESS), cell)

    assert (values["address"], values["city"], values["zip"]) == expected


def test_the_identifier_is_taken_out_of_the_license_cell() -> None:
    assert derive_values(check_pattern(r"\b(?P<lead_id>K[0-9]+)\s*$"), "CHILD CARE FAMILY - K820055232") == {
        "lead_id": "K820055232"
    }


def test_a_cell_that_does_not_match_raises_with_a_short_reason() -> None:
    with pytest.raises(ValueError, match="does not match the declared pattern"):
        derive_values(check_pattern(NEVADA_ADDRESS), "150 N. WILLOW ST MESQUITE")


def test_a_cell_too_long_to_search_is_not_searched() -> None:
    with pytest.raises(ValueError, match=f"longer than {MAX_DERIVE_CHARS} characters"):
        derive_values(check_pattern(r"(?P<x>a)"), "a" * (MAX_DERIVE_CHARS + 1))


@pytest.mark.parametrize(
    "pattern",
    [r"^(?P<x>(a+)+)$", r"^(?P<x>(?:\w+\s?)*)$", r"^(?P<x>(?:a|ab)*)c$", r"(?P<x>(?:[a-z]{1,3})+)", r"(?P<x>(?:a*)*)"],
)
def test_a_pattern_that_could_backtrack_catastrophically_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="can backtrack catastrophically"):
        check_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(?P<x>a)(?P=x)", "backreferences are not allowed"),
        ("(?P<x>[a-z)", "not a valid regular expression"),
        ("K[0-9]+", "has no named group"),
    ],
)
def test_other_refused_patterns_say_why(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", [NEVADA_ADDRESS, r"(?P<x>(?:-[0-9]{4})+)", r"^\s*(?P<name>[^\r\n]+)"])
def test_repeating_fixed_width_parts_and_optional_groups_are_allowed(pattern: str) -> None:
    check_pattern(pattern)
