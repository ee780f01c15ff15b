"""NEM13 accumulation meter data (AEMO's Meter Data File Format): one staging row per register read period.

Basic meters are read by hand now and then: each 250 record gives a register's previous and
current reads with their dates and times, and the quantity used (or exported) between them.
550 B2B details are ignored. Blocks, headers and trailers follow `mdff`. Pure parsing first; the
one async `load` at the bottom streams the read periods into `staging.nem13`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, text_row
from services.importers.mdff import (
    NMI_CHARS,
    ParseNotes,
    Record,
    copy_meter_rows,
    first_fields,
    framed_records,
    is_signed_decimal,
    iter_records,
    nmi_problem,
    open_lines,
    parse_datetime,
    truncated_end,
    value_problem,
)

KIND: Final = "nem13"
FIELDS_250: Final = 20  # up to UOM; NextScheduledReadDate, UpdateDateTime and MSATSLoadDateTime may be left off
DIRECTIONS: Final = ("E", "I")  # E: energy taken from the network (consumption); I: energy sent into it
REPEATS_NOTE: Final = "duplicate_reads"
COPY_COLUMNS: Final = (
    "file_id", "line_no", "nmi", "nmi_suffix", "register_id", "meter_serial", "direction",
    "previous_read", "previous_read_at", "previous_quality_method",
    "current_read", "current_read_at", "current_quality_method", "quantity", "uom",
)  # fmt: skip


@dataclass(frozen=True)
class RegisterRead:
    """A 250 record: the register's reads at the start and end of a period, and the quantity between them."""

    line_no: int
    nmi: str
    suffix: str
    register_id: str
    meter_serial: str
    direction: str
    previous_read: str
    previous_read_at: datetime
    previous_quality_method: str
    current_read: str
    current_read_at: datetime
    current_quality_method: str
    quantity: str
    uom: str


def parse_250(record: Record) -> RegisterRead | Reject:
    """A 250 record, or why it cannot be read."""
    fields = record.fields
    if len(fields) < FIELDS_250:
        return _reject(record, f"a 250 record needs {FIELDS_250} fields (up to its UOM), this one has {len(fields)}")
    problem = _problem(fields)
    if problem:
        return _reject(record, problem)
    previous_at, current_at = parse_datetime(fields[9]), parse_datetime(fields[14])
    if previous_at is None or current_at is None:
        shown = fields[9] if previous_at is None else fields[14]
        return _reject(record, f"read date and time {shown!r} is not a valid YYYYMMDDhhmmss")
    if current_at < previous_at:
        return _reject(record, f"the current read ({fields[14]}) is earlier than the previous one ({fields[9]})")
    return RegisterRead(
        record.line_no, fields[1], fields[4].upper(), fields[3], fields[6], fields[7], fields[8], previous_at,
        fields[10], fields[13], current_at, fields[15], fields[18], fields[19],
    )  # fmt: skip


def _problem(fields: list[str]) -> str | None:
    """What is wrong with a 250 record's NMI, stream, direction, reads, quantity or unit, if anything."""
    read_problems = (
        f"{name} {value!r} {value_problem(value)}"
        for name, value in (("previous read", fields[8]), ("current read", fields[13]))
        if value_problem(value)
    )
    checks = (
        nmi_problem(fields[1]),
        None if fields[4] else "a 250 record needs its NMI suffix (the data stream, e.g. 11)",
        None if fields[7] in DIRECTIONS else f"direction {fields[7]!r} is neither E (consumption) nor I (generation)",
        next(read_problems, None),
        None if is_signed_decimal(fields[18]) else f"quantity {fields[18]!r} is not a decimal number",
        None if fields[19] else "a 250 record needs its unit of measure",
    )
    return next((problem for problem in checks if problem), None)


def _reject(record: Record, reason: str) -> Reject:
    return Reject(record.line_no, record.raw, reason)


def iter_register_reads(lines: Iterable[str], notes: ParseNotes | None = None) -> Iterator[RegisterRead | Reject]:
    """The 250 records and the rejects, in file order; BadFileError when the file cannot be used."""
    notes = notes if notes is not None else ParseNotes()
    seen: set[int] = set()
    last_reject: Reject | None = None
    for item in framed_records(iter_records(lines), "NEM13", "250", notes):
        parsed = item if isinstance(item, Reject) else _parse(item)
        if isinstance(parsed, RegisterRead):
            key = hash((parsed.nmi, parsed.suffix, parsed.register_id, parsed.previous_read_at, parsed.current_read_at))
            notes.repeats += key in seen
            seen.add(key)
            if len(parsed.nmi) < NMI_CHARS:
                notes.short_nmis.add(parsed.nmi)
        last_reject = parsed if isinstance(parsed, Reject) else None
        if parsed is not None:
            yield parsed
    if notes.has_no_trailer and last_reject is not None:
        raise truncated_end(last_reject)


def _parse(record: Record) -> RegisterRead | Reject | None:
    kind = record.fields[0]
    if kind == "250":
        return parse_250(record)
    if kind in ("550", "900"):
        return None
    return _reject(record, f"unknown record type {kind!r}")


def is_nem13(head: bytes) -> bool:
    """Whether the first record is `100,NEM13`."""
    return first_fields(head)[:2] == ["100", "NEM13"]


def copy_line(file_id: int, read: RegisterRead) -> str:
    """A read period as a COPY text line in the order of `COPY_COLUMNS`."""
    return text_row(
        (
            file_id, read.line_no, read.nmi, read.suffix, read.register_id, read.meter_serial, read.direction,
            read.previous_read, read.previous_read_at.isoformat(sep=" "), read.previous_quality_method,
            read.current_read, read.current_read_at.isoformat(sep=" "), read.current_quality_method,
            read.quantity, read.uom,
        )
    )  # fmt: skip


class Nem13Importer:
    """Loads NEM13 files into `staging.nem13`, one row per register read period."""

    kind: Final = KIND

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its first record, whatever the file's name or compression."""
        return is_nem13(head)

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the read periods into staging inside the caller's transaction."""
        notes = ParseNotes()

        def rows() -> Iterator[str | Reject]:
            with open_lines(job) as lines:
                for item in iter_register_reads(lines, notes):
                    yield item if isinstance(item, Reject) else copy_line(job.file_id, item)

        counts = await copy_meter_rows(conn, job, CopyTarget(job.staging_schema, KIND, COPY_COLUMNS), rows)
        return LoadResult(
            counts.rows,
            counts.rejected,
            encoding="utf-8",
            first_rejects=counts.first_rejects,
            notes=notes.as_notes(REPEATS_NOTE),
        )


IMPORTER: Final = Nem13Importer()
