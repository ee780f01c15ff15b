"""Records from CSV, JSON and NDJSON files as (line number, field name -> value) pairs, streaming.

JSON arrays are read with ijson, one object at a time, never whole; so is a JSON object in pandas'
"split" orientation (services/importers/split_json.py), which counts as format `json` too. Nested
objects are flattened with `_` (address.city -> address_city) before any name matching. A record's
"line" is its line in a CSV or NDJSON file and its position (1, 2, …) in a JSON array or split `data`.
JSON numbers are read as exact decimals, never as binary floats.
"""

import codecs
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Final

import ijson

from core.errors import BadFileError
from services.declarations import KindDeclaration, SourceFormat
from services.excerpts import MAX_REJECT_CHARS, excerpt
from services.importers.base import Reject
from services.importers.csv_lines import first_row, iter_csv_records
from services.importers.encodings import UTF8, choose_fallback_encoding, scan_encoding
from services.importers.json_flattening import flatten
from services.importers.sources import Source, open_binary, open_text, read_head
from services.importers.split_json import WithoutBom, head_columns, is_split_json, split_columns, split_records

SourceRecord = tuple[int, Mapping[str, object]]
RequiredCheck = Callable[[KindDeclaration, list[str], str], None]

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_BLANK: Final = b"\xef\xbb\xbf \t\r\n"


def sniff_format(head: bytes) -> SourceFormat:
    """The format from the first bytes: SQLite by its magic, JSON by `[` (an array) or by a "split" object,
    NDJSON by any other `{`, else CSV."""
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    start = head.lstrip(_BLANK)[:1]
    if start == b"{":
        return "json" if is_split_json(_unmarked(head)) else "ndjson"
    return "json" if start == b"[" else "csv"


def _unmarked(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf")


def _is_object(head: bytes) -> bool:
    return head.lstrip(_BLANK)[:1] == b"{"


def source_fields(head: bytes, source_format: SourceFormat) -> list[str]:
    """The field names of the first record, judged from the first bytes only (empty when unsure)."""
    text = _unmarked(head).decode("utf-8", errors="replace")
    if source_format == "csv":
        return first_row(head)
    if source_format == "json" and _is_object(head):
        return head_columns(_unmarked(head))
    try:
        first = next(_json_objects(io.BytesIO(head)), None) if source_format == "json" else _ndjson_first(text)
    except (ValueError, ijson.common.IncompleteJSONError, ijson.common.JSONError):
        return []
    return list(flatten(first)) if isinstance(first, dict) else []


def _ndjson_first(text: str) -> object:
    line = next((line for line in text.splitlines() if line.strip()), "")
    return json.loads(line, parse_float=Decimal)


def _json_objects(stream: IO[bytes]) -> Iterator[object]:
    return iter(ijson.items(WithoutBom(stream), "item"))


@dataclass
class ReadNotes:
    """What reading a file found out: the encoding its text was decoded with (None for a JSON array, read as bytes)."""

    encoding: str | None = None

    def decoding(self, source: Source) -> str:
        """The source's text encoding (see `detect_encoding`), noted."""
        self.encoding = detect_encoding(source)
        return self.encoding


def iter_source_records(
    source: Source,
    source_format: SourceFormat,
    declaration: KindDeclaration,
    check_required: RequiredCheck,
    notes: ReadNotes | None = None,
) -> Iterator[SourceRecord | Reject]:
    """The file's records; BadFileError when a required column is missing from the first record."""
    notes = notes or ReadNotes()
    if source_format == "csv":
        yield from _csv_records(source, declaration, check_required, notes)
    elif source_format == "ndjson":
        yield from _checked(_ndjson_records(source, notes), declaration, check_required)
    elif _is_object(read_head(source)):
        columns = split_columns(source)
        check_required(declaration, columns, "the columns")
        yield from split_records(source, columns)
    else:
        yield from _checked(_json_records(source), declaration, check_required)


def _checked(
    records: Iterator[SourceRecord | Reject], declaration: KindDeclaration, check_required: RequiredCheck
) -> Iterator[SourceRecord | Reject]:
    is_first = True
    for record in records:
        if is_first and not isinstance(record, Reject):
            check_required(declaration, list(record[1]), "the first record")
            is_first = False
        yield record


def _csv_records(
    source: Source, declaration: KindDeclaration, check_required: RequiredCheck, notes: ReadNotes
) -> Iterator[SourceRecord | Reject]:
    with open_text(source, notes.decoding(source)) as lines:
        records = iter_csv_records(lines, recover_quotes=True)  # a stray quote costs its own record only
        header = next((cells for _, _, cells, _, _ in records if cells and any(c.strip() for c in cells)), None)
        if header is None:
            raise BadFileError("the file has no header row (it is empty or blank)")
        names = [name.strip() or f"column {i + 1}" for i, name in enumerate(header)]  # a blank name is its place
        check_required(declaration, names, "the header")
        for start, _, cells, text, error in records:
            if cells is None:
                yield Reject(start, text, error)
                continue
            fields: dict[str, object] = dict(zip(names, cells, strict=False))
            fields.update({f"column {i + 1}": cell for i, cell in enumerate(cells) if i >= len(names)})
            yield (start, fields)


def detect_encoding(source: Source) -> str:
    """UTF-8 when every byte decodes as UTF-8, else the fallback the bytes allow (or BadFileError)."""
    if _is_utf8(source):
        return UTF8
    with open_binary(source) as stream:
        return choose_fallback_encoding(scan_encoding(stream))


def _is_utf8(source: Source) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_binary(source) as stream:
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _ndjson_records(source: Source, notes: ReadNotes) -> Iterator[SourceRecord | Reject]:
    with open_text(source, notes.decoding(source)) as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_float=Decimal)
            except ValueError as exc:
                yield Reject(line_no, _raw(line.strip()), f"not valid JSON: {exc}")
                continue
            if isinstance(value, dict):
                yield (line_no, flatten(value))
            else:
                yield Reject(line_no, _raw(line.strip()), "the line is not a JSON object")


def _json_records(source: Source) -> Iterator[SourceRecord | Reject]:
    with open_binary(source) as stream:
        objects = _json_objects(stream)
        position = 0
        try:
            for position, value in enumerate(objects, start=1):
                if isinstance(value, dict):
                    yield (position, flatten(value))
                else:
                    yield Reject(position, _raw(json.dumps(value, default=str)), "the item is not an object")
        except (ijson.common.IncompleteJSONError, ijson.common.JSONError) as exc:
            raise BadFileError(f"the JSON is malformed after item {position}: {exc}", line=position + 1) from exc


def _raw(text: str) -> str:
    return excerpt(text, MAX_REJECT_CHARS)
