"""Property-based tests of the job-title parser and of the text[] literal it writes."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BadFileError
from services.column_types import MAX_BIGINT
from services.importers.base import Reject
from services.importers.job_titles import TitleRecord, iter_title_records, pg_text_array
from tests.support.samples.job_titles import FileShape, header_cells

# Pieces that make CSV structure (quotes, separators, line ends, NUL, a header) far more often than random bytes do.
_CSV_PIECES = st.sampled_from(
    [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b" ", b"a", b"1", b"-", b"\xff", b"\xe9", b"title", b"pdl count"]
)
_CSV_LIKE_BYTES = st.one_of(
    st.binary(),
    st.lists(_CSV_PIECES).map(b"".join),
    st.lists(_CSV_PIECES).map(lambda pieces: b"title,pdl count,top related titles\n" + b"".join(pieces)),
)

# Cell text the writer can round-trip as one physical line. Excluded, and why:
# - "\r" and "\n": csv.writer quotes a cell holding them, and the record then spans several lines, which the parser
#   rejects on purpose (see test_a_quoted_field_over_several_lines_rejects_that_record);
# - "\x00": rows with NUL are rejected, since Postgres text cannot hold it;
# - surrogates ("Cs"): they cannot be encoded, so no real file holds them.
# Whitespace-only cells stay in: the parser strips every cell, so such a title is expected back as '' and such a
# related title is expected to be dropped, exactly as `expected_record` says.
_CELL = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\n"), max_size=12)
_COUNT = st.none() | st.integers(min_value=0, max_value=MAX_BIGINT)

DataRow = tuple[str, int | None, bool, str, list[str]]  # title, count, is the count padded, extra cell, related


@st.composite
def _data_rows(draw: st.DrawFn) -> DataRow:
    return (draw(_CELL), draw(_COUNT), draw(st.booleans()), draw(_CELL), draw(st.lists(_CELL, max_size=25)))


_SHAPES = st.builds(
    FileShape,
    header=st.sampled_from(["public", "spreadsheet"]),
    header_case=st.sampled_from(["lower", "title", "upper"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    extra_column=st.sampled_from([None, "source"]),
)


def expected_record(line_no: int, row: DataRow, extra_name: str | None) -> TitleRecord:
    title, count, _, extra_cell, related = row
    extra = {extra_name: extra_cell.strip()} if extra_name and extra_cell.strip() else None
    return TitleRecord(line_no, title.strip(), count, [text.strip() for text in related if text.strip()], extra)


@given(_CSV_LIKE_BYTES)
def test_any_bytes_give_records_rejects_or_a_bad_file_and_nothing_else(raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    try:
        items = list(iter_title_records(io.StringIO(text, newline="")))
    except BadFileError:
        return
    assert items
    assert all(isinstance(item, TitleRecord | Reject) for item in items)
    line_numbers = [item.line_no for item in items]
    assert line_numbers == sorted(set(line_numbers))
    assert line_numbers[0] >= 2


@given(_SHAPES, st.lists(_data_rows(), min_size=1, max_size=8))
def test_rows_written_by_csv_writer_parse_back_exactly(shape: FileShape, rows: list[DataRow]) -> None:
    header = header_cells(shape)
    extra_name = header[2] if shape.extra_column else None
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=shape.line_end)
    writer.writerow(header)
    for title, count, is_padded, extra_cell, related in rows:
        count_cell = "" if count is None else (f" {count}  " if is_padded else str(count))
        writer.writerow([title, count_cell, *([extra_cell] if extra_name else []), *related])

    parsed = list(iter_title_records(io.StringIO(buffer.getvalue(), newline="")))

    assert parsed == [expected_record(index + 2, row, extra_name) for index, row in enumerate(rows)]


def _skip_space(body: str, index: int) -> int:
    while index < len(body) and body[index] in " \t\n\r\v\f":
        index += 1
    return index


def _read_quoted(body: str, index: int) -> tuple[str, int]:
    """A double-quoted element starting at body[index]; a backslash takes the next character literally."""
    chars: list[str] = []
    index += 1
    while body[index] != '"':
        if body[index] == "\\":
            index += 1
        chars.append(body[index])
        index += 1
    return "".join(chars), index + 1


def _read_unquoted(body: str, index: int) -> tuple[str | None, int]:
    """An unquoted element: up to the next comma, outer whitespace trimmed, NULL (any case) means null."""
    start = index
    while index < len(body) and body[index] != ",":
        if body[index] in '{}"\\':
            raise ValueError(f"{body[index]!r} must be quoted in an unquoted element")
        index += 1
    text = body[start:index].strip(" \t\n\r\v\f")
    if not text:
        raise ValueError("empty unquoted element")
    return (None if text.upper() == "NULL" else text), index


def parse_pg_array(literal: str) -> list[str | None]:
    """A reference reader of Postgres' one-dimensional array input syntax (`{"a","b c",NULL}`)."""
    if not (literal.startswith("{") and literal.endswith("}")):
        raise ValueError("an array literal is wrapped in braces")
    body = literal[1:-1]
    if not body.strip(" \t\n\r\v\f"):
        return []
    items: list[str | None] = []
    index = 0
    while True:
        index = _skip_space(body, index)
        item, index = _read_quoted(body, index) if body[index : index + 1] == '"' else _read_unquoted(body, index)
        items.append(item)
        index = _skip_space(body, index)
        if index == len(body):
            return items
        if body[index] != ",":
            raise ValueError(f"expected a comma at {index} in {literal!r}")
        index += 1


@pytest.mark.parametrize(
    ("literal", "items"),
    [
        ("{}", []),
        ("{ }", []),
        ('{""}', [""]),
        ("{a, b ,c}", ["a", "b", "c"]),
        ('{NULL,null,"NULL"}', [None, None, "NULL"]),
        (r'{"a\"b","c\\d","e,f","{g}"}', ['a"b', "c\\d", "e,f", "{g}"]),
    ],
)
def test_the_reference_array_reader_follows_postgres_syntax(literal: str, items: list[str | None]) -> None:
    assert parse_pg_array(literal) == items


@pytest.mark.parametrize("literal", ["a,b", "{a,}", "{,a}", '{"a}', "{a{b}", '{"a"b}'])
def test_the_reference_array_reader_refuses_malformed_literals(literal: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        parse_pg_array(literal)


@pytest.mark.parametrize(
    "items",
    [[], [""], ["NULL"], ["null", "Null"], ['"'], ["\\"], ['\\"'], [","], ["{", "}"], ["a,b", "{c}"], [" pad "]],
)
def test_awkward_related_titles_survive_the_array_literal(items: list[str]) -> None:
    assert parse_pg_array(pg_text_array(items)) == items


@given(st.lists(st.text()))
def test_any_list_of_strings_survives_the_array_literal(items: list[str]) -> None:
    assert parse_pg_array(pg_text_array(items)) == items
