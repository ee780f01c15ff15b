"""AEMO's Meter Data File Format (MDFF), shared by NEM12 and NEM13: records, blocks, values, warnings.

A file is one or more blocks, each a 100 header (`100,NEM12` or `100,NEM13`), data records and a
900 end-of-data record. Real files bend this in harmless ways, and we take them: a UTF-8 BOM, CRLF
or LF, blank and comma-only lines, fields padded with spaces, rows padded with empty trailing
fields (spreadsheet re-saves), several blocks in one file, and portal exports that start at their
first data record without a 100 header (and sometimes end without a 900). Each quirk that changes
how a file is read is counted in `ParseNotes`, for the file's log line. Everything here is pure
but the two shell helpers at the bottom, which open a meter file and COPY its rows.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from services.importers.base import LoadJob, Reject
from services.importers.copying import CopyCounts, CopyTarget, RowSource, copy_rows
from services.importers.encodings import UTF8
from services.importers.sources import open_text

VERSIONS: Final = ("NEM12", "NEM13")
NMI_CHARS: Final = 10
# A 300 record of 1-minute intervals is about 25,000 characters; a line far longer is no record,
# and reading it whole (a zip bomb of one endless line) would take unbounded memory.
MAX_LINE_CHARS: Final = 1 << 20
ENERGY_UNITS: Final = frozenset({"WH", "KWH", "MWH"})
_DECIMAL: Final = r"[0-9]*\.?[0-9]+"  # the spec's decimals, the leading zero optional: 12, 0.5, .5
UNSIGNED_DECIMAL: Final = re.compile(_DECIMAL)  # an interval value or a register read
_SIGNED_DECIMAL: Final = re.compile(f"-?{_DECIMAL}")
_NMI: Final = re.compile(r"[A-Za-z0-9]{1,10}")
_DATE8: Final = re.compile(r"[0-9]{8}")
_DATETIME: Final = re.compile(r"[0-9]{12}(?:[0-9]{2})?")  # DateTime14, or DateTime12 of older files
_BLANK: Final = b"\xef\xbb\xbf \t\r\n,"


class Record(NamedTuple):
    """One non-blank line: its number, its fields (trimmed, trailing empty ones dropped) and its text."""

    line_no: int
    fields: list[str]
    raw: str  # the line as written, without its line end
    has_line_end: bool


@dataclass
class ParseNotes:
    """Harmless quirks of one file, counted so its log line can name them."""

    blocks: int = 0
    headerless_blocks: int = 0
    has_no_trailer: bool = False
    short_nmis: set[str] = field(default_factory=set)
    repeats: int = 0  # the same stream and day (NEM12) or read period (NEM13) again: the later one wins
    joined_lines: int = 0

    def as_notes(self, repeats_name: str) -> dict[str, object]:
        """The warnings that apply, as log fields: `short_nmis=2 headerless_blocks=1 …`."""
        notes: dict[str, object] = {
            "short_nmis": len(self.short_nmis),
            "headerless_blocks": self.headerless_blocks,
            "no_trailer": self.has_no_trailer,
            "blocks": self.blocks if self.blocks > 1 else 0,
            repeats_name: self.repeats,
            "joined_lines": self.joined_lines,
        }
        return {name: value for name, value in notes.items() if value}


def split_fields(text: str) -> list[str]:
    """The fields of a line, each trimmed, without the empty fields a spreadsheet pads rows with."""
    fields = [part.strip() for part in text.split(",")]
    while fields and not fields[-1]:
        fields.pop()
    return fields


def iter_records(lines: Iterable[str]) -> Iterator[Record]:
    """The non-blank lines as records, numbered as in the file (blank and comma-only lines skipped)."""
    for line_no, line in enumerate(lines, start=1):
        raw = line.rstrip("\r\n")
        fields = split_fields(raw)
        if fields:
            yield Record(line_no, fields, raw, len(raw) < len(line))


def bounded_lines(stream: IO[str], max_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The stream's lines (line ends kept); BadFileError on a line longer than `max_chars`."""
    for line_no, line in enumerate(iter(lambda: stream.readline(max_chars + 1), ""), start=1):
        if len(line) > max_chars:
            raise BadFileError(
                f"line {line_no} is longer than {max_chars:,} characters: this is not meter data", line=line_no
            )
        yield line


def first_fields(head: bytes) -> list[str]:
    """The fields of the first non-blank line of a file's first bytes (for recognising its kind)."""
    text = head.lstrip(_BLANK).decode("ascii", errors="replace")
    return split_fields(text.split("\n", 1)[0].split("\r", 1)[0])


def value_problem(text: str) -> str | None:
    """Why `text` is not an interval value (a decimal >= 0, leading zero optional), or None when it is one."""
    if UNSIGNED_DECIMAL.fullmatch(text):
        return None
    if not text:
        return "is empty"
    if text.startswith("-") and UNSIGNED_DECIMAL.fullmatch(text[1:]):
        return "is negative: meter data is never below zero"
    return "is not a plain decimal number (digits and an optional decimal point; no sign, exponent, nan or inf)"


