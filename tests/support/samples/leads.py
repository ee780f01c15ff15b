"""Write generated weeks of leads (`lead_series`) as CSV, NDJSON, JSON (each optionally gzip) or SQLite.

    python -m tests.support.samples.leads --leads 200 --weeks 3 --out-dir imports/ --formats csv,ndjson,sqlite
        [--seed 0 --bom --crlf --gzip]

Every value is written in one of several spellings that standardise to the same canonical value, and the
spelling rotates with the week, so an unchanged lead is written differently from one week to the next.
In NDJSON and JSON the address columns nest as `address: {street, city, state, zip}`, which flatten to
`address_street`, `address_city`, `address_state` and `address_zip`; blanks are null there and in SQLite.
"""

import argparse
import csv
import gzip
import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import IO, Final, Literal

from tests.support.samples.lead_series import COLUMNS, STATE_NAMES, Layout, Lead, LeadSeries, Week, generate_leads

Format = Literal["csv", "ndjson", "json", "sqlite"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "ndjson", "json", "sqlite")
NESTED_ADDRESS: Final = {"address": "street", "city": "city", "state": "state", "zip": "zip"}
FLATTENED_ADDRESS_KEYS: Final = tuple(f"address_{key}" for key in NESTED_ADDRESS.values())
LEADS_TABLE: Final = "leads_export"
SETTINGS_TABLE: Final = "app_settings"
APP_SETTINGS: Final = (("theme", "dark"), ("export_version", "3"), ("last_sync", "2026-11-20T08:00:00"))
NOTES: Final = ("", "call after 3pm", "prefers e-mail", "waitlist full", "met at fair")


def _text_spellings(text: str, lead_number: int) -> tuple[str, ...]:
    # NFKC turns the no-break space into a space; trimming and collapsing do the rest
    return text, f" {text}  ", text.replace(" ", "\u00a0 ") if " " in text else f"\u00a0{text}"


def _email_spellings(email: str, lead_number: int) -> tuple[str, ...]:
    return email, f" {email.title()} ", email.upper()


def _phone_spellings(e164: str, lead_number: int) -> tuple[str, ...]:
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return (
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area}-{exchange}-{line}",
        f"+1 {area} {exchange} {line}",
    )


def _state_spellings(code: str, lead_number: int) -> tuple[str, ...]:
    name = STATE_NAMES[code]
    return code, name.lower(), f" {name} ", code.lower()


def _zip_spellings(zip5: str, lead_number: int) -> tuple[str, ...]:
    spreadsheet = zip5.lstrip("0") if zip5.startswith("0") else f" {zip5} "  # a number column drops the zero
    return zip5, f"{zip5}-{lead_number * 37 % 10_000:04d}", spreadsheet


STRING_SPELLINGS: Final[dict[str, Callable[[str, int], tuple[str, ...]]]] = {
    "email": _email_spellings,
    "phone": _phone_spellings,
    "state": _state_spellings,
    "zip": _zip_spellings,
}


def _spellings(column: str, value: object, lead_number: int) -> tuple[str, ...]:
    if isinstance(value, date):
        return value.isoformat(), f"{value:%m/%d/%Y}"
    if isinstance(value, int):
        return str(value), f"{value}.0", f" {value:,} "
    return STRING_SPELLINGS.get(column, _text_spellings)(str(value), lead_number)


def spell(column: str, lead: Lead, week_number: int) -> str:
    """How the week's file writes one canonical value: a spelling that rotates with the week ("" for blank)."""
    value = getattr(lead, column)
    if value is None:
        return ""
    if column == "lead_id":
        return str(value)
    lead_number = int(lead.lead_id.removeprefix("L"))
    spellings = _spellings(column, value, lead_number)
    return spellings[(lead_number + week_number + COLUMNS.index(column)) % len(spellings)]


def raw_rows(week: Week) -> list[list[str]]:
    """The week's rows as written (duplicate included), one cell per header of the week's layout."""
    return [
        [spell(column, lead, week.number) if column else _note(lead, week.number) for column in week.layout.columns]
        for lead in week.rows
    ]


def _note(lead: Lead, week_number: int) -> str:
    return NOTES[(int(lead.lead_id.removeprefix("L")) + week_number) % len(NOTES)]


def json_record(layout: Layout, cells: Sequence[str]) -> dict[str, object]:
    """One row as a JSON object: address columns nested under `address`, blanks as null."""
    record: dict[str, object] = {}
    nested: dict[str, str | None] = {}
    for header, column, cell in zip(layout.headers, layout.columns, cells, strict=True):
        if column in NESTED_ADDRESS:
            record.setdefault("address", nested)
            nested[NESTED_ADDRESS[column]] = cell or None
        else:
            record[header] = cell or None
    return record


def _open_text(path: Path, *, compress: bool, encoding: str = "utf-8") -> IO[str]:
    if compress:
        return gzip.open(path, "wt", encoding=encoding, newline="")
    return open(path, "w", encoding=encoding, newline="")


