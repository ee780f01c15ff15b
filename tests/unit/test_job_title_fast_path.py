"""The fast COPY path gives exactly the lines of the general path, whatever the input."""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.job_titles import encode_copy_line, iter_copy_lines, iter_title_records
from tests.support.samples.job_titles import FileShape, generate_rows, write_job_titles

HEADERS = [
    "title,pdl count,top related titles 1,top related titles 2,top related titles 3\n",
    "title,pdl_count,top related titles,,\n",
    "Title,PDL Count,source,Top Related Titles\n",
    "pdl count,title,top related titles 1\n",
]
# Among them: every character the fast path must send to the general one (escapes, NUL, its own stand-in
# for a quoted comma \x1f, whitespace str.strip() trims, narrow and wide) and printable non-ASCII ones.
_CELL = st.text(alphabet=st.sampled_from(list('ab ,"\\\t\x00\x0b\x1c\x1f\x85\u00a0\u2003\u3000é€1-0\n\r')), max_size=8)
_COUNT = st.one_of(st.integers(-5, 2**64).map(str), st.sampled_from(["", " 7 ", "1e3", "²", "007", "9" * 19]))


def general_path(text: str, file_id: int) -> list[str | Reject]:
    """What the loader would write if every row took the typed route."""
    items = iter_title_records(io.StringIO(text, newline=""))
    return [item if isinstance(item, Reject) else encode_copy_line(file_id, item) for item in items]


def fast_path(text: str, file_id: int) -> list[str | Reject]:
    return list(iter_copy_lines(io.StringIO(text, newline=""), file_id))


def assert_same(text: str) -> None:
    try:
        expected = general_path(text, 9)
    except BadFileError as error:
        with pytest.raises(BadFileError) as raised:
            fast_path(text, 9)
        assert raised.value.reason == error.reason
        return
    assert fast_path(text, 9) == expected


@settings(max_examples=300)
@given(st.sampled_from(HEADERS), st.lists(st.tuples(_CELL, _COUNT, st.lists(_CELL, max_size=5)), max_size=12))
def test_both_paths_agree_on_arbitrary_rows(header: str, rows: list[tuple[str, str, list[str]]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for title, count, related in rows:
        writer.writerow([title, count, *related])
    assert_same(header + buffer.getvalue())


@settings(max_examples=300)
@given(st.sampled_from(HEADERS), st.text(alphabet=st.sampled_from(list('ab ,"\\\t\x00\r\n7é')), max_size=80))
def test_both_paths_agree_on_arbitrary_text(header: str, body: str) -> None:
    assert_same(header + body)


@pytest.mark.parametrize(
    "shape",
    [FileShape(), FileShape(header="spreadsheet", is_padded=True, ragged_every=3), FileShape(extra_column="src")],
    ids=repr,
)
def test_both_paths_agree_on_generated_files(shape: FileShape, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    write_job_titles(path, generate_rows(400, seed=4), shape)
    with open(path, encoding="utf-8", newline="") as stream:
        assert_same(stream.read())
