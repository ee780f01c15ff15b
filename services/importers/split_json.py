"""JSON in pandas' "split" orientation: one object `{"columns": [...], "data": [[...], ...]}` (maybe with "index").

Streamed with ijson, never loaded whole: one pass finds the column names (pandas writes them first, so it
stops at once), a second yields the rows of `data` one by one. A row's "line" is its position in `data`
(1, 2, …), as for the items of a JSON array. Whitespace does not matter, so the same data pretty-printed
reads as the same rows. The `index` is not read: write with `index=False`, or `reset_index()` first when the
index holds data (it then becomes a column).
"""

import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Final

import ijson

from core.errors import BadFileError
from services.excerpts import MAX_REJECT_CHARS, excerpt
from services.importers.base import Reject
from services.importers.sources import Source, open_binary

SPLIT_KEYS: Final = frozenset({"columns", "index", "data"})
UTF8_BOM: Final = b"\xef\xbb\xbf"
_JSON_ERRORS: Final = (ijson.common.IncompleteJSONError, ijson.common.JSONError)

SplitRecord = tuple[int, Mapping[str, object]]


class WithoutBom:
    """A byte stream without the UTF-8 byte order mark some writers put first (ijson refuses it)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._is_first = True

    def read(self, size: int = -1) -> bytes:
        """The next bytes, the mark dropped from the very first ones."""
        data = self._stream.read(size)
        if self._is_first and data:  # ijson reads 0 bytes first, to learn whether the stream gives bytes
            self._is_first = False
            data = data.removeprefix(UTF8_BOM)
        return data


def _first_object_keys(head: bytes) -> tuple[list[str], bool]:
    """The top-level keys of the first JSON object in `head`, and whether that object ends within `head`."""
    keys: list[str] = []
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head), multiple_values=True):
            if prefix == "" and event == "map_key":
                keys.append(str(value))
            elif prefix == "" and event == "end_map":
                return keys, True
    except _JSON_ERRORS:
        pass  # the head ends inside the object (or the file is not JSON): judge from the keys seen
    return keys, False


def is_split_json(head: bytes) -> bool:
    """Whether a file starting with `{` is one "split" object rather than NDJSON lines: its first key is
    `columns`, `index` or `data`, and, when the object ends within the head, it has no other keys and both
    `columns` and `data` (so an NDJSON record that happens to start with `data` stays NDJSON)."""
    keys, is_complete = _first_object_keys(head)
    if not keys or keys[0] not in SPLIT_KEYS:
        return False
    return not is_complete or {"columns", "data"} <= set(keys) <= SPLIT_KEYS


def _as_columns(value: object) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(name, str | int) for name in value):
        return None
    return [str(name) for name in value]


def head_columns(head: bytes) -> list[str]:
    """The column names, judged from the first bytes only (empty when they are not there)."""
    try:
        found = next(iter(ijson.items(io.BytesIO(head), "columns")), None)
    except _JSON_ERRORS:
        return []
    return _as_columns(found) or []


def split_columns(source: Source) -> list[str]:
    """The column names of a split file; BadFileError when it has none or they are not names."""
    with open_binary(source) as stream:
        try:
            found = next(iter(ijson.items(WithoutBom(stream), "columns")), None)
        except _JSON_ERRORS as exc:
            raise BadFileError(f"the JSON is malformed before its column names: {exc}") from exc
    columns = _as_columns(found)
    if not columns:
        raise BadFileError('a "split" JSON object needs "columns": a list of column names (pandas orient="split")')
    return columns


def split_records(source: Source, columns: list[str]) -> Iterator[SplitRecord | Reject]:
    """The rows of `data` as records; a row that is not a list of one value per column is rejected."""
    with open_binary(source) as stream:
        position = 0
        try:
            for position, row in enumerate(ijson.items(WithoutBom(stream), "data.item"), start=1):
                yield _record(position, row, columns)
        except _JSON_ERRORS as exc:
            raise BadFileError(f"the JSON is malformed after row {position} of data: {exc}", line=position + 1) from exc


def _record(position: int, row: object, columns: list[str]) -> SplitRecord | Reject:
    if not isinstance(row, list):
        return Reject(position, _raw(row), "the row is not a list of values")
    if len(row) != len(columns):
        return Reject(position, _raw(row), f"the row has {len(row)} values for {len(columns)} columns")
    return (position, dict(zip(columns, row, strict=True)))


def _raw(value: object) -> str:
    return excerpt(json.dumps(value, default=str), MAX_REJECT_CHARS)
