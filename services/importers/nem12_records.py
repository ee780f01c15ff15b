"""NEM12 records, one at a time: 200 NMI details, 300 interval data, 400 interval events.

A 300 record's value count must fit the interval length of its stream (200 record): when it does
not, its values would land in the wrong intervals, so BadFileError refuses the whole file. Other
bad records are rejected with their line. Everything here is pure.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Final

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.mdff import UNSIGNED_DECIMAL, Record, is_energy_unit, nmi_problem, parse_date8, value_problem

MINUTES_PER_DAY: Final = 1440
TRAILING_300_FIELDS: Final = 5  # QualityMethod, ReasonCode, ReasonDescription, UpdateDateTime, MSATSLoadDateTime
_QUALITY: Final = re.compile(r"[AEFNSV](?:[0-9]{2})?")


@dataclass(frozen=True)
class NmiBlock:
    """A 200 record: which meter data stream the following 300 records belong to."""

    line_no: int
    nmi: str
    register_id: str
    suffix: str
    uom: str
    interval_length: int


@dataclass
class IntervalDay:
    """A parsed 300 record, held until its 400 records (if any) have been read."""

    block: NmiBlock
    line_no: int
    day: date
    values: list[str]
    quality_method: str
    reason_code: str | None
    qualities: list[tuple[str, str | None]] = field(default_factory=list)
    event_ranges: list[tuple[int, int]] = field(default_factory=list)


def is_interval_length(minutes: int) -> bool:
    """Whether intervals of this many minutes fill a day exactly (5, 15, 30, and the odd 10 or 1)."""
    return 0 < minutes <= MINUTES_PER_DAY and MINUTES_PER_DAY % minutes == 0


@cache
def times_of_day(interval_length: int) -> list[str]:
    """'HH:MM' of each interval's start in a day: 00:00, 00:30, … for 30-minute intervals."""
    return [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, MINUTES_PER_DAY, interval_length)]


def parse_200(record: Record) -> NmiBlock | Reject:
    """A 200 record, or why it cannot start a stream."""
    fields, line = record.fields, record.line_no
    if len(fields) < 9:
        return Reject(line, record.raw, f"a 200 record needs at least 9 fields, this one has {len(fields)}")
    nmi, register_id, suffix, uom, length = fields[1], fields[3], fields[4].upper(), fields[7], fields[8]
    problem = nmi_problem(nmi)
    if problem:
        return Reject(line, record.raw, problem)
    if not (length.isascii() and length.isdigit() and is_interval_length(int(length))):
        return Reject(line, record.raw, f"interval length {length!r} is not a whole number of minutes dividing a day")
    if not suffix:
        return Reject(line, record.raw, "a 200 record needs its NMI suffix (the data stream, e.g. E1)")
    if suffix[0] in "EB" and not is_energy_unit(uom):
        return Reject(line, record.raw, f"stream {suffix} is energy, so its unit {uom!r} must be Wh, kWh or MWh")
    return NmiBlock(line, nmi, register_id, suffix, uom, int(length))


def parse_300(record: Record, block: NmiBlock) -> IntervalDay | Reject:
    """A 300 record of `block`, or why it cannot be read; BadFileError when its value count is wrong."""
    fields = record.fields
    at = _quality_position(record, block)
    if isinstance(at, Reject):
        return at
    if len(fields) > at + TRAILING_300_FIELDS:
        extra = len(fields) - at - TRAILING_300_FIELDS
        return Reject(record.line_no, record.raw, f"{extra} fields after MSATSLoadDateTime: two records on one line?")
    day = parse_date8(fields[1])
    if day is None:
        return Reject(record.line_no, record.raw, f"interval date {fields[1]!r} is not a valid YYYYMMDD date")
    values = fields[2:at]
    if not all(map(UNSIGNED_DECIMAL.fullmatch, values)):
        position, value = next((i, v) for i, v in enumerate(values, start=1) if not UNSIGNED_DECIMAL.fullmatch(v))
        return Reject(record.line_no, record.raw, f"interval {position} value {value!r} {value_problem(value)}")
    reason = fields[at + 1] if len(fields) > at + 1 and fields[at + 1] else None
    return IntervalDay(block, record.line_no, day, values, fields[at], reason)


def _quality_position(record: Record, block: NmiBlock) -> int | Reject:
    """Where the QualityMethod field is: right after the day's values, or BadFileError naming the value count."""
    fields, expected = record.fields, MINUTES_PER_DAY // block.interval_length
    at = 2 + expected
    if len(fields) > at and _QUALITY.fullmatch(fields[at]):
        return at
    found = next((i for i in range(2, len(fields)) if _QUALITY.fullmatch(fields[i])), None)
    if found is None and len(fields) >= at:
        shown = fields[at] if len(fields) > at else ""
        return Reject(
            record.line_no,
            record.raw,
            f"after the {expected} values comes {shown!r}, not a quality method (A, E, F, N, S or V)",
        )
    count = (found if found is not None else len(fields)) - 2
    raise BadFileError(
        f"line {record.line_no}: a 300 record of a {block.interval_length}-minute stream needs {expected} values, "
        f"this one has {count}; the file is refused whole, since values in the wrong intervals give wrong numbers: "
        f"fix the record (or the interval length of the 200 record on line {block.line_no}) and send it again",
        detail=f"NMI {block.nmi}, stream {block.suffix}",
        line=record.line_no,
    )


def apply_400(record: Record, interval_day: IntervalDay) -> Reject | None:
    """Record a 400 record's quality for its interval range; returns a Reject when it does not fit."""
    fields, count = record.fields, len(interval_day.values)
    if not interval_day.quality_method.startswith("V"):
        return Reject(record.line_no, record.raw, "a 400 record must follow a 300 record whose quality method is V")
    if len(fields) < 3 or not (_is_whole(fields[1]) and _is_whole(fields[2])):
        return Reject(record.line_no, record.raw, "a 400 record needs a start and an end interval number")
    start, end, quality = int(fields[1]), int(fields[2]), fields[3] if len(fields) > 3 else ""
    if not _QUALITY.fullmatch(quality) or quality == "V":
        return Reject(record.line_no, record.raw, f"quality method {quality!r} of a 400 record is not A, E, F, N or S")
    if not 1 <= start <= end <= count:
        return Reject(record.line_no, record.raw, f"intervals {start}-{end} are outside 1-{count}")
    overlapped = next(((s, e) for s, e in interval_day.event_ranges if s <= end and start <= e), None)
    if overlapped:
        return Reject(record.line_no, record.raw, f"intervals {start}-{end} overlap {overlapped[0]}-{overlapped[1]}")
    if not interval_day.qualities:
        interval_day.qualities = [(interval_day.quality_method, interval_day.reason_code)] * count
    reason = fields[4] if len(fields) > 4 and fields[4] else None
    interval_day.qualities[start - 1 : end] = [(quality, reason)] * (end - start + 1)
    interval_day.event_ranges.append((start, end))
    return None


def _is_whole(text: str) -> bool:
    return text.isascii() and text.isdigit()
