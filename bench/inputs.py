"""The benchmark's input files: job-title CSVs of several sizes and their already-typed twins for the COPY limit.

Every file is written once per benchmark invocation, into a scratch folder, before anything is timed.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.generators import GeneratedRow, generate_rows, write_job_titles
from services.importers.job_titles import pg_text_array

BIG_SEED: Final = 0
MEDIUM_SEED: Final = 1
SMALL_SEED_BASE: Final = 1000
SCALE_SEED_BASE: Final = 2000
TYPED_HEADER: Final = ("title", "pdl_count", "related")
STAGING_SHAPED_HEADER: Final = ("file_id", "line_no", "title", "pdl_count", "related_titles", "extra")


@dataclass(frozen=True)
class Inputs:
    """Paths and row counts of every file the benchmark drops or copies."""

    big: Path
    big_rows: int
    typed: Path
    staging_shaped: Path
    medium: Path
    medium_rows: int
    small: tuple[Path, ...]
    small_rows: int
    scale: tuple[Path, ...]
    scale_rows: int


def _typed_cells(row: GeneratedRow) -> tuple[str, str, str]:
    count = "" if row.pdl_count is None else str(row.pdl_count)  # an unquoted empty CSV field is NULL
    return (row.title, count, pg_text_array(list(row.related)))


def _typed_rows(rows: int, *, seed: int, has_lineage: bool) -> Iterator[tuple[object, ...]]:
    for index, row in enumerate(generate_rows(rows, seed=seed)):
        cells = _typed_cells(row)
        # line_no as the service numbers it: the header is line 1. file_id is constant, extra is NULL.
        yield (1, index + 2, *cells, "") if has_lineage else cells


def write_typed(path: Path, rows: int, *, seed: int, has_lineage: bool) -> None:
    """The same rows as `write_job_titles` writes, already typed: COPY can take them with no parsing by us."""
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(STAGING_SHAPED_HEADER if has_lineage else TYPED_HEADER)
        writer.writerows(_typed_rows(rows, seed=seed, has_lineage=has_lineage))


def _job_titles(path: Path, rows: int, seed: int) -> Path:
    write_job_titles(path, generate_rows(rows, seed=seed))
    return path


def _series(folder: Path, stem: str, files: int, rows: int, seed_base: int) -> tuple[Path, ...]:
    # Different seeds, so no two files have the same content (the service would skip a duplicate).
    return tuple(_job_titles(folder / f"{stem}-{i:02d}.csv", rows, seed_base + i) for i in range(files))


def write_inputs(
    folder: Path, *, rows: int, small_rows: int, small_files: int, scale_files: int, scale_rows: int
) -> Inputs:
    """Write every input file into `folder` (scale files only when `scale_files` > 0)."""
    folder.mkdir(parents=True, exist_ok=True)
    medium_rows = max(1, rows // 4)
    write_typed(folder / "typed.csv", rows, seed=BIG_SEED, has_lineage=False)
    write_typed(folder / "staging_shaped.csv", rows, seed=BIG_SEED, has_lineage=True)
    return Inputs(
        big=_job_titles(folder / "big.csv", rows, BIG_SEED),
        big_rows=rows,
        typed=folder / "typed.csv",
        staging_shaped=folder / "staging_shaped.csv",
        medium=_job_titles(folder / "medium.csv", medium_rows, MEDIUM_SEED),
        medium_rows=medium_rows,
        small=_series(folder, "small", small_files, small_rows, SMALL_SEED_BASE),
        small_rows=small_rows,
        scale=_series(folder, "scale", scale_files, scale_rows, SCALE_SEED_BASE),
        scale_rows=scale_rows,
    )
