"""The job-title CSV ("2019 free title data"): title, pdl_count, related titles over the remaining columns.

Pure parsing first; the one async `load` at the bottom streams the file into `staging.job_titles`.
"""

import asyncio
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyRow, CopyTarget, copy_rows
from services.importers.encodings import DISPLAY_NAMES, UTF8, EncodingScan, choose_fallback_encoding, scan_encoding
from services.importers.sources import contains_byte, open_binary, open_text

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

KIND: Final = "job_titles"
TITLE_KEY: Final = "title"
COUNT_KEY: Final = "pdl count"
# Ragged rows, by name: every cell past the header's last column is one more related title, and
# missing cells at the end of a row are blank. Extra *named* columns are kept in `extra`.
RAGGED_ROW_POLICY: Final = "spill-over cells are related titles; missing cells are blank"
MAX_BIGINT: Final = 2**63 - 1
MAX_SHOWN_CHARS: Final = 200

_HEADER_SEPARATORS: Final = re.compile(r"[\s_\-.]+")
_RELATED_HEADER: Final = re.compile(r"top related titles?(?: \d+)?")
_COLUMNS: Final = ("file_id", "line_no", "title", "pdl_count", "related_titles", "extra")


class TitleRecord(NamedTuple):
    """One typed data row of a job-title file."""

    line_no: int
    title: str
    pdl_count: int | None
    related_titles: list[str]
    extra: dict[str, str] | None


@dataclass(frozen=True)
class TitleLayout:
    """Where each field sits in a file's rows, read from its header."""

    title_index: int
    count_index: int
    width: int
    related_start: int | None  # set when the related columns are the header's tail (the usual shape)
    related_indexes: tuple[int, ...]
    extra_columns: tuple[tuple[int, str], ...]


def header_key(name: str) -> str:
    """Compare header names without case, spacing, underscores or dashes: `PDL_Count` -> `pdl count`."""
    return _HEADER_SEPARATORS.sub(" ", name.strip().lower()).strip()


def _is_related_header(key: str) -> bool:
    return key == "" or _RELATED_HEADER.fullmatch(key) is not None


def is_job_title_header(cells: Sequence[str]) -> bool:
    """Whether a first row looks like this kind's header: it names a title and a pdl count."""
    keys = {header_key(cell) for cell in cells}
    return TITLE_KEY in keys and COUNT_KEY in keys


def parse_header(cells: Sequence[str]) -> TitleLayout:
    """Read the column layout from the header row; raises BadFileError when it cannot be used."""
    keys = [header_key(cell) for cell in cells]
    named = [(index, key) for index, key in enumerate(keys) if not _is_related_header(key)]
    seen: dict[str, int] = {}
    for index, key in named:
        if key in seen:
            raise BadFileError(
                f"duplicate header name {cells[index].strip()!r} (columns {seen[key] + 1} and {index + 1}); "
                "rename or remove one of them and drop the file again",
                line=1,
            )
        seen[key] = index
    for required in (TITLE_KEY, COUNT_KEY):
        if required not in seen:
            raise BadFileError(
                f"the header has no {required!r} column; expected columns like "
                "'title,pdl count,top related titles 1,…'",
                detail=f"header: {_shown(','.join(cells))}",
                line=1,
            )
    related = tuple(index for index, key in enumerate(keys) if _is_related_header(key))
    is_tail = related == tuple(range(len(keys) - len(related), len(keys)))
    return TitleLayout(
        title_index=seen[TITLE_KEY],
        count_index=seen[COUNT_KEY],
        width=len(cells),
        related_start=(len(keys) - len(related)) if is_tail else None,
        related_indexes=related,
        extra_columns=tuple((index, cells[index].strip()) for index, key in named if key not in (TITLE_KEY, COUNT_KEY)),
    )


def parse_count(raw: str) -> int | str | None:
    """A pdl_count cell as an int, None when blank, or the reason it is not a count."""
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        value = int(text)
        if value > MAX_BIGINT:
            return f"pdl_count {_shown(text)} is too large (the largest supported is {MAX_BIGINT})"
        return value
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        return f"pdl_count {_shown(text)} is negative; counts must be 0 or more"
    return f"pdl_count {_shown(text)!r} is not a whole number"


def render_cells(cells: Sequence[str]) -> str:
    """The row as CSV text again, for the rejected-rows table."""
    buffer = io.StringIO()
    # The terminator must contain "\n" and "\r": the writer quotes only the line-break characters it knows.
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().removesuffix("\r\n")


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN_CHARS else f"{text[:MAX_SHOWN_CHARS]}… ({len(text)} characters)"


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


