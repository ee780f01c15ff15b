"""The declared column types (text, integer, decimal, date, timestamp, timestamptz, time, email, phone, US state,
ZIP), each defined once in `COLUMN_TYPES` with the SQL type of its staging column and the standardiser of its values.

Declarations are validated against this registry, declared staging tables take their SQL types from
it, and the declared import services standardise with it. No I/O, logging or settings here. Every
standardiser takes the raw text (or None), returns None for a blank value and raises ValueError with
a short reason ("'abc' is not a whole number") for one that does not fit its type.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import email_validator
import phonenumbers
from sqlalchemy import BigInteger, Date, DateTime, Numeric, String, Text, Time
from sqlalchemy.types import TypeEngine

from services.column_matching import header_key
from services.excerpts import excerpt
from services.number_and_time_values import (
    standardise_decimal,
    standardise_time,
    standardise_timestamp,
    standardise_timestamptz,
)
from services.us_states import US_STATE_NAMES

MIN_BIGINT: Final = -(2**63)
MAX_BIGINT: Final = 2**63 - 1

_INTEGER: Final = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0+)?")
_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_US_DATE: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ZIP_PLUS_4: Final = re.compile(r"([0-9]{5})-?[0-9]{4}")
_SHORT_ZIP: Final = re.compile(r"([0-9]{1,5})(?:\.0+)?")


def _blank(raw: str | None) -> str | None:
    text = raw.strip() if raw is not None else ""
    return text or None


# ---- one standardiser per column type -------------------------------------------------------


def standardise_text(raw: str | None) -> str | None:
    """NFKC text, trimmed, with each run of whitespace made one space; None when empty."""
    if raw is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", raw).split()) or None


def standardise_integer(raw: str | None) -> int | None:
    """A whole number (`12`, `12.0`, `1,200`, `+5`, `-3`) in the Postgres bigint range; raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    if _INTEGER.fullmatch(text) is None:
        raise ValueError(f"{excerpt(text)!r} is not a whole number")
    value = int(text.split(".")[0].replace(",", ""))
    if not MIN_BIGINT <= value <= MAX_BIGINT:
        raise ValueError(f"{excerpt(text)!r} is outside the whole-number range ({MIN_BIGINT} to {MAX_BIGINT})")
    return value


def standardise_date(raw: str | None) -> datetime.date | None:
    """A date from ISO `YYYY-MM-DD` or US `MM/DD/YYYY` (`M/D/YYYY`); raises ValueError for others or impossible ones."""
    text = _blank(raw)
    if text is None:
        return None
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = iso.groups()
    elif us := _US_DATE.fullmatch(text):
        month, day, year = us.groups()
    else:
        raise ValueError(f"{excerpt(text)!r} is not a date as YYYY-MM-DD or MM/DD/YYYY")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise ValueError(f"{excerpt(text)!r} is not a real date ({exc})") from exc


def standardise_email(raw: str | None) -> str | None:
    """A trimmed, lower-case address whose syntax email-validator accepts (no DNS look-up); raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    try:
        validated = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"{excerpt(text)!r} is not an email address like name@example.com: {exc}") from exc
    return validated.normalized.lower()


def standardise_phone(raw: str | None, region: str) -> str | None:
    """The E.164 form (`+14155550123`) of a valid number, read with `region` as its default; raises ValueError.

    An extension (`x89`, `ext. 89`) is dropped (the E.164 format has none); the main number still reaches
    the caller. A number that is possible only as a local number (seven US digits, no area code) is refused,
    and so is one with the right count of digits that no numbering plan assigns (phonenumbers' metadata:
    area code 362 does not exist): such a number cannot be dialled, so it is a typo or a placeholder.
    """
    text = _blank(raw)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{excerpt(text)!r} is not a phone number") from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError(f"{excerpt(text)!r} is not a possible phone number (wrong number of digits)")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{excerpt(text)!r} is not a valid phone number (no such area code or exchange)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_US_STATE_CODES: Final = {
    header_key(spelling): code for code, names in US_STATE_NAMES.items() for spelling in (code, *names)
}


def standardise_us_state(raw: str | None) -> str | None:
    """The USPS code of a state, DC or territory, from its code or name in any case or spacing; raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    code = _US_STATE_CODES.get(header_key(text))
    if code is None:
        raise ValueError(f"{excerpt(text)!r} is not a US state, DC or territory (code or name)")
    return code


def standardise_zip(raw: str | None) -> str | None:
    """The five-digit ZIP of a ZIP or ZIP+4, zero-padded when a spreadsheet dropped the zeros; raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    if plus_4 := _ZIP_PLUS_4.fullmatch(text):
        return plus_4.group(1)
    if short := _SHORT_ZIP.fullmatch(text):
        return short.group(1).zfill(5)
    raise ValueError(f"{excerpt(text)!r} is not a ZIP code (5 digits, or ZIP+4)")


# ---- the registry: each type once, with its SQL type and its standardiser -------------------------

Standardiser = Callable[[str | None, str], object]  # (raw text, the declaration's phone region) -> value or None


@dataclass(frozen=True)
class ColumnType:
    """A declared column type: the SQL type of its staging column and the standardiser of its values."""

    sql_type: TypeEngine[Any]
    standardise: Standardiser


def _regionless(standardiser: Callable[[str | None], object]) -> Standardiser:
    """A standardiser that needs no phone region, in the registry's shape."""
    return lambda raw, _phone_region: standardiser(raw)


# Adding a type is one entry here (and a line in the README's list of types).
COLUMN_TYPES: Final[Mapping[str, ColumnType]] = {
    "text": ColumnType(Text(), _regionless(standardise_text)),
    "integer": ColumnType(BigInteger(), _regionless(standardise_integer)),
    "decimal": ColumnType(Numeric(), _regionless(standardise_decimal)),
    "date": ColumnType(Date(), _regionless(standardise_date)),
    "timestamp": ColumnType(DateTime(timezone=False), _regionless(standardise_timestamp)),
    "timestamptz": ColumnType(DateTime(timezone=True), _regionless(standardise_timestamptz)),
    "time": ColumnType(Time(), _regionless(standardise_time)),
    "email": ColumnType(Text(), _regionless(standardise_email)),
    "phone": ColumnType(Text(), standardise_phone),
    "us_state": ColumnType(String(2), _regionless(standardise_us_state)),
    "zip": ColumnType(String(5), _regionless(standardise_zip)),
}


def standardise(type_name: str, raw: str | None, *, phone_region: str) -> object | None:
    """The raw value as its column type (None when blank); ValueError when it does not fit, KeyError for a bad type."""
    try:
        column_type = COLUMN_TYPES[type_name]
    except KeyError:
        raise KeyError(f"unknown column type {type_name!r}; known: {', '.join(COLUMN_TYPES)}") from None
    return column_type.standardise(raw, phone_region)
