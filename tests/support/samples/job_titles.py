"""Sample job-title files of any size, in every shape real files come in, with the truth they encode.

    python -m tests.support.samples.job_titles --rows 5000 --out imports/titles.csv
        [--shape spreadsheet --crlf --bom ...]

`generate_rows` yields what a file should load as; `write_job_titles` writes those rows in a
given `FileShape` (header style, encoding, BOM, CRLF, padding, ragged rows, an extra column).
Tests and benchmarks both use it.
"""

import argparse
import csv
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

PUBLIC_RELATED_COLUMNS: Final = 19

SENIORITY: Final = ("", "senior", "sr.", "junior", "lead", "principal", "chief", "assistant", "associate", "head")
ROLES: Final = (
    "software engineer", "account manager", "sales representative", "registered nurse", "c++ developer",
    "c# developer", "c developer", "r&d engineer", "owner/operator", "proprietário(a)", "realtor®",
    "manager, sales", "manager ii", "project manager", "management consultant", "store managers",
    "data analyst", "teacher", "office manager", "operations manager", "mechanical engineer", "accountant",
    "marketing manager", "product owner", "recruiter", "electrician", "pharmacist", "chef de cuisine",
    "directeur général", "gerente de ventas", "médico", "ingeniero civil", "customer service", "cashier",
    "warehouse associate", "truck driver", "graphic designer", "web developer", "qa tester", "hr generalist",
)  # fmt: skip
EXTRA_RELATED: Final = ("intern", "volunteer", "freelancer", "consultant", "contractor", "founder")

Header = Literal["public", "spreadsheet"]
Encoding = Literal["utf-8", "cp1252"]


@dataclass(frozen=True)
class GeneratedRow:
    """One data row as it should load: title trimmed, count or None, related titles in order."""

    title: str
    pdl_count: int | None
    related: tuple[str, ...]


@dataclass(frozen=True)
class FileShape:
    """How a file is written; every combination loads to the same rows."""

    header: Header = "public"
    header_case: Literal["lower", "title", "upper"] = "lower"
    encoding: Encoding = "utf-8"
    has_bom: bool = False
    line_end: Literal["\n", "\r\n"] = "\n"
    is_padded: bool = False  # spaces around cells, which the loader trims
    extra_column: str | None = None  # a named column after pdl count, kept as extra data
    ragged_every: int = 0  # every Nth row has its related titles spilled over or cut short


PLAIN_SHAPE: Final = FileShape()


def _title_pool() -> list[str]:
    return [f"{level} {role}".strip() for role in ROLES for level in SENIORITY]


def _nth_title(pool: list[str], index: int) -> str:
    base = pool[index % len(pool)]
    lap = index // len(pool)
    return base if lap == 0 else f"{base} {lap}"


def generate_rows(
    count: int, *, seed: int = 0, related_max: int = PUBLIC_RELATED_COLUMNS, blank_count_every: int = 50
) -> Iterator[GeneratedRow]:
    """`count` rows with distinct titles, 0..related_max related titles, some blank counts."""
    rng = random.Random(seed)
    pool = _title_pool()
    related_pool = [*pool, *EXTRA_RELATED]
    for index in range(count):
        related_count = min(related_max, rng.choice((0, 3, 8, 12, 19, 19, 19, 19)))
        related = tuple(rng.choice(related_pool) for _ in range(related_count))
        pdl_count = (
            None
            if blank_count_every and index % blank_count_every == blank_count_every - 1
            else rng.randrange(0, 2_000_000)
        )
        yield GeneratedRow(_nth_title(pool, index), pdl_count, related)


def cp1252_safe(rows: Iterable[GeneratedRow]) -> Iterator[GeneratedRow]:
    """The rows with characters Windows-1252 cannot hold replaced by '?'."""
    for row in rows:
        yield GeneratedRow(_cp1252(row.title), row.pdl_count, tuple(_cp1252(related) for related in row.related))


def _cp1252(text: str) -> str:
    return text.encode("cp1252", errors="replace").decode("cp1252")


def header_cells(shape: FileShape) -> list[str]:
    """The header row for a shape."""
    count_name = "pdl count" if shape.header == "public" else "pdl_count"
    names = ["title", count_name]
    if shape.extra_column:
        names.append(shape.extra_column)
    if shape.header == "public":
        names += [f"top related titles {i}" for i in range(1, PUBLIC_RELATED_COLUMNS + 1)]
    else:
        names += ["top related titles"] + [""] * (PUBLIC_RELATED_COLUMNS - 1)
    case = {"lower": str.lower, "title": str.title, "upper": str.upper}[shape.header_case]
    return [case(name) for name in names]


def data_cells(row: GeneratedRow, index: int, shape: FileShape) -> list[str]:
    """One data row's cells for a shape (padding, extra column and raggedness applied)."""
    pad = (lambda text: f"  {text} ") if shape.is_padded else (lambda text: text)
    cells = [pad(row.title), "" if row.pdl_count is None else pad(str(row.pdl_count))]
    if shape.extra_column:
        cells.append(f"src-{index % 7}")
    related = [pad(text) for text in row.related]
    is_ragged = shape.ragged_every and index % shape.ragged_every == 0
    if not is_ragged:
        related += [""] * (PUBLIC_RELATED_COLUMNS - len(related))
    return cells + related


def write_job_titles(path: Path, rows: Iterable[GeneratedRow], shape: FileShape = PLAIN_SHAPE) -> int:
    """Write the rows as a job-title file; returns the number of data rows written."""
    encoding = "utf-8-sig" if shape.has_bom and shape.encoding == "utf-8" else shape.encoding
    written = 0
    with open(path, "w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, lineterminator=shape.line_end)
        writer.writerow(header_cells(shape))
        for index, row in enumerate(rows):
            writer.writerow(data_cells(row, index, shape))
            written += 1
    return written


def main() -> None:
    """Command line: write one generated file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shape", choices=("public", "spreadsheet"), default="public")
    parser.add_argument("--crlf", action="store_true")
    parser.add_argument("--bom", action="store_true")
    parser.add_argument("--cp1252", action="store_true")
    args = parser.parse_args()
    shape = FileShape(
        header=args.shape,
        encoding="cp1252" if args.cp1252 else "utf-8",
        has_bom=args.bom,
        line_end="\r\n" if args.crlf else "\n",
    )
    rows = generate_rows(args.rows, seed=args.seed)
    write_job_titles(args.out, cp1252_safe(rows) if args.cp1252 else rows, shape)


if __name__ == "__main__":
    main()
