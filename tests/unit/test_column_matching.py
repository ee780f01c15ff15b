"""Headers against declared columns: the one header-key rule (declared kinds and job titles), matching, duplicates,
missing columns and drift."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.column_matching import Drift, column_drift, header_key, match_columns, render_drift
from services.declarations import ColumnDeclaration

LEADS = [
    ColumnDeclaration(name="lead_id", type="text", required=True, aliases=("id", "lead id", "external id")),
    ColumnDeclaration(name="company", type="text", required=True, aliases=("company name", "business name")),
    ColumnDeclaration(name="email", type="email", aliases=("e-mail", "email address")),
    ColumnDeclaration(name="zip", type="zip", aliases=("zip code", "postal code")),
]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("E-mail Address", "emailaddress"),
        ("email_address", "emailaddress"),
        ("EMAIL ADDRESS", "emailaddress"),
        ("  Email.Address  ", "emailaddress"),
        ("Código Postal", "códigopostal"),
        ("ＺＩＰ ＣＯＤＥ", "zipcode"),  # full width, NFKC
        ("Straße", "strasse"),  # casefold
        ("Address Line 1", "addressline1"),
        ("", ""),
        ("--", ""),
    ],
)
def test_header_keys_ignore_case_spaces_and_punctuation_but_keep_letters_and_digits(name: str, key: str) -> None:
    assert header_key(name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("title", "title"),
        ("  Title ", "title"),
        ("PDL_Count", "pdlcount"),
        ("pdl-count", "pdlcount"),
        ("Pdl.Count", "pdlcount"),
        ("PDL   COUNT", "pdlcount"),
        ("pdl\tcount", "pdlcount"),
        ("Top_Related_Titles_3", "toprelatedtitles3"),
        ("__title__", "title"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_job_title_header_spellings_ignore_case_spacing_underscores_dashes_and_dots(name: str, key: str) -> None:
    assert header_key(name) == key


@given(st.text())
def test_a_header_key_is_its_own_key(name: str) -> None:
    key = header_key(name)
    assert header_key(key) == key


def test_headers_match_canonical_names_and_aliases_in_any_order_case_and_spacing() -> None:
    match = match_columns(["Postal Code", "COMPANY NAME", "E-Mail", "Lead_ID"], LEADS)
    assert match.positions == {"zip": 0, "company": 1, "email": 2, "lead_id": 3}
    assert match.headers == {"zip": "Postal Code", "company": "COMPANY NAME", "email": "E-Mail", "lead_id": "Lead_ID"}
    assert (match.unknown, match.missing_required, match.duplicates) == ([], {}, {})


def test_headers_matching_no_column_are_kept_as_unknown_in_file_order() -> None:
    match = match_columns(["id", "Notes", "company", "", "Fax"], LEADS)
    assert match.unknown == ["Notes", "", "Fax"]


def test_a_second_header_for_the_same_column_is_a_duplicate_and_the_first_wins() -> None:
    match = match_columns(["Email", "id", "company", "e-mail", "EMAIL ADDRESS"], LEADS)
    assert match.positions["email"] == 0
    assert match.headers["email"] == "Email"
    assert match.duplicates == {"email": ["e-mail", "EMAIL ADDRESS"]}
    assert match.unknown == []


def test_missing_required_columns_list_the_names_tried_as_declared() -> None:
    match = match_columns(["Email", "zip"], LEADS)
    assert match.missing_required == {
        "lead_id": ["lead_id", "id", "lead id", "external id"],
        "company": ["company", "company name", "business name"],
    }


def test_a_missing_optional_column_is_not_reported() -> None:
    match = match_columns(["id", "company"], LEADS)
    assert match.missing_required == {}
    assert "email" not in match.positions


def test_a_canonical_name_beats_another_columns_alias() -> None:
    columns = [
        ColumnDeclaration(name="address", type="text", aliases=("street",)),
        ColumnDeclaration(name="street", type="text"),
    ]
    assert match_columns(["Street"], columns).positions == {"street": 0}


def test_an_alias_claimed_by_two_columns_goes_to_the_first_declared() -> None:
    columns = [
        ColumnDeclaration(name="phone", type="phone", aliases=("tel",)),
        ColumnDeclaration(name="fax", type="phone", aliases=("tel",)),
    ]
    assert match_columns(["TEL"], columns).positions == {"phone": 0}


def test_an_all_punctuation_alias_does_not_claim_blank_headers() -> None:
    columns = [ColumnDeclaration(name="number", type="integer", aliases=("#",))]
    match = match_columns(["", "#"], columns)
    assert match.positions == {}
    assert match.unknown == ["", "#"]


def test_no_headers_match_nothing_and_miss_every_required_column() -> None:
    match = match_columns([], LEADS)
    assert match.positions == {}
    assert list(match.missing_required) == ["lead_id", "company"]


def test_a_first_file_has_every_column_added() -> None:
    drift = column_drift(None, {"lead_id": "ID", "company": "Company"})
    assert drift == Drift(added=("company", "lead_id"), missing=(), renamed={})
    assert render_drift(drift) == "added=[company,lead_id] missing=[] renamed={}"


def test_drift_names_columns_added_missing_and_read_from_a_renamed_header() -> None:
    previous = {"lead_id": "ID", "email": "Email", "zip": "Zip", "company": "Company"}
    current = {"company": "Company", "lead_id": "Lead ID", "phone": "Phone", "email": "E-mail", "city": "City"}
    drift = column_drift(previous, current)
    assert drift.added == ("city", "phone")
    assert drift.missing == ("zip",)
    assert drift.renamed == {"email": ("Email", "E-mail"), "lead_id": ("ID", "Lead ID")}
    assert render_drift(drift) == (
        "added=[city,phone] missing=[zip] renamed={email: 'Email' -> 'E-mail', lead_id: 'ID' -> 'Lead ID'}"
    )


def test_the_same_columns_under_the_same_headers_are_no_drift() -> None:
    drift = column_drift({"a": "A", "b": "B"}, {"b": "B", "a": "A"})
    assert not drift.has_changes
    assert render_drift(drift) == "added=[] missing=[] renamed={}"


def test_a_rename_is_shown_with_both_headers_quoted_as_written() -> None:
    drift = column_drift({"contact_name": "O'Brien's contact"}, {"contact_name": "Contact, name"})
    assert drift.has_changes
    rendered = """added=[] missing=[] renamed={contact_name: "O'Brien's contact" -> 'Contact, name'}"""
    assert render_drift(drift) == rendered


def test_an_empty_previous_mapping_is_like_no_previous_file() -> None:
    assert column_drift({}, {"a": "A"}) == column_drift(None, {"a": "A"})
