"""The job-title CSV ("2019 free title data"): title, pdl_count, related titles over the remaining columns.

Pure parsing first; the one async `load` at the bottom streams the file into `staging.job_titles`.
The header and its layout are read in job_title_header.py; most rows take the fast path in
job_title_fast_path.py, the others the general, typed path here.
"""

import asyncio
import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Final, NamedTuple, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from services.column_types import MAX_BIGINT
from services.excerpts import excerpt
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, copy_rows, text_row
from services.importers.csv_lines import CsvRecord, first_row, iter_csv_records, iter_csv_records_converting
from services.importers.encodings import (
    DISPLAY_NAMES,
    UTF8,
    EncodingScan,
    choose_fallback_encoding,
    scan_encoding,
    whole_content_encoding,
)
from services.importers.job_title_fast_path import FastCopyLines
from services.importers.job_title_header import TitleLayout, is_job_title_header, read_layout
from services.importers.sources import HEAD_BYTES, open_binary, open_text

KIND: Final = "job_titles"
# Ragged rows, by name: every cell past the header's last column is one more related title, and
# missing cells at the end of a row are blank. Extra *named* columns are kept in `extra`.
RAGGED_ROW_POLICY: Final = "spill-over cells are related titles; missing cells are blank"

COPY_COLUMNS: Final = ("file_id", "line_no", "title", "pdl_count", "related_titles", "extra")


class TitleRecord(NamedTuple):
    """One typed data row of a job-title file."""

    line_no: int
    title: str
    pdl_count: int | None
    related_titles: list[str]
    extra: dict[str, str] | None


def parse_count(raw: str) -> int | str | None:
    """A pdl_count cell as an int, None when blank, or the reason it is not a count."""
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        value = int(text)
        if value > MAX_BIGINT:
            return f"pdl_count {excerpt(text)} is too large (the largest supported is {MAX_BIGINT})"
        return value
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        return f"pdl_count {excerpt(text)} is negative; counts must be 0 or more"
    return f"pdl_count {excerpt(text)!r} is not a whole number"


def render_cells(cells: Sequence[str]) -> str:
    """The row as CSV text again, for the rejected-rows table."""
    buffer = io.StringIO()
    # The terminator must contain "\n" and "\r": the writer quotes only the line-break characters it knows.
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().removesuffix("\r\n")


def _related_cells(cells: list[str], layout: TitleLayout) -> list[str]:
    if layout.related_start is not None:
        return cells[layout.related_start :]
    present = [cells[index] for index in layout.related_indexes if index < len(cells)]
    return present + cells[layout.width :]


def parse_title_row(cells: list[str], layout: TitleLayout, line_no: int) -> TitleRecord | Reject:
    """Type one data row, or say why it cannot be typed."""
    count = parse_count(cells[layout.count_index]) if layout.count_index < len(cells) else None
    if isinstance(count, str):
        return Reject(line_no, render_cells(cells), count)
    title = cells[layout.title_index].strip() if layout.title_index < len(cells) else ""
    related = [text for text in map(str.strip, _related_cells(cells, layout)) if text]
    extra = None
    if layout.extra_columns:
        extra = {name: cells[i].strip() for i, name in layout.extra_columns if i < len(cells) and cells[i].strip()}
    return TitleRecord(line_no, title, count, related, extra or None)


def type_row(record: CsvRecord, layout: TitleLayout) -> TitleRecord | Reject:
    """The general path for one CSV record: a typed row, or a Reject with the row as written and why."""
    start, end, cells, text, error = record
    if cells is None:
        return Reject(start, text, error)
    if end > start:
        return Reject(start, text, f"a quoted field runs over lines {start}-{end}")
    if "\x00" in text:
        return Reject(start, text.replace("\x00", "\\0"), "the row contains a NUL (0x00) byte")
    typed = parse_title_row(cells, layout, start)
    return Reject(start, text, typed.reason) if isinstance(typed, Reject) else typed  # keep the row as written