def _has_nul(cells: list[str]) -> bool:
    return any("\x00" in cell for cell in cells)


def iter_title_records(lines: Iterable[str], *, check_nul: bool = True) -> Iterator[TitleRecord | Reject]:
    """Parse a job-title file's lines (header first) into records and rejects, streaming.

    The csv module runs in strict mode, so a quote left open at the end of the file is an error
    rather than one giant last field, and a stray character after a closing quote rejects its row.
    """
    reader = csv.reader(lines, strict=True)
    layout = parse_header(_read_header(reader))
    end_line = reader.line_num
    data_rows = 0
    while True:
        start = end_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if reader.line_num > start:
                raise _unclosed_quote(start, reader.line_num) from exc
            end_line = reader.line_num
            data_rows += 1
            yield Reject(start, "", f"unparseable CSV: {exc}")
            continue
        end_line = reader.line_num
        if not cells:
            continue
        data_rows += 1
        if end_line > start:
            yield Reject(start, render_cells(cells), f"a quoted field runs over lines {start}-{end_line}")
        elif check_nul and _has_nul(cells):
            yield Reject(start, render_cells(cells).replace("\x00", "\\0"), "the row contains a NUL (0x00) byte")
        else:
            yield parse_title_row(cells, layout, start)
    if data_rows == 0:
        raise BadFileError("the file has a header but no data rows", line=end_line)


def _read_header(reader: "CsvReader") -> list[str]:
    try:
        header = next((row for row in reader if row), None)
    except csv.Error as exc:
        raise BadFileError(
            f"the header row cannot be read as CSV ({exc}); check its quoting", line=reader.line_num
        ) from exc
    if header is None:
        raise BadFileError("the file has no header row (it is empty or blank)")
    return header


def _unclosed_quote(start: int, end: int) -> BadFileError:
    return BadFileError(
        f"line {start} opens a quote that is never closed, swallowing lines {start}-{end}; "
        "fix the quoting on that line and drop the file again",
        line=start,
    )


def pg_text_array(items: list[str]) -> str:
    """A Postgres text[] literal with every element quoted (so blanks, commas and NULL survive)."""
    if not items:
        return "{}"
    joined = '","'.join(items)
    if '"' in joined or "\\" in joined:
        joined = '","'.join(item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
    return '{"' + joined + '"}'


def to_copy_row(file_id: int, record: TitleRecord) -> CopyRow:
    """The record as a COPY row in the order of `staging.job_titles`' loaded columns."""
    extra = json.dumps(record.extra, ensure_ascii=False) if record.extra else None
    return (file_id, record.line_no, record.title, record.pdl_count, pg_text_array(record.related_titles), extra)


def first_row(head: bytes) -> list[str]:
    """The first non-blank CSV row of a file's first bytes, decoded leniently (header names are ASCII)."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return next(csv.reader([first_line]), [])
    except csv.Error:
        return []


class JobTitlesImporter:
    """Loads job-title CSVs into `staging.job_titles`."""

    kind: Final = KIND

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its header (a `title` and a `pdl count` column), whatever the file's name."""
        return is_job_title_header(first_row(head))

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the file into staging; UTF-8 first, then Windows-1252 if the bytes say so."""
        try:
            return await self._load_as(conn, job, UTF8)
        except UnicodeDecodeError:
            scan = await asyncio.to_thread(_scan_file_encoding, job)
            return await self._load_as(conn, job, choose_fallback_encoding(scan))

    async def _load_as(self, conn: AsyncConnection, job: LoadJob, encoding: str) -> LoadResult:
        target = CopyTarget(job.staging_schema, KIND, _COLUMNS, force_not_null=("title",))

        def rows() -> Iterator[CopyRow | Reject]:
            # Checking every row for NUL costs a little; most files have none, so look once first.
            check_nul = contains_byte(job.path, b"\x00")
            with open_text(job.path, encoding) as lines:
                for item in iter_title_records(lines, check_nul=check_nul):
                    yield item if item.__class__ is Reject else to_copy_row(job.file_id, item)  # type: ignore[arg-type]

        async with conn.begin_nested():
            copier = await driver_connection(conn)
            counts = await copy_rows(
                copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
            )
        return LoadResult(
            counts.rows, counts.rejected, encoding=DISPLAY_NAMES[encoding], first_rejects=counts.first_rejects
        )


def _scan_file_encoding(job: LoadJob) -> EncodingScan:
    with open_binary(job.path) as stream:
        return scan_encoding(stream)


IMPORTER: Final = JobTitlesImporter()
