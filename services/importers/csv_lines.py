"""CSV records from text lines, fast where it can be and exact everywhere.

A line without a quote character is one record, split with `str.split` (what the csv module would
do, at a fraction of the cost). Lines with quotes go to the csv module in strict mode; they are
grouped by quote parity first, so a quoted field with a line break stays in one record.

A quote that is never closed follows one of two named policies:
- by default (job titles) a quote that swallows later lines makes the file unusable: BadFileError
  names the line where it opened (as does one that swallows more than `MAX_GROUP_CHARS`);
- with `recover_quotes` (declared kinds: partner files) it costs only its own record. A record
  still open at the end of the file, when what follows its first line does not read as whole
  records, was cut off: it is rejected with its lines. Any other unclosed quote is a stray: the
  line that opened it is rejected alone, and the lines it swallowed are read again on their own.
"""

import csv
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, cast

from core.errors import BadFileError

# (first line, last line, cells or None when unparseable, raw text without its line end, error)
CsvRecord = tuple[int, int, list[str] | None, str, str]

LineConverter = Callable[[int, str], str | None]
NumberedLine = tuple[int, str]

MAX_GROUP_CHARS: Final = 1 << 20


def iter_csv_records(lines: Iterable[str], *, recover_quotes: bool = False) -> Iterator[CsvRecord]:
    """The file's records in order, with the physical lines they span; blank lines are skipped."""
    return cast(Iterator[CsvRecord], _iter_records(lines, None, recover_quotes))  # without a converter, only records


def iter_csv_records_converting(lines: Iterable[str], convert: LineConverter) -> Iterator[CsvRecord | str]:
    """Like `iter_csv_records`, but a line that starts a record is first offered to `convert`: when it
    returns a string (the row already in its final form), that string is yielded instead of a record.

    `convert(line_no, line)` gets the line with its line end; returning None keeps the usual record.
    """
    return _iter_records(lines, convert, False)


@dataclass(frozen=True)
class _Unclosed:
    """A record whose quote is not closed where a field can end: where it starts in its group."""

    offset: int
    is_at_group_end: bool  # it runs to the group's last line (so perhaps beyond it)


class _PushBackLines:
    """Numbered lines; lines pushed back come first, also after the source is exhausted (read again).
    Remembers the first non-blank line: the header, whose width a whole record has."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._numbered = enumerate(lines, start=1)
        self._pushed: deque[NumberedLine] = deque()
        self.first_line: str | None = None

    def push_back(self, lines: list[NumberedLine]) -> None:
        """Read these lines (in order) before any other."""
        self._pushed.extendleft(reversed(lines))

    def __iter__(self) -> Iterator[NumberedLine]:
        return self

    def __next__(self) -> NumberedLine:
        if self._pushed:
            return self._pushed.popleft()
        line_no, line = next(self._numbered)
        if self.first_line is None and line.strip():
            self.first_line = line
        return line_no, line


_Records = Generator[CsvRecord, None, list[NumberedLine]]


@dataclass(frozen=True)
class _Reading:
    """How one file is being read: the quote policy, and the lines (where swallowed ones go back to)."""

    recover: bool
    source: _PushBackLines


@dataclass
class _Group:
    """Lines that make one or more records because a quote is open across them (by quote parity)."""

    start: int
    lines: list[str]
    quotes: int
    chars: int

    @property
    def is_open(self) -> bool:
        """Whether the quotes so far leave a field open."""
        return self.quotes % 2 == 1


def _iter_records(lines: Iterable[str], convert: LineConverter | None, recover: bool) -> Iterator[CsvRecord | str]:
    source = _PushBackLines(lines)
    numbered: Iterable[NumberedLine] = source if recover else enumerate(lines, start=1)
    reading = _Reading(recover, source)
    limit = csv.field_size_limit()
    group: _Group | None = None
    while True:
        for line_no, line in numbered:  # the hot loop: plain lines never leave it
            if group is not None:
                group = yield from _grow_group(group, line_no, line, reading)
                continue
            converted = None if convert is None else convert(line_no, line)
            if converted is not None:
                yield converted
            elif '"' not in line:
                yield from _unquoted_record(line, line_no, limit)
            elif (quotes := line.count('"')) % 2:
                group = _Group(line_no, [line], quotes, len(line))
            elif rest := (yield from _parse_group([line], line_no, reading, is_open=False)):
                source.push_back(rest)
        if group is None:
            return
        rest = yield from _parse_group(group.lines, group.start, reading, is_open=True, is_at_eof=True)
        group = None
        if not rest:
            return
        source.push_back(rest)  # only when recovering: the lines a stray quote swallowed, read again


def _grow_group(group: _Group, line_no: int, line: str, reading: _Reading) -> Generator[CsvRecord, None, _Group | None]:
    """Add a line to an open group; parse it once its quotes balance (or it grew too big)."""
    group.lines.append(line)
    group.quotes += line.count('"')
    group.chars += len(line)
    if not group.is_open or (reading.recover and group.chars > MAX_GROUP_CHARS):
        reading.source.push_back((yield from _parse_group(group.lines, group.start, reading, is_open=group.is_open)))
        return None
    if group.chars > MAX_GROUP_CHARS:
        raise unclosed_quote(group.start, line_no)
    return group


def _unquoted_record(line: str, line_no: int, limit: int) -> Iterator[CsvRecord]:
    text = line.rstrip("\r\n")
    if len(text) > limit:
        yield from _group_records([line], line_no, is_open=False, recover=False)  # the csv module names the field
    elif text:
        yield (line_no, line_no, text.split(","), text, "")


def _parse_group(
    group: list[str], start: int, reading: _Reading, *, is_open: bool, is_at_eof: bool = False
) -> _Records:
    """The group's records; returns the lines to read again after an unclosed quote (when recovering)."""
    unclosed = yield from _group_records(group, start, is_open=is_open, recover=reading.recover)
    if unclosed is None:
        return []
    return (yield from _recover(group, start, unclosed, _width(reading.source.first_line), is_at_eof=is_at_eof))