def iter_title_records(lines: Iterable[str]) -> Iterator[TitleRecord | Reject]:
    """Parse a job-title file's lines (header first) into typed rows and rejects, streaming: the general path only."""
    return cast(Iterator[TitleRecord | Reject], _iter_rows(lines, None))


def iter_copy_lines(lines: Iterable[str], file_id: int) -> Iterator[str | Reject]:
    """The same rows as `iter_title_records`, as COPY text lines ready for staging.

    Most rows take the fast path (job_title_fast_path: a plain line in the usual column layout becomes
    a COPY line without being split into cells); every other row is typed and encoded the general way.
    A property test checks that both paths give the same lines.
    """
    return cast(Iterator[str | Reject], _iter_rows(lines, FastCopyLines(file_id)))


def _iter_rows(lines: Iterable[str], fast_lines: FastCopyLines | None) -> Iterator[str | TitleRecord | Reject]:
    """Typed rows without `fast_lines`; with them, COPY lines (the fast path where it applies) and rejects."""
    records = iter_csv_records(lines) if fast_lines is None else iter_csv_records_converting(lines, fast_lines)
    layout, header_line = read_layout(records)
    if fast_lines is not None:
        fast_lines.is_enabled = layout.is_usual  # the generator is paused after the header: this applies from line 2
    data_rows = 0
    for record in records:
        data_rows += 1
        if isinstance(record, str):  # already converted by the fast path
            yield record
        elif fast_lines is None:
            yield type_row(record, layout)
        elif (line := fast_lines.from_record(record)) is not None:
            yield line
        else:
            row = type_row(record, layout)
            yield row if isinstance(row, Reject) else encode_copy_line(fast_lines.file_id, row)
    if data_rows == 0:
        raise BadFileError("the file has a header but no data rows", line=header_line)


def pg_text_array(items: list[str]) -> str:
    """A Postgres text[] literal with every element quoted (so blanks, commas and NULL survive)."""
    if not items:
        return "{}"
    plain = "".join(items)
    if '"' in plain or "\\" in plain:
        items = [item.replace("\\", "\\\\").replace('"', '\\"') for item in items]
    return '{"' + '","'.join(items) + '"}'


def encode_copy_line(file_id: int, record: TitleRecord) -> str:
    """The record as a COPY text line in the order of `staging.job_titles`' loaded columns."""
    extra = json.dumps(record.extra, ensure_ascii=False) if record.extra else None
    related = pg_text_array(record.related_titles)
    return text_row((file_id, record.line_no, record.title, record.pdl_count, related, extra))


class JobTitlesImporter:
    """Loads job-title CSVs into `staging.job_titles`."""

    kind: Final = KIND

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its header (a `title` and a `pdl count` column), whatever the file's name."""
        return is_job_title_header(first_row(head))

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the file into staging; UTF-8 first, then Windows-1252 if the bytes say so."""
        if len(job.head) < HEAD_BYTES:  # the head is the whole file: its encoding is known before a row is sent
            return await self._load_as(conn, job, whole_content_encoding(job.head))
        try:
            async with conn.begin_nested():  # a UTF-8 error part-way rolls back to here
                return await self._load_as(conn, job, UTF8)
        except UnicodeDecodeError:
            scan = await asyncio.to_thread(_scan_file_encoding, job)
            return await self._load_as(conn, job, choose_fallback_encoding(scan))

    async def _load_as(self, conn: AsyncConnection, job: LoadJob, encoding: str) -> LoadResult:
        target = CopyTarget(job.staging_schema, KIND, COPY_COLUMNS)

        def rows() -> Iterator[str | Reject]:
            with open_text(job.source, encoding) as lines:
                yield from iter_copy_lines(lines, job.file_id)

        copier = await driver_connection(conn)
        counts = await copy_rows(
            copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
        )
        return LoadResult(
            counts.rows, counts.rejected, encoding=DISPLAY_NAMES[encoding], first_rejects=counts.first_rejects
        )


def _scan_file_encoding(job: LoadJob) -> EncodingScan:
    with open_binary(job.source) as stream:
        return scan_encoding(stream)


IMPORTER: Final = JobTitlesImporter()
