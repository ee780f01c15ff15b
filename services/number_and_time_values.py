"""Standardisers of exact numbers and moments for declared columns: decimal, timestamp, timestamptz and time.

Pure, like the rest of services/column_types.py (which registers them). Each takes the raw text (or None),
returns None for a blank value and raises ValueError with a short reason for a value that does not fit.
Exact about what they take, so that nothing loads as a different number or moment than the file says:
- decimal: `12`, `-0.186`, `.5`, `1,200.50` (commas only between groups of three digits), `1e-05` (an
  exponent, as pandas writes small floats); refused: `1,5` (a decimal comma, ambiguous), `nan`, `inf`,
  `$12`, `12%`, spaces inside, and values outside the range of a Postgres numeric.
- timestamp: ISO 8601 `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]` or a date alone (midnight), as written, without
  a zone (a value with a zone is refused: declare the column `timestamptz`); up to microseconds.
- timestamptz: the same with a zone (`Z`, `+01:00`, `+0100`, `+01`), kept as an instant; a value without a zone
  is refused (which zone would it be?).
- time: `HH:MM[:SS[.fraction]]`, without a zone.
"""

import datetime
import re
from decimal import Decimal
from typing import Final

from services.excerpts import excerpt

# Postgres numeric: up to 131072 digits before the decimal point and 16383 after it.
MAX_NUMERIC_INTEGER_DIGITS: Final = 131072
MAX_NUMERIC_FRACTION_DIGITS: Final = 16383
MICROSECOND_DIGITS: Final = 6

_DECIMAL: Final = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?"
)
_CLOCK: Final = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
_ZONE: Final = r"(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_TIMESTAMP: Final = re.compile(rf"([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})(?:[Tt ]{_CLOCK}{_ZONE}?)?")
_TIME: Final = re.compile(_CLOCK)


def _blank(raw: str | None) -> str | None:
    text = raw.strip() if raw is not None else ""
    return text or None


def standardise_decimal(raw: str | None) -> Decimal | None:
    """An exact decimal (`0.186`, `1,200.5`, `1e-05`) within Postgres numeric's range; raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    if _DECIMAL.fullmatch(text) is None:
        raise ValueError(
            f"{excerpt(text)!r} is not a decimal number (digits with an optional . fraction and exponent; "
            "commas only between groups of three digits)"
        )
    value = Decimal(text.replace(",", ""))
    exponent = value.as_tuple().exponent
    fraction_digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if value.adjusted() >= MAX_NUMERIC_INTEGER_DIGITS or fraction_digits > MAX_NUMERIC_FRACTION_DIGITS:
        raise ValueError(f"{excerpt(text)!r} is outside the range of a decimal column")
    return Decimal(format(value, "f"))  # plain notation: `2.5E+3` is the whole number 2500, as Postgres reads it


def _clock(hour: str, minute: str, second: str | None, fraction: str | None, text: str) -> datetime.time:
    digits = fraction or ""
    if digits[MICROSECOND_DIGITS:].strip("0"):
        raise ValueError(f"{excerpt(text)!r} is more precise than a microsecond, which would be lost")
    microsecond = int(digits[:MICROSECOND_DIGITS].ljust(MICROSECOND_DIGITS, "0"))
    try:
        return datetime.time(int(hour), int(minute), int(second or 0), microsecond)
    except ValueError as exc:
        raise ValueError(f"{excerpt(text)!r} is not a real time of day ({exc})") from exc


def _zone(written: str, text: str) -> datetime.timezone:
    if written in {"Z", "z"}:
        return datetime.UTC
    digits = written[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{excerpt(text)!r} has an impossible time zone offset {written!r}")
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-offset if written.startswith("-") else offset)


def _moment(raw: str | None) -> tuple[datetime.datetime, str | None, str] | None:
    """The moment as written (naive), the zone as written (or None), and the text; ValueError if no ISO 8601."""
    text = _blank(raw)
    if text is None:
        return None
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise ValueError(f"{excerpt(text)!r} is not a timestamp as YYYY-MM-DD HH:MM:SS (ISO 8601)")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        calendar_day = datetime.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise ValueError(f"{excerpt(text)!r} is not a real date ({exc})") from exc
    clock = _clock(hour, minute, second, fraction, text) if hour is not None else datetime.time()
    return datetime.datetime.combine(calendar_day, clock), zone, text


def standardise_timestamp(raw: str | None) -> datetime.datetime | None:
    """A zone-less ISO 8601 timestamp, as written (a date alone is midnight); raises ValueError."""
    moment = _moment(raw)
    if moment is None:
        return None
    value, zone, text = moment
    if zone is not None:
        raise ValueError(f"{excerpt(text)!r} has a time zone; declare the column as timestamptz to keep it")
    return value


def standardise_timestamptz(raw: str | None) -> datetime.datetime | None:
    """An ISO 8601 timestamp with a zone (`Z`, `+01:00`), as an instant; raises ValueError without one."""
    moment = _moment(raw)
    if moment is None:
        return None
    value, zone, text = moment
    if zone is None:
        raise ValueError(f"{excerpt(text)!r} has no time zone (Z or +HH:MM); declare the column as timestamp")
    return value.replace(tzinfo=_zone(zone, text))


def standardise_time(raw: str | None) -> datetime.time | None:
    """A time of day as `HH:MM[:SS[.fraction]]`; raises ValueError."""
    text = _blank(raw)
    if text is None:
        return None
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{excerpt(text)!r} is not a time of day as HH:MM:SS")
    hour, minute, second, fraction = match.groups()
    return _clock(hour, minute, second, fraction, text)