def write_csv(
    path: Path, week: Week, *, has_bom: bool = False, line_end: Literal["\n", "\r\n"] = "\n", compress: bool = False
) -> int:
    """Write the week as CSV with its layout's header; returns the number of data rows."""
    rows = raw_rows(week)
    with _open_text(path, compress=compress, encoding="utf-8-sig" if has_bom else "utf-8") as stream:
        writer = csv.writer(stream, lineterminator=line_end)
        writer.writerow(week.layout.headers)
        writer.writerows(rows)
    return len(rows)


def write_ndjson(path: Path, week: Week, *, compress: bool = False) -> int:
    """Write the week as one JSON object per line; returns the number of records."""
    rows = raw_rows(week)
    with _open_text(path, compress=compress) as stream:
        for cells in rows:
            stream.write(json.dumps(json_record(week.layout, cells), ensure_ascii=False) + "\n")
    return len(rows)


def write_json(path: Path, week: Week, *, compress: bool = False) -> int:
    """Write the week as one JSON array of objects; returns the number of records."""
    rows = raw_rows(week)
    with _open_text(path, compress=compress) as stream:
        json.dump([json_record(week.layout, cells) for cells in rows], stream, ensure_ascii=False, indent=1)
    return len(rows)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def write_sqlite(path: Path, week: Week, *, table: str = LEADS_TABLE) -> int:
    """Write the week as a SQLite database: the leads in `table` (text, blanks NULL) plus an unrelated table."""
    rows = [[cell or None for cell in cells] for cells in raw_rows(week)]
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"CREATE TABLE {_quoted(table)} ({', '.join(f'{_quoted(h)} TEXT' for h in week.layout.headers)})")
        marks = ", ".join("?" for _ in week.layout.headers)
        db.executemany(f"INSERT INTO {_quoted(table)} VALUES ({marks})", rows)
        db.execute(f"CREATE TABLE {SETTINGS_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany(f"INSERT INTO {SETTINGS_TABLE} VALUES (?, ?)", APP_SETTINGS)
    return len(rows)


def parse_formats(text: str) -> tuple[Format, ...]:
    """`csv,ndjson,sqlite` as a tuple of formats; ValueError names an unknown one."""
    by_name: dict[str, Format] = {name: name for name in FORMATS}
    try:
        return tuple(by_name[name.strip()] for name in text.split(","))
    except KeyError as exc:
        raise ValueError(f"unknown format {exc}; use {', '.join(FORMATS)}") from exc


def week_file_name(week_number: int, file_format: Format, *, compress: bool = False) -> str:
    """`leads-week{N}.{format}`, with `.gz` when a text format is compressed."""
    suffix = ".gz" if compress and file_format != "sqlite" else ""
    return f"leads-week{week_number}.{file_format}{suffix}"


def write_week(
    out_dir: Path, week: Week, file_format: Format, *, has_bom: bool = False,
    line_end: Literal["\n", "\r\n"] = "\n", compress: bool = False,
) -> Path:  # fmt: skip
    """Write the week into `out_dir` under its standard name in one format; returns the path."""
    path = out_dir / week_file_name(week.number, file_format, compress=compress)
    if file_format == "csv":
        write_csv(path, week, has_bom=has_bom, line_end=line_end, compress=compress)
    elif file_format == "ndjson":
        write_ndjson(path, week, compress=compress)
    elif file_format == "json":
        write_json(path, week, compress=compress)
    else:
        write_sqlite(path, week)
    return path


def write_series(
    out_dir: Path, series: LeadSeries, formats: Sequence[Format], *, has_bom: bool = False,
    line_end: Literal["\n", "\r\n"] = "\n", compress: bool = False,
) -> list[Path]:  # fmt: skip
    """Write week N in the Nth format given (cycling) into `out_dir`; returns the paths in load order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for week in series.weeks:
        file_format = formats[(week.number - 1) % len(formats)]
        paths.append(write_week(out_dir, week, file_format, has_bom=has_bom, line_end=line_end, compress=compress))
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: week N in the Nth format given (cycling), named leads-week{N}.{format}; prints each truth."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--formats", type=parse_formats, default="csv", help=f"comma-separated: {', '.join(FORMATS)}")
    parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 byte order mark")
    parser.add_argument("--crlf", action="store_true", help="CSV: end lines with CRLF")
    parser.add_argument("--gzip", action="store_true", help="compress CSV, NDJSON and JSON files (.gz)")
    args = parser.parse_args(argv)
    if args.leads < 1 or args.weeks < 1:
        parser.error("--leads and --weeks must be at least 1")
    series = generate_leads(args.leads, weeks=args.weeks, seed=args.seed)
    line_end: Literal["\n", "\r\n"] = "\r\n" if args.crlf else "\n"
    paths = write_series(args.out_dir, series, args.formats, has_bom=args.bom, line_end=line_end, compress=args.gzip)
    for path, week in zip(paths, series.weeks, strict=True):
        truth = week.truth
        print(
            f"wrote {path}: {len(week.rows)} rows (1 duplicate), new={len(truth.new)} changed={len(truth.changed)}"
            f" unchanged={len(truth.unchanged)} removed={len(truth.removed)}"
        )


if __name__ == "__main__":
    main()
