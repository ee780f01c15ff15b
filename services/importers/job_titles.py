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
from typing import Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from services.column_matching import header_key
from services.column_types import MAX_BIGINT
from services.excerpts import excerpt
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, copy_rows, text_row
from services.importers.csv_lines import CsvRecord, first_row, iter_csv_records, iter_csv_records_converting
from services.importers.encodings import DISPLAY_NAMES, UTF8, EncodingScan, choose_fallback_encoding, scan_encoding
from services.importers.sources import open_binary, open_text

KIND: Final = "job_titles"
TITLE_COLUMN: Final = "title"
COUNT_COLUMN: Final = "pdl count"
# Ragged rows, by name: every cell past the header's last column is one more related title, and
# missing cells at the end of a row are blank. Extra *named* columns are kept in `extra`.
RAGGED_ROW_POLICY: Final = "spill-over cells are related titles; missing cells are blank"

_TITLE_KEY: Final = header_key(TITLE_COLUMN)
_COUNT_KEY: Final = header_key(COUNT_COLUMN)
_FIELD_KEYS: Final = (_TITLE_KEY, _COUNT_KEY)
_RELATED_KEY: Final = re.compile(r"toprelatedtitles?[0-9]*")  # `top related titles 1` by its header key
COPY_COLUMNS: Final = ("file_id", "line_no", "title", "pdl_count", "related_titles", "extra")


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

    @property
    def is_usual(self) -> bool:
        """Title, count, then only related titles: the layout the fast COPY path handles."""
        is_plain_order = (self.title_index, self.count_index, self.related_start) == (0, 1, 2)
        return is_plain_order and not self.extra_columns


def _is_related_header(key: str) -> bool:
    return key == "" or _RELATED_KEY.fullmatch(key) is not None


def is_job_title_header(cells: Sequence[str]) -> bool:
    """Whether a first row looks like this kind's header: a pdl count, or a title with related titles.

    Either one is enough to claim the file, so that a header missing the other gets this kind's
    precise reason ("the header has no 'title' column") rather than "no import service recognises".
    """
    keys = {header_key(cell) for cell in cells}
    has_related = any(key and _RELATED_KEY.fullmatch(key) for key in keys)
    return _COUNT_KEY in keys or (_TITLE_KEY in keys and has_related)


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
    for required, required_key in ((TITLE_COLUMN, _TITLE_KEY), (COUNT_COLUMN, _COUNT_KEY)):
        if required_key not in seen:
            raise BadFileError(
                f"the header has no {required!r} column; expected columns like "
                "'title,pdl count,top related titles 1,…'",
                detail=f"header: {excerpt(','.join(cells))}",
                line=1,
            )
    related = tuple(index for index, key in enumerate(keys) if _is_related_header(key))
    is_tail = related == tuple(range(len(keys) - len(related), len(keys)))
    return TitleLayout(
        title_index=seen[_TITLE_KEY],
        count_index=seen[_COUNT_KEY],
        width=len(cells),
        related_start=(len(keys) - len(related)) if is_tail else None,
        related_indexes=related,
        extra_columns=tuple(
            (index, cells[index].strip()) for index, key in named if key not in (_TITLE_KEY, _COUNT_KEY)
        ),
    )


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


def _read_header(records: Iterator[CsvRecord] | Iterator[CsvRecord | str]) -> tuple[list[str], int]:
    for record in records:
        assert not isinstance(record, str)  # lines are converted only once the header is known
        line_no, _, cells, _, error = record
        if cells is None:
            raise BadFileError(f"the header row cannot be read as CSV ({error}); check its quoting", line=line_no)
        if any(cell.strip() for cell in cells):
            return cells, line_no
    raise BadFileError("the file has no header row (it is empty or blank)")


def _typed(record: CsvRecord, layout: TitleLayout) -> TitleRecord | Reject:
    start, end, cells, text, error = record
    if cells is None:
        return Reject(start, text, error)
    if end > start:
        return Reject(start, text, f"a quoted field runs over lines {start}-{end}")
    if "\x00" in text:
        return Reject(start, text.replace("\x00", "\\0"), "the row contains a NUL (0x00) byte")
    typed = parse_title_row(cells, layout, start)
    return Reject(start, text, typed.reason) if isinstance(typed, Reject) else typed  # keep the row as written


def _after_header(lines: Iterable[str]) -> tuple[TitleLayout, int, Iterator[CsvRecord]]:
    """The layout read from the header, the header's line, and the records after it."""
    records = iter_csv_records(lines)
    header, header_line = _read_header(records)
    return parse_header(header), header_line, records


def iter_title_records(lines: Iterable[str]) -> Iterator[TitleRecord | Reject]:
    """Parse a job-title file's lines (header first) into typed records and rejects, streaming."""
    layout, header_line, records = _after_header(lines)
    data_rows = 0
    for record in records:
        data_rows += 1
        yield _typed(record, layout)
    if data_rows == 0:
        raise _no_data_rows(header_line)


def iter_copy_lines(lines: Iterable[str], file_id: int) -> Iterator[str | Reject]:
    """The same rows as `iter_title_records`, as COPY text lines ready for staging.

    Most rows take a fast path (a plain line in the usual column layout becomes a COPY line with a
    handful of string operations, without splitting it into cells); every other row is typed and
    encoded the general way. A test checks both paths give the same lines.
    """
    fast_lines = _FastLines(f"{file_id}\t")
    records = iter_csv_records_converting(lines, fast_lines)
    header, header_line = _read_header(records)
    layout = parse_header(header)
    fast_lines.is_enabled = layout.is_usual  # the generator is paused after the header: this applies from line 2
    data_rows = 0
    for record in records:
        data_rows += 1
        if isinstance(record, str):  # already converted by the fast path
            yield record
            continue
        start, end, cells, _, _ = record
        if layout.is_usual and cells is not None and start == end and _are_plain(cells):
            line = _fast_copy_line(fast_lines.prefix, start, cells)
            if line is not None:
                yield line
                continue
        item = _typed(record, layout)
        yield item if isinstance(item, Reject) else encode_copy_line(file_id, item)
    if data_rows == 0:
        raise _no_data_rows(header_line)


