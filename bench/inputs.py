"""The benchmark's input files: job-title CSVs of several sizes and their already-typed twins for the COPY limit,
and (for the NEM12 case) a NEM12 file with its readings already typed in staging.nem12's column order.

Every file is written once per benchmark invocation, into a scratch folder, before anything is timed.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from services.importers import job_titles, nem12
from services.importers.job_titles import pg_text_array
from tests.support.samples.job_titles import GeneratedRow, generate_rows, write_job_titles
from tests.support.samples.nem12 import write_nem12

BIG_SEED: Final = 0
MEDIUM_SEED: Final = 1
SMALL_SEED_BASE: Final = 1000
SCALE_SEED_BASE: Final = 2000
DROP_SEED_BASE: Final = 3000
TYPED_HEADER: Final = ("title", "pdl_count", "related")
STAGING_SHAPED_HEADER: Final = job_titles.COPY_COLUMNS
NEM12_SEED: Final = 0
NEM12_INTERVAL_MINUTES: Final = 30
MINUTES_PER_DAY: Final = 1440
NEM12_HEADER: Final = nem12.COPY_COLUMNS


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
    drops: tuple[tuple[int, Path], ...] = ()  # (rows, file) dropped into an empty warehouse: drop -> views ready


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
    folder: Path,
    *,
    rows: int,
    small_rows: int,
    small_files: int,
    scale_files: int,
    scale_rows: int,
    drop_rows: tuple[int, ...] = (),
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
        drops=tuple(
            (count, _job_titles(folder / f"drop-{count}.csv", count, DROP_SEED_BASE + i))
            for i, count in enumerate(drop_rows)
        ),
    )


@dataclass(frozen=True)
class Nem12Inputs:
    """The NEM12 file the watcher takes, and the same readings already typed for the COPY limit."""

    file: Path
    typed: Path
    nmis: int
    days: int
    readings: int


def _nem12_day(fields: list[str], line_no: int, block: tuple[str, ...], length: int) -> Iterator[tuple[object, ...]]:
    count = MINUTES_PER_DAY // length
    day = f"{fields[1][:4]}-{fields[1][4:6]}-{fields[1][6:8]}"
    quality, reason = fields[2 + count], fields[3 + count]
    for index, value in enumerate(fields[2 : 2 + count]):
        minute = index * length
        # file_id is constant; an empty reason is written unquoted, which CSV COPY reads as NULL
        yield (1, line_no, *block, length, f"{day} {minute // 60:02d}:{minute % 60:02d}", value, quality, reason)


def _nem12_typed_rows(path: Path) -> Iterator[tuple[object, ...]]:
    # Only the generator's simple shape (200 and 300 records, no 400s) is read here: it is input
    # preparation for the limit, done before anything is timed, not a second NEM12 parser.
    block: tuple[str, ...] = ()
    length = 0
    with open(path, encoding="ascii") as lines:
        for line_no, line in enumerate(lines, start=1):
            fields = line.rstrip("\n").split(",")
            if fields[0] == "200":  # nmi, suffix, register_id, uom, as staging.nem12 orders them
                block, length = (fields[1], fields[4], fields[3], fields[7]), int(fields[8])
            elif fields[0] == "300":
                yield from _nem12_day(fields, line_no, block, length)


def write_nem12_inputs(folder: Path, *, nmis: int, days: int) -> Nem12Inputs:
    """Write the NEM12 file (one 30-minute kWh E1 stream per NMI) and its typed readings into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "meters.nem12"
    truth = write_nem12(
        source, nmis, days, seed=NEM12_SEED, is_mixed=False, interval_length=NEM12_INTERVAL_MINUTES, with_400=False
    )
    typed = folder / "nem12_typed.csv"
    with open(typed, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(NEM12_HEADER)
        written = 0
        for row in _nem12_typed_rows(source):
            writer.writerow(row)
            written += 1
    if written != truth.readings:
        raise RuntimeError(f"the typed NEM12 readings ({written}) differ from the file's ({truth.readings})")
    return Nem12Inputs(file=source, typed=typed, nmis=nmis, days=days, readings=truth.readings)


BURST_SEED_BASE: Final = 100_000


def write_burst_inputs(folder: Path, *, files: int, rows: int) -> tuple[Path, ...]:
    """`files` small job-title files of `rows` rows each, all different (distinct seeds), for the burst scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    return tuple(_job_titles(folder / f"burst-{i:05d}.csv", rows, BURST_SEED_BASE + i) for i in range(files))