def _group_records(
    group: list[str], start: int, *, is_open: bool, recover: bool
) -> Generator[CsvRecord, None, _Unclosed | None]:
    reader = csv.reader(group, strict=True)
    consumed = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            spans_lines = reader.line_num - consumed > 1
            reaches_open_end = is_open and reader.line_num >= len(group)
            if recover and (spans_lines or reaches_open_end):
                return _Unclosed(consumed, reaches_open_end)
            if spans_lines:  # a record over several lines: the quote swallowed them
                raise unclosed_quote(start + consumed, start + len(group) - 1) from exc
            yield _record(group, start, consumed, reader.line_num, None, f"unparseable CSV: {exc}")
            consumed = reader.line_num
            continue
        if cells:
            yield _record(group, start, consumed, reader.line_num, cells, "")
        consumed = reader.line_num


def _recover(group: list[str], start: int, unclosed: _Unclosed, width: int | None, *, is_at_eof: bool) -> _Records:
    """Reject what an unclosed quote spoilt, and return the lines to read again (see the module's docstring)."""
    at = unclosed.offset
    numbered = [(start + index, line) for index, line in enumerate(group)]
    if unclosed.is_at_group_end and not is_at_eof and at > 0:
        return numbered[at:]  # the record may go on past the group: group it again from its first line
    rest = numbered[at + 1 :]
    if unclosed.is_at_group_end and is_at_eof and not (rest and _are_whole_records(rest, width)):
        fields = len(next(csv.reader(group[at:], strict=False), []))
        of_width = f" of {width}" if width else ""
        reason = (
            f"the file ends inside a quoted field: this last record is cut off after {fields}{of_width} fields "
            "(was the file truncated?), so it is rejected; the records before it are kept"
        )
        yield _record(group, start, at, len(group), None, reason)
        return []
    reason = (
        f"line {start + at} has a quote that is never closed (a stray quote?): the line is rejected alone "
        "and the lines after it are read on their own"
    )
    yield _record(group, start, at, at + 1, None, reason)
    return rest


def _width(first_line: str | None) -> int | None:
    """How many cells the first line (the header) has, when it reads as one record by itself."""
    if first_line is None:
        return None
    try:
        return len(next(csv.reader([first_line], strict=True)))
    except csv.Error:
        return None


def _are_whole_records(lines: list[NumberedLine], width: int | None) -> bool:
    """Whether the lines read as records of the header's width and nothing else."""
    try:
        return width is not None and all(
            len(cells) == width for cells in csv.reader((line for _, line in lines), strict=True) if cells
        )
    except csv.Error:
        return False


def _record(group: list[str], start: int, first: int, last: int, cells: list[str] | None, error: str) -> CsvRecord:
    text = "".join(group[first:last]).rstrip("\r\n")
    return (start + first, start + last - 1, cells, text, error)


def first_row(head: bytes) -> list[str]:
    """The first non-blank CSV row of a file's first bytes, decoded leniently (header names are ASCII);
    empty when that line is not plain text (binary files, archives)."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line.replace("\t", " ").isprintable():
        return []
    try:
        return next(csv.reader([first_line]), [])
    except csv.Error:
        return []


def unclosed_quote(start: int, end: int) -> BadFileError:
    """The error for a quote opened at line `start` and never closed."""
    return BadFileError(
        f"line {start} opens a quote that is never closed, swallowing lines {start}-{end}; "
        "fix the quoting on that line and drop the file again",
        line=start,
    )
