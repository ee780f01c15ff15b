"""JSON in pandas' "split" orientation: told from NDJSON by its first bytes, read as a stream, row by row."""

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.records import sniff_format, source_fields
from services.importers.sources import FileSource
from services.importers.split_json import head_columns, is_split_json, split_columns, split_records

COLUMNS = ["interval_start", "consumption_delta", "meterpoint_id"]
DATA = [["2021-01-01 00:30:00", 0.186, "0432df65f7"], ["2021-01-01 01:00:00", 1e-05, "0432df65f7"]]
COMPACT = json.dumps({"columns": COLUMNS, "data": DATA}, separators=(",", ":")).encode()
PRETTY = json.dumps({"columns": COLUMNS, "index": [0, 1], "data": DATA}, indent=2).encode()


@pytest.mark.parametrize(
    ("head", "format_name"),
    [
        (COMPACT, "json"),
        (PRETTY, "json"),
        (PRETTY[:40], "json"),  # cut inside the object: judged from its first key
        (b"\xef\xbb\xbf" + COMPACT, "json"),
        (b'{"index":[0],"columns":["a"],"data":[[1]]}', "json"),
        (b'[{"a": 1}]', "json"),
        (b'{"a": 1}\n{"a": 2}\n', "ndjson"),
        (b'{"data": 1, "id": 7}\n{"data": 2, "id": 8}\n', "ndjson"),  # a record that starts with `data` stays NDJSON
        (b'{"columns": ["a"]}\n{"columns": ["b"]}\n', "ndjson"),  # complete, and no `data`: records
        (b"a,b\n1,2\n", "csv"),
    ],
)
def test_a_split_object_is_told_from_ndjson_and_arrays_by_its_first_bytes(head: bytes, format_name: str) -> None:
    assert sniff_format(head) == format_name


def test_the_columns_are_the_field_names_a_kind_is_recognised_by() -> None:
    assert head_columns(COMPACT) == COLUMNS
    assert source_fields(PRETTY, "json") == COLUMNS
    assert source_fields(b"\xef\xbb\xbf" + COMPACT, "json") == COLUMNS
    assert head_columns(b'{"data": [[1, 2]') == []  # not (yet) there
    assert is_split_json(COMPACT) and not is_split_json(b'{"a": 1}')


def _source(tmp_path: Path, content: bytes, name: str = "readings.json") -> FileSource:
    path = tmp_path / name
    path.write_bytes(content)
    return FileSource(path)


def _records(source: FileSource) -> list[object]:
    return list(split_records(source, split_columns(source)))


def test_rows_are_records_numbered_by_their_position_with_numbers_as_exact_decimals(tmp_path: Path) -> None:
    records = _records(_source(tmp_path, COMPACT))

    assert records == [
        (1, dict(zip(COLUMNS, ["2021-01-01 00:30:00", Decimal("0.186"), "0432df65f7"], strict=True))),
        (2, dict(zip(COLUMNS, ["2021-01-01 01:00:00", Decimal("0.00001"), "0432df65f7"], strict=True))),
    ]


def test_the_same_data_pretty_printed_compressed_or_marked_reads_as_the_same_records(tmp_path: Path) -> None:
    expected = _records(_source(tmp_path, COMPACT))

    assert _records(_source(tmp_path, PRETTY, "pretty.json")) == expected
    assert _records(_source(tmp_path, gzip.compress(PRETTY), "pretty.json.gz")) == expected
    assert _records(_source(tmp_path, b"\xef\xbb\xbf" + COMPACT, "bom.json")) == expected


def test_columns_after_the_data_are_found_too(tmp_path: Path) -> None:
    late = json.dumps({"data": DATA, "columns": COLUMNS}).encode()

    assert _records(_source(tmp_path, late)) == _records(_source(tmp_path, COMPACT, "early.json"))


def test_a_row_that_does_not_fit_the_columns_is_rejected_with_its_position(tmp_path: Path) -> None:
    content = json.dumps({"columns": ["a", "b"], "data": [[1, 2], [3], {"a": 4}, [5, 6]]}).encode()

    records = _records(_source(tmp_path, content))

    assert records[0] == (1, {"a": 1, "b": 2}) and records[3] == (4, {"a": 5, "b": 6})
    assert records[1] == Reject(2, "[3]", "the row has 1 values for 2 columns")
    assert isinstance(records[2], Reject) and records[2].reason == "the row is not a list of values"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"data": [[1]]}', 'needs "columns"'),
        (b'{"columns": "a", "data": [[1]]}', 'needs "columns"'),
        (b'{"columns": [["a"]], "data": [[1]]}', 'needs "columns"'),
        (b'{"columns": ["a"], "data": [[1], [2', "the JSON is malformed after row 1 of data"),
    ],
)
def test_a_split_file_without_column_names_or_cut_short_is_a_bad_file(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    with pytest.raises(BadFileError, match=reason):
        _records(_source(tmp_path, content))
