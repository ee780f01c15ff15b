"""NEM12 interval meter data (AEMO's Meter Data File Format): one staging row per interval reading.

Records are comma-separated lines whose first field is the record type: 100 header (first),
200 NMI details (starts a block), 300 interval data, 400 interval events (quality per interval
range of the 300 before it when that one says `V`), 500 B2B details (ignored), 900 end (last).
Pure parsing first; the one async `load` at the bottom streams readings into `staging.nem12`.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, copy_rows, text_row
from services.importers.encodings import UTF8
from services.importers.sources import open_text

KIND: Final = "nem12"
INTERVAL_LENGTHS: Final = (5, 15, 30)
MINUTES_PER_DAY: Final = 1440
TRAILING_300_FIELDS: Final = 5  # QualityMethod, ReasonCode, ReasonDescription, UpdateDateTime, MSATSLoadDateTime
_VALUE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DATE: Final = re.compile(r"[0-9]{8}")
_NMI: Final = re.compile(r"[A-Z0-9]{10}")
COPY_COLUMNS: Final = (
    "file_id", "line_no", "nmi", "nmi_suffix", "register_id", "uom", "interval_length",
    "interval_start", "value", "quality_method", "reason_code",
)  # fmt: skip


@dataclass(frozen=True)
class NmiBlock:
    """A 200 record: which meter data stream the following 300 records belong to."""

    line_no: int
    nmi: str
    register_id: str
    suffix: str
    uom: str
    interval_length: int


class Reading(NamedTuple):
    """One interval of a 300 record, as it goes to staging."""

    line_no: int
    nmi: str
    suffix: str
    register_id: str
    uom: str
    interval_length: int
    interval_start: str  # 'YYYY-MM-DD HH:MM', market local standard time (AEST, no daylight saving)
    value: str
    quality_method: str
    reason_code: str | None


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


def times_of_day(interval_length: int) -> list[str]:
    """'HH:MM' of each interval's start in a day: 00:00, 00:30, … for 30-minute intervals."""
    return [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, MINUTES_PER_DAY, interval_length)]


_TIMES: Final = {length: times_of_day(length) for length in INTERVAL_LENGTHS}


def parse_200(fields: list[str], line_no: int) -> NmiBlock | Reject:
    """A 200 record, or why it cannot start a block."""
    if len(fields) < 10:
        return Reject(line_no, ",".join(fields), f"a 200 record needs 10 fields, this one has {len(fields)}")
    nmi, register_id, suffix, uom, length = fields[1], fields[3], fields[4], fields[7], fields[8]
    if not _NMI.fullmatch(nmi):
        return Reject(line_no, ",".join(fields), f"NMI {nmi!r} is not 10 letters or digits")
    if not _is_number(length) or int(length) not in INTERVAL_LENGTHS:
        return Reject(line_no, ",".join(fields), f"interval length {length!r} is not 5, 15 or 30 minutes")
    if not suffix or not uom:
        return Reject(line_no, ",".join(fields), "a 200 record needs its NMI suffix and unit of measure")
    return NmiBlock(line_no, nmi, register_id, suffix.upper(), uom, int(length))


