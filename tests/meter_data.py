"""NEM12/NEM13 test helpers: small files written by hand, and the production parse read back as readings."""

import io
from collections.abc import Iterable
from typing import NamedTuple

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.mdff import ParseNotes
from services.importers.nem12 import copy_lines, iter_interval_days
from services.importers.nem12_records import IntervalDay

HEADER = "100,NEM12,202601010000,MDP1,RETAILER1"
HEADER_13 = "100,NEM13,202601010000,MDP1,RETAILER1"
BLOCK_30 = "200,NMI0000001,E1B1,1,E1,N1,METER1,kWh,30,20260101"
BLOCK_5 = "200,NMI0000002,E1,1,E1,N1,METER2,KWH,5,20260101"
B2B = "500,O,S01009,20260101000000,"
END = "900"


class StagedReading(NamedTuple):
    """One row of staging.nem12 as the importer COPYs it (without the file id)."""

    line_no: int
    nmi: str
    suffix: str
    register_id: str
    uom: str
    interval_length: int
    interval_start: str
    value: str
    quality_method: str
    reason_code: str | None


def day_line(
    day: str = "20260101", *, count: int = 48, quality: str = "A", reason: str = "", values: list[str] | None = None
) -> str:
    """A 300 record whose interval i has the value i (unless `values` are given)."""
    values = [str(number) for number in range(1, count + 1)] if values is None else values
    return ",".join(["300", day, *values, quality, reason, "", "20260102000000", "20260102000100"])


DAY = day_line()


def nem12(*lines: str, line_end: str = "\n") -> str:
    """The lines as one file's text, each with its line end."""
    return line_end.join(lines) + line_end


def decode_copy_line(line: str) -> StagedReading:
    """A COPY text line of staging.nem12 read back (null as None)."""
    fields = line.removesuffix("\n").split("\t")
    _, line_no, nmi, suffix, register_id, uom, length, start, value, quality, reason = fields
    code = None if reason == "\\N" else reason
    return StagedReading(int(line_no), nmi, suffix, register_id, uom, int(length), start, value, quality, code)


def readings_and_rejects(items: Iterable[IntervalDay | Reject]) -> list[StagedReading | Reject]:
    """What the importer streams for parsed items: a reading per interval (via copy_lines), or the reject."""
    result: list[StagedReading | Reject] = []
    for item in items:
        if isinstance(item, Reject):
            result.append(item)
        else:
            result.extend(decode_copy_line(line) for line in copy_lines(1, item))
    return result


def records(text: str, notes: ParseNotes | None = None) -> list[StagedReading | Reject]:
    """Parse text the way the loader does (a text stream keeping line ends) into readings and rejects."""
    return readings_and_rejects(iter_interval_days(io.StringIO(text, newline=""), notes))


def readings(text: str, notes: ParseNotes | None = None) -> list[StagedReading]:
    """The readings of a file that must have no rejects."""
    items = records(text, notes)
    assert not [item for item in items if isinstance(item, Reject)]
    return [item for item in items if isinstance(item, StagedReading)]


def rejects(text: str) -> list[Reject]:
    """The rejects of a file."""
    return [item for item in records(text) if isinstance(item, Reject)]


def bad_file(text: str) -> BadFileError:
    """The BadFileError a file raises (the test fails if it loads)."""
    try:
        records(text)
    except BadFileError as error:
        return error
    raise AssertionError("the file was not refused")


def notes_of(text: str) -> dict[str, object]:
    """The warnings a whole file's parse counts."""
    notes = ParseNotes()
    records(text, notes)
    return notes.as_notes("duplicate_days")