def is_signed_decimal(text: str) -> bool:
    """Whether `text` is a decimal with an optional minus sign (a NEM13 quantity)."""
    return _SIGNED_DECIMAL.fullmatch(text) is not None


def nmi_problem(nmi: str) -> str | None:
    """Why `nmi` cannot be an NMI (up to 10 letters or digits), or None when it can."""
    if _NMI.fullmatch(nmi):
        return None
    return f"NMI {nmi!r} is not 1 to {NMI_CHARS} letters or digits"


def parse_date8(text: str) -> date | None:
    """A `YYYYMMDD` date, or None."""
    if not _DATE8.fullmatch(text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))  # a third of strptime's time
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """A `YYYYMMDDhhmmss` (or `YYYYMMDDhhmm`) date and time, or None."""
    if not _DATETIME.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S" if len(text) == 14 else "%Y%m%d%H%M")
    except ValueError:
        return None


def is_energy_unit(uom: str) -> bool:
    """Whether the unit is active energy (Wh, kWh, MWh in any case), which converts to kWh."""
    return uom.upper() in ENERGY_UNITS


def framed_records(
    records: Iterable[Record], version: str, block_start: str, notes: ParseNotes
) -> Iterator[Record | Reject]:
    """The data records and 900s of every block, in file order; BadFileError when the blocks are not whole.

    A block starts at a `100,<version>` header, or (a portal export) at a `block_start` record.
    """
    in_block = has_header = False
    last: Record | None = None
    end_line: int | None = None
    for record in records:
        last = record
        if not in_block:
            has_header = _starts_with_header(record, version, block_start, end_line)
            in_block = True
            notes.blocks += 1
            if has_header:
                continue
            notes.headerless_blocks += 1
        elif record.fields[0] == "100":
            yield Reject(record.line_no, record.raw, "a 100 header record must start the file or follow a 900 record")
            continue
        elif record.fields[0] == "900":
            in_block, end_line = False, record.line_no
        yield record
    _check_end(last, in_block=in_block, has_header=has_header, version=version, notes=notes)


def _starts_with_header(record: Record, version: str, block_start: str, end_line: int | None) -> bool:
    fields, line = record.fields, record.line_no
    if fields[0] == "100" and fields[1:2] == [version]:
        return True
    if fields[0] == "100" and fields[1:2] and fields[1] in VERSIONS:
        raise BadFileError(
            f"line {line} starts a {fields[1]} block in a {version} file: send NEM12 and NEM13 data in separate files",
            line=line,
        )
    if fields[0] == block_start:
        return False
    if end_line is not None:
        raise BadFileError(
            f"line {line} comes after the 900 end-of-data record (line {end_line}) "
            f"but starts no new block (a 100 or {block_start} record)",
            line=line,
        )
    raise BadFileError(
        f"line {line} is neither a 100,{version} header record nor a {block_start} record: "
        f"this is not a {version} file",
        line=line,
    )


def _check_end(last: Record | None, *, in_block: bool, has_header: bool, version: str, notes: ParseNotes) -> None:
    if last is None:
        raise BadFileError(f"the file is empty: a {version} file starts with a 100 header record")
    if not in_block:
        return
    if has_header:
        raise BadFileError("the file has no 900 end-of-data record: it is truncated; send it again whole")
    if not last.has_line_end:
        raise BadFileError(
            f"the file ends in the middle of line {last.line_no} and has no 900 end-of-data record: "
            "it looks truncated; send it again whole",
            line=last.line_no,
        )
    notes.has_no_trailer = True


def truncated_end(reject: Reject) -> BadFileError:
    """A file without a 900 whose last record is not whole: it was cut short, so none of it is loaded."""
    return BadFileError(
        f"the file has no 900 end-of-data record and its last record (line {reject.line_no}) is not whole "
        f"({reject.reason}): it looks truncated; send it again whole",
        line=reject.line_no,
    )


@contextmanager
def open_lines(job: LoadJob) -> Iterator[Iterator[str]]:
    """The lines of the job's file: the one place a meter data file is opened (the ingest path may hand it over
    another way, from inside a zip for one)."""
    with open_text(job.source, UTF8) as stream:
        yield bounded_lines(stream)


async def copy_meter_rows(conn: AsyncConnection, job: LoadJob, target: CopyTarget, rows: RowSource) -> CopyCounts:
    """COPY the rows into `target` inside the caller's transaction; BadFileError when the file is not text."""
    copier = await driver_connection(conn)
    try:
        return await copy_rows(
            copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
        )
    except UnicodeDecodeError as exc:
        raise BadFileError("a meter data file must be plain ASCII text", detail=str(exc)) from exc
