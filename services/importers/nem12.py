"""NEM12 interval meter data (AEMO's Meter Data File Format): one staging row per interval reading.

Inside a block (see `mdff`): 200 NMI details (starts a stream), 300 interval data (one day of a
stream), 400 interval events (the quality of an interval range of the 300 before it, when that one
says `V`), 500 B2B details (ignored); each record is read by `nem12_records`. Here: the file as a
whole, pure, and the one async `load` at the bottom that streams readings into `staging.nem12`.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import BadFileError
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, text_row
from services.importers.mdff import (
    MAX_LINE_CHARS,
    NMI_CHARS,
    ParseNotes,
    Record,
    copy_meter_rows,
    first_fields,
    framed_records,
    iter_records,
    open_lines,
    split_fields,
    truncated_end,
)
from services.importers.nem12_records import (
    MINUTES_PER_DAY,
    IntervalDay,
    NmiBlock,
    apply_400,
    parse_200,
    parse_300,
    times_of_day,
)

KIND: Final = "nem12"
KNOWN_RECORDS: Final = frozenset({"100", "200", "300", "400", "500", "900"})
REPEATS_NOTE: Final = "duplicate_days"
COPY_COLUMNS: Final = (
    "file_id", "line_no", "nmi", "nmi_suffix", "register_id", "uom", "interval_length",
    "interval_start", "value", "quality_method", "reason_code",
)  # fmt: skip


@dataclass
class _State:
    notes: ParseNotes
    block: NmiBlock | None = None
    pending: IntervalDay | None = None
    partial: Record | None = None  # a 300 record cut by line breaks, joined with the lines after it that are no records
    seen_days: set[int] = field(default_factory=set)
    last_reject: Reject | None = None  # the last record's, if it was rejected


def iter_interval_days(lines: Iterable[str], notes: ParseNotes | None = None) -> Iterator[IntervalDay | Reject]:
    """The 300 records (with their 400 qualities) and the rejects, in file order; BadFileError when the
    file cannot be used. `notes` collects the harmless quirks met on the way."""
    state = _State(notes if notes is not None else ParseNotes())
    for item in framed_records(iter_records(lines), "NEM12", "200", state.notes):
        yield from _take(item, state)
    yield from _finish_partial(state)
    yield from _flush(state)
    if state.notes.has_no_trailer and state.last_reject is not None:
        raise truncated_end(state.last_reject)


def _take(item: Record | Reject, state: _State) -> Iterator[IntervalDay | Reject]:
    if isinstance(item, Record) and state.partial is not None and item.fields[0] not in KNOWN_RECORDS:
        _join(item, state)
        return
    yield from _finish_partial(state)
    if isinstance(item, Record) and item.fields[0] == "400":
        yield from _rejected(apply_400(item, state.pending) if state.pending else _no_300(item), state)
        return
    yield from _flush(state)
    if isinstance(item, Reject):
        yield from _rejected(item, state)
    else:
        state.last_reject = None
        yield from _record(item, state)


def _record(record: Record, state: _State) -> Iterator[Reject]:
    kind = record.fields[0]
    if kind == "200":
        parsed = parse_200(record)
        state.block = parsed if isinstance(parsed, NmiBlock) else None
        if isinstance(parsed, NmiBlock) and len(parsed.nmi) < NMI_CHARS:
            state.notes.short_nmis.add(parsed.nmi)
        yield from _rejected(parsed if isinstance(parsed, Reject) else None, state)
    elif kind == "300":
        yield from _record_300(record, state)
    elif kind == "900":
        state.block = None  # the next block names its own streams
    elif kind != "500":
        yield from _rejected(Reject(record.line_no, record.raw, f"unknown record type {kind!r}"), state)


def _record_300(record: Record, state: _State) -> Iterator[Reject]:
    if state.block is None:
        yield from _rejected(Reject(record.line_no, record.raw, "a 300 record must follow a valid 200 record"), state)
    elif len(record.fields) < 3 + MINUTES_PER_DAY // state.block.interval_length:
        state.partial = record  # too short for its values and quality method: a line break inside it?
    else:
        yield from _parse_300(record, state)


def _parse_300(record: Record, state: _State) -> Iterator[Reject]:
    assert state.block is not None
    parsed = parse_300(record, state.block)
    if isinstance(parsed, Reject):
        yield from _rejected(parsed, state)
        return
    key = hash((state.block.nmi, state.block.suffix, parsed.day))
    if key in state.seen_days:
        state.notes.repeats += 1
    state.seen_days.add(key)
    state.pending = parsed


def _join(record: Record, state: _State) -> None:
    """Undo line breaks inside a 300 record: once it is too short, every line after it that is no record continues it
    (a record copied out of a document breaks wherever the page did)."""
    assert state.partial is not None
    raw = state.partial.raw + record.raw
    state.partial = Record(state.partial.line_no, split_fields(raw), raw, record.has_line_end)
    state.notes.joined_lines += 1
    if len(raw) > MAX_LINE_CHARS:
        raise BadFileError(f"the 300 record of line {state.partial.line_no} never ends", line=state.partial.line_no)


def _finish_partial(state: _State) -> Iterator[Reject]:
    if state.partial is not None:
        record, state.partial = state.partial, None
        state.last_reject = None
        yield from _parse_300(record, state)


def _flush(state: _State) -> Iterator[IntervalDay]:
    if state.pending is not None:
        yield state.pending
        state.pending = None


def _rejected(reject: Reject | None, state: _State) -> Iterator[Reject]:
    state.last_reject = reject
    if reject is not None:
        yield reject


def _no_300(record: Record) -> Reject:
    return Reject(record.line_no, record.raw, "a 400 record must follow a 300 record")


def is_nem12(head: bytes) -> bool:
    """Whether the first record is `100,NEM12`, or a well-formed 200 record (a portal export without its header)."""
    fields = first_fields(head)
    if fields[:2] == ["100", "NEM12"]:
        return True
    return fields[:1] == ["200"] and isinstance(parse_200(Record(1, fields, "", True)), NmiBlock)


def copy_lines(file_id: int, interval_day: IntervalDay) -> Iterator[str]:
    """The COPY text lines (in the order of `COPY_COLUMNS`) of a 300 record's readings, one per interval."""
    block = interval_day.block
    head = text_row((file_id, interval_day.line_no, block.nmi, block.suffix, block.register_id, block.uom))
    head = f"{head[:-1]}\t{block.interval_length}\t{interval_day.day.isoformat()} "
    qualities = interval_day.qualities or [(interval_day.quality_method, interval_day.reason_code)]
    tails = {quality: "\t" + text_row(quality)[:-1] + "\n" for quality in set(qualities)}
    times = times_of_day(block.interval_length)
    if not interval_day.qualities:
        tail = tails[qualities[0]]
        for time_of_day, value in zip(times, interval_day.values, strict=True):
            yield f"{head}{time_of_day}\t{value}{tail}"
        return
    for time_of_day, value, quality in zip(times, interval_day.values, qualities, strict=True):
        yield f"{head}{time_of_day}\t{value}{tails[quality]}"


class Nem12Importer:
    """Loads NEM12 files into `staging.nem12`, one row per interval."""

    kind: Final = KIND

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its first record, whatever the file's name or compression."""
        return is_nem12(head)

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the readings into staging inside the caller's transaction."""
        notes = ParseNotes()
        records = [0]  # 300 records read

        def rows() -> Iterator[str | Reject]:
            with open_lines(job) as lines:
                for item in iter_interval_days(lines, notes):
                    if isinstance(item, Reject):
                        yield item
                        continue
                    records[0] += 1
                    yield from copy_lines(job.file_id, item)

        counts = await copy_meter_rows(conn, job, CopyTarget(job.staging_schema, KIND, COPY_COLUMNS), rows)
        return LoadResult(
            counts.rows,
            counts.rejected,
            encoding="utf-8",
            first_rejects=counts.first_rejects,
            source_records=records[0],
            notes=notes.as_notes(REPEATS_NOTE),
        )


IMPORTER: Final = Nem12Importer()
