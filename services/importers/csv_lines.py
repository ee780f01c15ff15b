"""CSV records from text lines, fast where it can be and exact everywhere.

A line without a quote character is one record, split with `str.split` (what the csv module would
do, at a fraction of the cost). Lines with quotes go to the csv module in strict mode; they are
grouped by quote parity first, so a quoted field with a line break stays in one record. A quote
left open at the end of the file, or one that swallows more than `MAX_GROUP_CHARS`, makes the file
unusable: BadFileError names the line where it opened.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Final, cast

from core.errors import BadFileError

# (first line, last line, cells or None when unparseable, raw text without its line end, error)
CsvRecord = tuple[int, int, list[str] | None, str, str]

LineConverter = Callable[[int, str], str | None]

MAX_GROUP_CHARS: Final = 1 << 20


def iter_csv_records(lines: Iterable[str]) -> Iterator[CsvRecord]:
    """The file's records in order, with the physical lines they span; blank lines are skipped."""
    return cast(Iterator[CsvRecord], _iter_records(lines, None))  # without a converter, only records


def iter_csv_records_converting(lines: Iterable[str], convert: LineConverter) -> Iterator[CsvRecord | str]:
    """Like `iter_csv_records`, but a line that starts a record is first offered to `convert`: when it
    returns a string (the row already in its final form), that string is yielded instead of a record.

    `convert(line_no, line)` gets the line with its line end; returning None keeps the usual record.
    """
    return _iter_records(lines, convert)


def _iter_records(lines: Iterable[str], convert: LineConverter | None) -> Iterator[CsvRecord | str]:
    limit = csv.field_size_limit()
    group: list[str] = []
    group_start = quotes = group_chars = 0
    line_no = 0
    for line_no, line in enumerate(lines, start=1):
        if group:
            group.append(line)
            quotes += line.count('"')
            group_chars += len(line)
            if quotes % 2 == 0:
                yield from _parse_group(group, group_start)
                group = []
            elif group_chars > MAX_GROUP_CHARS:
                raise unclosed_quote(group_start, line_no)
            continue
        converted = None if convert is None else convert(line_no, line)
        if converted is not None:
            yield converted
        elif '"' not in line:
            yield from _unquoted_record(line, line_no, limit)
        elif (quotes := line.count('"')) % 2:
            group, group_start, group_chars = [line], line_no, len(line)
        else:
            yield from _parse_group([line], line_no)
    if group:
        yield from _parse_group(group, group_start)


def _unquoted_record(line: str, line_no: int, limit: int) -> Iterator[CsvRecord]:
    text = line.rstrip("\r\n")
    if len(text) > limit:
        yield from _parse_group([line], line_no)  # the csv module says which field is too long
    elif text:
        yield (line_no, line_no, text.split(","), text, "")


def _parse_group(group: list[str], start: int) -> Iterator[CsvRecord]:
    reader = csv.reader(group, strict=True)
    consumed = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num - consumed > 1:  # a record over several lines: the quote swallowed them
                raise unclosed_quote(start + consumed, start + len(group) - 1) from exc
            yield _record(group, start, consumed, reader.line_num, None, f"unparseable CSV: {exc}")
            consumed = reader.line_num
            continue
        if cells:
            yield _record(group, start, consumed, reader.line_num, cells, "")
        consumed = reader.line_num


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
