"""Declared column types, value by value: text, integer, date, email, phone, US state and ZIP, and the dispatcher."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.column_types import (
    COLUMN_TYPES,
    MAX_BIGINT,
    MIN_BIGINT,
    standardise,
    standardise_date,
    standardise_email,
    standardise_integer,
    standardise_phone,
    standardise_text,
    standardise_us_state,
    standardise_zip,
)
from services.us_states import US_STATE_NAMES

BLANKS = [None, "", "   ", "\t\r\n"]


@pytest.mark.parametrize("type_name", sorted(COLUMN_TYPES))
@pytest.mark.parametrize("raw", BLANKS)
def test_a_blank_value_is_none_for_every_type(type_name: str, raw: str | None) -> None:
    assert standardise(type_name, raw, phone_region="US") is None


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Acme", "Acme"),
        ("  Acme  Daycare ", "Acme Daycare"),
        ("Acme\t\r\nDaycare", "Acme Daycare"),
        ("Acme\u00a0Daycare", "Acme Daycare"),  # a no-break space is a space
        ("\u3000Ａｃｍｅ\u3000", "Acme"),  # full-width letters and spaces, NFKC
        ("ﬁve", "five"),  # a ligature, NFKC
        ("Código", "Código"),
    ],
)
def test_text_is_nfkc_trimmed_with_whitespace_runs_made_one_space(raw: str, text: str) -> None:
    assert standardise_text(raw) == text


@given(st.text())
def test_text_is_idempotent(raw: str) -> None:
    once = standardise_text(raw)
    assert standardise_text(once) == once


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", 12),
        ("12.0", 12),
        ("12.00", 12),
        (" 1,200 ", 1200),
        ("1,234,567", 1234567),
        ("+5", 5),
        ("-3", -3),
        ("0", 0),
        ("-0", 0),
        ("007", 7),
        (str(MAX_BIGINT), MAX_BIGINT),
        (str(MIN_BIGINT), MIN_BIGINT),
    ],
)
def test_whole_numbers_are_read_with_signs_thousands_commas_and_a_zero_fraction(raw: str, value: int) -> None:
    assert standardise_integer(raw) == value


@pytest.mark.parametrize(
    "raw",
    ["1.5", "1e3", "12abc", "abc", "1,2", "12,34", ",123", "1.", ".0", "+", "--3", "1 000", "١٢", "１２", "0x10"],
)
def test_values_that_are_not_whole_numbers_are_refused_with_the_value(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a whole number") as caught:
        standardise_integer(raw)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize("raw", [str(MAX_BIGINT + 1), str(MIN_BIGINT - 1), "99,999,999,999,999,999,999"])
def test_whole_numbers_outside_the_bigint_range_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="outside the whole-number range"):
        standardise_integer(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2024-02-29", datetime.date(2024, 2, 29)),
        (" 2024-12-31 ", datetime.date(2024, 12, 31)),
        ("02/29/2024", datetime.date(2024, 2, 29)),
        ("2/9/2024", datetime.date(2024, 2, 9)),
        ("12/31/1999", datetime.date(1999, 12, 31)),
    ],
)
def test_dates_are_read_from_iso_and_us_month_first_forms(raw: str, value: datetime.date) -> None:
    assert standardise_date(raw) == value


@pytest.mark.parametrize("raw", ["02/30/2024", "2023-02-29", "13/01/2024", "2024-00-10", "0000-01-01", "31/12/2024"])
def test_impossible_dates_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a real date"):
        standardise_date(raw)


@pytest.mark.parametrize(
    "raw",
    ["1/2/24", "2024/01/02", "2024-1-2", "20240102", "Jan 2, 2024", "2024-01-02T00:00:00", "01-02-2024", "١/٢/٢٠٢٤"],
)
def test_other_date_forms_and_two_digit_years_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a date as YYYY-MM-DD or MM/DD/YYYY"):
        standardise_date(raw)


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("ann@example.com", "ann@example.com"),
        ("  Ann.Lee+leads@Example.CO.uk ", "ann.lee+leads@example.co.uk"),
        ("a@b.c", "a@b.c"),
    ],
)
def test_emails_are_trimmed_and_lower_case(raw: str, email: str) -> None:
    assert standardise_email(raw) == email


@pytest.mark.parametrize(
    "raw",
    ["ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann@x@example.com", "ann@example.",
     "ann@.example.com", "ann@example..com", "ann lee@example.com", "ann@exa mple.com"],
)  # fmt: skip
def test_addresses_without_one_at_a_local_part_and_a_dotted_domain_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not an email address"):
        standardise_email(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("ann", "must have an @-sign"), ("ann lee@example.com", "invalid characters before the @-sign: SPACE")],
)
def test_a_refused_address_says_what_is_wrong_with_it(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        standardise_email(raw)


US_FORMATS = ["(415) 234-4567", "415.234.4567", "415-234-4567", "4152344567", "+1 415 234 4567", "1-415-234-4567",
              "+1 (415) 234-4567", "415 234 4567", " 415-234-4567 "]  # fmt: skip


@pytest.mark.parametrize("raw", US_FORMATS)
def test_every_us_phone_format_gives_the_same_e164_number(raw: str) -> None:
    assert standardise_phone(raw, region="US") == "+14152344567"


@pytest.mark.parametrize(
    "raw", ["415-234-4567 x89", "415-234-4567 ext. 89", "(415) 234-4567 #89", "+14152344567;ext=89"]
)
def test_a_phone_extension_is_dropped_since_e164_has_none(raw: str) -> None:
    assert standardise_phone(raw, region="US") == "+14152344567"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+1 415 234 4567", "GB", "+14152344567"),
    ],
)
def test_the_default_region_applies_only_to_numbers_without_a_country_code(raw: str, region: str, e164: str) -> None:
    assert standardise_phone(raw, region=region) == e164


@pytest.mark.parametrize("raw", ["abc", "415-234-4567 call after 5", "--"])
def test_text_that_is_not_a_phone_number_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a phone number"):
        standardise_phone(raw, region="US")


@pytest.mark.parametrize("raw", ["12", "123-4567", "415-234-45678", "4152344567890123"])
def test_numbers_with_the_wrong_count_of_digits_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a possible phone number"):
        standardise_phone(raw, region="US")


@pytest.mark.parametrize("raw", ["362-231-1137", "565-583-1155", "(555) 123-4567", "+44 11 1234 5678"])
def test_numbers_no_numbering_plan_assigns_are_refused_as_not_valid(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a valid phone number"):
        standardise_phone(raw, region="US")


def _us_phone_formats(area: str, exchange: str, line: str) -> list[str]:
    return [f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}", f"{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}", f"1-{area}-{exchange}-{line}", f"{area}{exchange}{line}"]  # fmt: skip


@given(
    area=st.from_regex(r"[2-9][0-9]{2}", fullmatch=True),
    exchange=st.from_regex(r"[2-9][0-9]{2}", fullmatch=True),
    line=st.from_regex(r"[0-9]{4}", fullmatch=True),
)
def test_every_format_of_a_ten_digit_us_number_gives_the_same_answer(area: str, exchange: str, line: str) -> None:
    results = {_phone_or_refusal(raw) for raw in _us_phone_formats(area, exchange, line)}
    assert results in ({f"+1{area}{exchange}{line}"}, {"not valid"})


def _phone_or_refusal(raw: str) -> str | None:
    try:
        return standardise_phone(raw, region="US")
    except ValueError as exc:
        assert "is not a valid phone number" in str(exc)
        return "not valid"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("CA", "CA"),
        ("ca", "CA"),
        (" Ca ", "CA"),
        ("California", "CA"),
        ("CALIFORNIA", "CA"),
        (" new  york ", "NY"),
        ("New-York", "NY"),
        ("N.Y.", "NY"),
        ("District of Columbia", "DC"),
        ("dc", "DC"),
        ("Puerto Rico", "PR"),
        ("U.S. Virgin Islands", "VI"),
        ("Northern Mariana Islands", "MP"),
        ("guam", "GU"),
        ("American Samoa", "AS"),
    ],
)
def test_a_us_state_is_its_usps_code_from_the_code_or_the_name(raw: str, code: str) -> None:
    assert standardise_us_state(raw) == code


@pytest.mark.parametrize("raw", ["XX", "C", "Calif", "New Yrok", "Ontario", "UK", "AA", "FM", "12"])
def test_anything_but_a_state_dc_or_territory_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a US state"):
        standardise_us_state(raw)


def test_the_state_table_has_fifty_states_dc_and_five_territories() -> None:
    assert len(US_STATE_NAMES) == 56
    assert {"DC", "PR", "GU", "VI", "AS", "MP"} <= US_STATE_NAMES.keys()


@pytest.mark.parametrize(
    ("raw", "zip_code"),
    [
        ("02134", "02134"),
        ("02134-1234", "02134"),
        ("021341234", "02134"),
        ("2134", "02134"),
        ("501", "00501"),
        ("2134.0", "02134"),
        ("  90210 ", "90210"),
    ],
)
def test_a_zip_is_the_first_five_digits_padded_with_the_zeros_a_spreadsheet_dropped(raw: str, zip_code: str) -> None:
    assert standardise_zip(raw) == zip_code


@pytest.mark.parametrize(
    "raw",
    ["abcde", "0213A", "123456", "1234567", "12345678", "02134-12", "02134 1234", "2134.5", "-2134", "１２３４５"],
)
def test_letters_six_to_eight_digits_and_other_shapes_are_not_zips(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a ZIP code"):
        standardise_zip(raw)


@given(st.from_regex(r"[0-9]{1,5}", fullmatch=True))
def test_any_one_to_five_digits_make_a_five_digit_zip_with_the_same_number(raw: str) -> None:
    zip_code = standardise_zip(raw)
    assert zip_code is not None
    assert len(zip_code) == 5
    assert zip_code.isdigit()
    assert int(zip_code) == int(raw)


@pytest.mark.parametrize(
    ("type_name", "raw", "value"),
    [
        ("text", " a  b ", "a b"),
        ("integer", "1,200", 1200),
        ("date", "1/2/2024", datetime.date(2024, 1, 2)),
        ("email", "A@B.CO", "a@b.co"),
        ("phone", "415.234.4567", "+14152344567"),
        ("us_state", "texas", "TX"),
        ("zip", "501", "00501"),
    ],
)
def test_standardise_dispatches_on_the_type_name(type_name: str, raw: str, value: object) -> None:
    assert standardise(type_name, raw, phone_region="US") == value


def test_standardise_reads_phone_numbers_with_the_declared_region() -> None:
    assert standardise("phone", "020 7946 0958", phone_region="GB") == "+442079460958"


def test_an_unknown_type_name_is_a_key_error_not_a_bad_value() -> None:
    with pytest.raises(KeyError, match="unknown column type 'money'"):
        standardise("money", "12", phone_region="US")