def _no_data_rows(header_line: int) -> BadFileError:
    return BadFileError("the file has a header but no data rows", line=header_line)


class _FastLines:
    """Turns a plain line of the usual layout straight into its COPY line, or says None.

    A line qualifies when nothing in it needs escaping, trimming or typing beyond a plain count:
    no backslash, NUL or non-printable character (so the only whitespace is the ASCII space), no
    space beside a comma or at either end of a cell, quotes only around whole cells (a title with a
    comma, say) and a count that is blank or a plain bigint. Blank related cells are dropped.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.is_enabled = False

    def __call__(self, line_no: int, line: str) -> str | None:
        if not self.is_enabled:
            return None
        text = line.rstrip("\r\n")
        if not text or len(text) > _CSV_FIELD_LIMIT or _has_special_characters(text):
            return None
        is_quoted = '"' in text
        if is_quoted:
            unquoted = _unquote_whole_cells(text)
            if unquoted is None:
                return None
            text = unquoted
        if text[:1] == " " or text[-1:] == " " or " ," in text or ", " in text:
            return None
        title, _, after_title = text.partition(",")
        count, _, related = after_title.partition(",")
        copy_count = _plain_count(count)
        if copy_count is None:
            return None
        related = related.rstrip(",")
        if ",," in related or related[:1] == ",":
            related = ",".join(filter(None, related.split(",")))
        array = '{"' + related.replace(",", '","') + '"}' if related else "{}"
        copy_line = f"{self.prefix}{line_no}\t{title}\t{copy_count}\t{array}\t\\N\n"
        return copy_line.replace(_QUOTED_COMMA, ",") if is_quoted else copy_line


_CSV_FIELD_LIMIT: Final = csv.field_size_limit()
_QUOTED_COMMA: Final = "\x1f"  # stands in for a comma inside quotes; `_has_special_characters` rules it out


def _has_special_characters(text: str) -> bool:
    """Whether `text` holds a character that rules its line out of the fast path: one COPY's text format
    escapes (backslash, tab), NUL, the quoted-comma stand-in, or whitespace other than " " that
    str.strip() would trim. Past U+00FF more kinds of space exist, so such text must be printable
    throughout (isprintable() catches them all but is several times slower than a few searches)."""
    if not text.isascii():
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return "\\" in text or not text.isprintable()
    return (  # spelled out: a loop over these characters costs more than the searches themselves
        "\\" in text
        or "\t" in text
        or "\x00" in text
        or _QUOTED_COMMA in text
        or "\x0b" in text
        or "\x0c" in text
        or "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
        or "\x85" in text
        or "\xa0" in text
    )


def _unquote_whole_cells(text: str) -> str | None:
    """`a,"b, c",d` -> `a,b<US> c,d`: the quotes dropped and the commas inside them masked, when every
    quote opens or closes a whole non-empty cell; None for anything else (doubled quotes, a quote
    inside a cell, an open quote), which the csv module handles."""
    parts = text.split('"')
    count = len(parts)
    if count % 2 == 0:
        return None
    first, last = parts[0], parts[-1]
    if (first and first[-1] != ",") or (last and last[0] != ","):
        return None
    for index in range(1, count, 2):
        cell = parts[index]
        if not cell:
            return None
        if index + 1 < count - 1 and (parts[index + 1][:1] != "," or parts[index + 1][-1:] != ","):
            return None  # between two quoted cells only commas and whole cells may stand
        parts[index] = cell.replace(",", _QUOTED_COMMA)
    return "".join(parts)


def _plain_count(count: str) -> str | None:
    """A count cell as COPY text when it is blank or a bigint written plainly; None otherwise."""
    if not count:
        return "\\N"
    if count.isdigit() and count.isascii() and len(count) < 19 and (count[0] != "0" or count == "0"):
        return count
    return None  # the general path types it or says why not


def _is_plain(text: str) -> bool:
    return '"' not in text and "\\" not in text and "\t" not in text and "\x00" not in text


def _are_plain(cells: list[str]) -> bool:
    # A quoted line (a title with a comma, say) whose cells need no escaping can take the fast path too.
    joined = "\x1f".join(cells)
    return _is_plain(joined) and "\n" not in joined and "\r" not in joined


def _fast_copy_line(prefix: str, line_no: int, cells: list[str]) -> str | None:
    cells = list(map(str.strip, cells))
    count = _plain_count(cells[1] if len(cells) > 1 else "")
    if count is None:
        return None
    related = list(filter(None, cells[2:]))
    array = '{"' + '","'.join(related) + '"}' if related else "{}"
    return f"{prefix}{line_no}\t{cells[0]}\t{count}\t{array}\t\\N\n"


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
        try:
            return await self._load_as(conn, job, UTF8)
        except UnicodeDecodeError:
            scan = await asyncio.to_thread(_scan_file_encoding, job)
            return await self._load_as(conn, job, choose_fallback_encoding(scan))

    async def _load_as(self, conn: AsyncConnection, job: LoadJob, encoding: str) -> LoadResult:
        target = CopyTarget(job.staging_schema, KIND, COPY_COLUMNS)

        def rows() -> Iterator[str | Reject]:
            with open_text(job.path, encoding) as lines:
                yield from iter_copy_lines(lines, job.file_id)

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