def parse_300(fields: list[str], line_no: int, block: NmiBlock) -> IntervalDay | Reject:
    """A 300 record of `block`, or why it cannot be read."""
    expected = MINUTES_PER_DAY // block.interval_length
    raw = ",".join(fields)
    if len(fields) != 2 + expected + TRAILING_300_FIELDS:
        return Reject(
            line_no,
            raw,
            f"a 300 record of a {block.interval_length}-minute block needs {expected} values, "
            f"this one has {len(fields) - 2 - TRAILING_300_FIELDS}",
        )
    day = _date(fields[1])
    if day is None:
        return Reject(line_no, raw, f"interval date {fields[1]!r} is not a valid YYYYMMDD date")
    values = fields[2 : 2 + expected]
    for position, value in enumerate(values, start=1):
        if not _VALUE.fullmatch(value):
            return Reject(line_no, raw, f"interval {position} value {value!r} is not a number")
    quality, reason = fields[2 + expected], fields[3 + expected]
    if not quality:
        return Reject(line_no, raw, "a 300 record needs its quality method")
    return IntervalDay(block, line_no, day, values, quality, reason or None)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _date(text: str) -> date | None:
    if not _DATE.fullmatch(text):  # strptime alone takes 2026111 for a date
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def apply_400(fields: list[str], line_no: int, interval_day: IntervalDay) -> Reject | None:
    """Record a 400 record's quality for its interval range; returns a Reject when it does not fit."""
    raw = ",".join(fields)
    if not interval_day.quality_method.upper().startswith("V"):
        return Reject(line_no, raw, "a 400 record must follow a 300 record whose quality method is V")
    if len(fields) < 4 or not (_is_number(fields[1]) and _is_number(fields[2])):
        return Reject(line_no, raw, "a 400 record needs a start and an end interval number")
    if not fields[3]:
        return Reject(line_no, raw, "a 400 record needs its quality method")
    start, end = int(fields[1]), int(fields[2])
    if not 1 <= start <= end <= len(interval_day.values):
        return Reject(line_no, raw, f"intervals {start}-{end} are outside 1-{len(interval_day.values)}")
    if not interval_day.qualities:
        interval_day.qualities = [(interval_day.quality_method, interval_day.reason_code)] * len(interval_day.values)
    reason = fields[4] if len(fields) > 4 and fields[4] else None
    for index in range(start - 1, end):
        interval_day.qualities[index] = (fields[3], reason)
    return None


def readings_of(interval_day: IntervalDay) -> Iterator[Reading]:
    """The readings of a 300 record, one per interval, with per-interval quality from its 400s."""
    block = interval_day.block
    prefix = interval_day.day.isoformat()
    qualities = interval_day.qualities or [(interval_day.quality_method, interval_day.reason_code)] * len(
        interval_day.values
    )
    for time_of_day, value, (quality, reason) in zip(
        _TIMES[block.interval_length], interval_day.values, qualities, strict=True
    ):
        yield Reading(
            interval_day.line_no,
            block.nmi,
            block.suffix,
            block.register_id,
            block.uom,
            block.interval_length,
            f"{prefix} {time_of_day}",
            value,
            quality,
            reason,
        )


@dataclass
class _State:
    block: NmiBlock | None = None
    pending: IntervalDay | None = None
    has_header: bool = False
    end_line: int | None = None


def _flush(state: _State) -> Iterator[IntervalDay]:
    if state.pending is not None:
        yield state.pending
        state.pending = None


def _record(fields: list[str], line_no: int, state: _State) -> Iterator[IntervalDay | Reject]:
    kind = fields[0]
    if kind == "400":
        rejected = apply_400(fields, line_no, state.pending) if state.pending else None
        if state.pending is None:
            rejected = Reject(line_no, ",".join(fields), "a 400 record must follow a 300 record")
        if rejected:
            yield rejected
        return
    yield from _flush(state)
    if kind == "200":
        parsed = parse_200(fields, line_no)
        state.block = parsed if isinstance(parsed, NmiBlock) else None
        if isinstance(parsed, Reject):
            yield parsed
    elif kind == "300":
        yield from _record_300(fields, line_no, state)
    elif kind != "500":
        yield Reject(line_no, ",".join(fields), f"unknown record type {kind!r}")


def _record_300(fields: list[str], line_no: int, state: _State) -> Iterator[Reject]:
    if state.block is None:
        yield Reject(line_no, ",".join(fields), "a 300 record must follow a valid 200 record")
        return
    parsed = parse_300(fields, line_no, state.block)
    if isinstance(parsed, Reject):
        yield parsed
    else:
        state.pending = parsed


def iter_nem12_records(lines: Iterable[str]) -> Iterator[Reading | Reject]:
    """Parse NEM12 lines into readings and rejects, streaming; BadFileError when the file is not whole."""
    for item in iter_interval_days(lines):
        if isinstance(item, Reject):
            yield item
        else:
            yield from readings_of(item)


