"""tests/support/samples/job_titles.py writes files the parser reads back to exactly the rows it generated,
in every shape."""

from dataclasses import replace
from pathlib import Path

import pytest

from services.importers.encodings import choose_fallback_encoding, scan_encoding
from services.importers.job_titles import TitleRecord, iter_title_records
from tests.support.samples.job_titles import (
    FileShape,
    GeneratedRow,
    cp1252_safe,
    generate_rows,
    header_cells,
    write_job_titles,
)

ROW_COUNT = 60

SHAPES = {
    "default": FileShape(),
    "spreadsheet": FileShape(header="spreadsheet"),
    "title-case": FileShape(header_case="title"),
    "upper-case": FileShape(header_case="upper"),
    "spreadsheet-upper": FileShape(header="spreadsheet", header_case="upper"),
    "bom": FileShape(has_bom=True),
    "crlf": FileShape(line_end="\r\n"),
    "cp1252": FileShape(encoding="cp1252"),
    "cp1252-crlf": FileShape(encoding="cp1252", line_end="\r\n", header="spreadsheet"),
    "padded": FileShape(is_padded=True),
    "extra-column": FileShape(extra_column="source"),
    "extra-column-title-case": FileShape(extra_column="source", header_case="title", header="spreadsheet"),
    "ragged": FileShape(ragged_every=3),
    "ragged-every-row": FileShape(ragged_every=1, header="spreadsheet"),
    "everything": FileShape(
        header="spreadsheet",
        header_case="upper",
        has_bom=True,
        line_end="\r\n",
        is_padded=True,
        extra_column="Source",
        ragged_every=2,
    ),
    "everything-cp1252": FileShape(
        header_case="title", encoding="cp1252", line_end="\r\n", is_padded=True, extra_column="src", ragged_every=4
    ),
}


def decoding_for(shape: FileShape) -> str:
    if shape.encoding == "cp1252":
        return "cp1252"
    return "utf-8-sig" if shape.has_bom else "utf-8"


def rows_for(shape: FileShape) -> list[GeneratedRow]:
    rows = generate_rows(ROW_COUNT, seed=7, blank_count_every=10)
    return list(cp1252_safe(rows) if shape.encoding == "cp1252" else rows)


def expected_records(rows: list[GeneratedRow], shape: FileShape) -> list[TitleRecord]:
    extra_name = header_cells(shape)[2] if shape.extra_column else None
    return [
        TitleRecord(
            index + 2,
            row.title,
            row.pdl_count,
            list(row.related),
            {extra_name: f"src-{index % 7}"} if extra_name else None,
        )
        for index, row in enumerate(rows)
    ]


def read_back(path: Path, encoding: str) -> list[object]:
    with open(path, encoding=encoding, newline="") as lines:
        return list(iter_title_records(lines))


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_every_file_shape_parses_back_to_the_generated_rows(tmp_path: Path, shape: FileShape) -> None:
    rows = rows_for(shape)
    path = tmp_path / "titles.csv"
    assert write_job_titles(path, rows, shape) == ROW_COUNT
    assert read_back(path, decoding_for(shape)) == expected_records(rows, shape)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_the_encoding_scan_picks_a_decoding_that_reads_every_shape(tmp_path: Path, shape: FileShape) -> None:
    rows = rows_for(shape)
    path = tmp_path / "titles.csv"
    write_job_titles(path, rows, shape)
    with open(path, "rb") as stream:
        encoding = choose_fallback_encoding(scan_encoding(stream))
    assert encoding == ("cp1252" if shape.encoding == "cp1252" else "utf-8-sig")
    assert read_back(path, encoding) == expected_records(rows, shape)


def test_the_samples_hold_the_awkward_cases_the_shapes_are_meant_to_exercise() -> None:
    rows = rows_for(FileShape())
    texts = [row.title for row in rows] + [text for row in rows for text in row.related]
    assert any(row.pdl_count is None for row in rows)
    assert any("," in text for text in texts)
    assert any(not text.isascii() for text in texts)
    assert any(len(row.related) == 19 for row in rows)
    assert any(len(row.related) < 19 for row in rows)


@pytest.mark.parametrize(
    ("shape", "marker"),
    [
        (FileShape(has_bom=True), b"\xef\xbb\xbf"),
        (FileShape(line_end="\r\n"), b"\r\n"),
        (FileShape(encoding="cp1252"), "é".encode("cp1252")),
        (FileShape(is_padded=True), b"  "),
        (FileShape(header="spreadsheet"), b"pdl_count"),
    ],
)
def test_each_shape_really_changes_the_bytes_written(tmp_path: Path, shape: FileShape, marker: bytes) -> None:
    plain, shaped = tmp_path / "plain.csv", tmp_path / "shaped.csv"
    rows = list(cp1252_safe(generate_rows(ROW_COUNT, seed=7)))
    write_job_titles(plain, rows)
    write_job_titles(shaped, rows, shape)
    assert marker not in plain.read_bytes()
    assert marker in shaped.read_bytes()


@pytest.mark.parametrize("every", [1, 3, 7])
def test_a_small_blank_count_interval_still_gives_blank_counts(every: int) -> None:
    rows = list(generate_rows(20, blank_count_every=every))
    assert any(row.pdl_count is None for row in rows)


def test_ragged_rows_are_written_shorter_than_the_header(tmp_path: Path) -> None:
    shape = FileShape(ragged_every=2)
    path = tmp_path / "titles.csv"
    write_job_titles(path, rows_for(shape), shape)
    flat = replace(shape, ragged_every=0)
    flat_path = tmp_path / "flat.csv"
    write_job_titles(flat_path, rows_for(flat), flat)
    assert len(path.read_bytes()) < len(flat_path.read_bytes())