def iter_nem12_copy_lines(lines: Iterable[str], file_id: int) -> Iterator[str | Reject]:
    """The same readings as `iter_nem12_records`, as COPY text lines for `staging.nem12`."""
    for item in iter_interval_days(lines):
        if isinstance(item, Reject):
            yield item
        else:
            yield from copy_lines(file_id, item)


def iter_interval_days(lines: Iterable[str]) -> Iterator[IntervalDay | Reject]:
    """The 300 records (with their 400 qualities) and the rejects, in file order."""
    state = _State()
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        fields = [part.strip() for part in text.split(",")]
        if state.end_line is not None:
            raise BadFileError(f"line {line_no} comes after the 900 end-of-data record (line {state.end_line})")
        if not state.has_header:
            _check_header(fields, line_no)
            state.has_header = True
        elif fields[0] == "900":
            yield from _flush(state)
            state.end_line = line_no
        else:
            yield from _record(fields, line_no, state)
    if not state.has_header:
        raise BadFileError("the file is empty: a NEM12 file starts with a 100 header record")
    if state.end_line is None:
        raise BadFileError("the file has no 900 end-of-data record: it is truncated; send it again whole")


def _check_header(fields: list[str], line_no: int) -> None:
    if fields[:2] != ["100", "NEM12"]:
        raise BadFileError(f"line {line_no} is not a 100,NEM12 header record", line=line_no)


_HEADERLESS: Final = re.compile(rb"200,[A-Z0-9]{10},")


def is_nem12(head: bytes) -> bool:
    """Whether the first record is `100,NEM12`, or a 200 record (a NEM12 file that lost its header,
    which the loader then quarantines with that reason rather than as an unknown kind)."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return first.startswith(b"100,NEM12") or _HEADERLESS.match(first) is not None


def to_copy_line(file_id: int, reading: Reading) -> str:
    """A reading as a COPY text line in the order of `COPY_COLUMNS`."""
    return text_row((file_id, *reading))


def copy_lines(file_id: int, interval_day: IntervalDay) -> Iterator[str]:
    """The COPY lines of a 300 record's readings (what `to_copy_line` gives, with per-record work shared)."""
    block = interval_day.block
    head = text_row((file_id, interval_day.line_no, block.nmi, block.suffix, block.register_id, block.uom))
    head = f"{head[:-1]}\t{block.interval_length}\t{interval_day.day.isoformat()} "
    qualities = interval_day.qualities or [(interval_day.quality_method, interval_day.reason_code)]
    tails = {quality: "\t" + text_row(quality)[:-1] + "\n" for quality in set(qualities)}
    if not interval_day.qualities:
        tail = tails[qualities[0]]
        for time_of_day, value in zip(_TIMES[block.interval_length], interval_day.values, strict=True):
            yield f"{head}{time_of_day}\t{value}{tail}"
        return
    for time_of_day, value, quality in zip(_TIMES[block.interval_length], interval_day.values, qualities, strict=True):
        yield f"{head}{time_of_day}\t{value}{tails[quality]}"


class Nem12Importer:
    """Loads NEM12 files into `staging.nem12`, one row per interval."""

    kind: Final = KIND

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its first record, whatever the file's name or compression."""
        return is_nem12(head)

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the readings into staging inside the caller's transaction."""
        target = CopyTarget(job.staging_schema, KIND, COPY_COLUMNS)
        records = [0]  # 300 records read

        def rows() -> Iterator[str | Reject]:
            with open_text(job.source, UTF8) as lines:
                for item in iter_interval_days(lines):
                    if isinstance(item, Reject):
                        yield item
                        continue
                    records[0] += 1
                    yield from copy_lines(job.file_id, item)

        copier = await driver_connection(conn)
        try:
            counts = await copy_rows(
                copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
            )
        except UnicodeDecodeError as exc:
            raise BadFileError("a NEM12 file must be plain ASCII text", detail=str(exc)) from exc
        return LoadResult(
            counts.rows,
            counts.rejected,
            encoding="utf-8",
            first_rejects=counts.first_rejects,
            source_records=records[0],
        )


IMPORTER: Final = Nem12Importer()
