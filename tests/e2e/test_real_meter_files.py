"""Real NEM12/NEM13 files, end to end, against nemreader: every complete file loads, and `daily_consumption`
equals nemreader's readings summed under our rules on every NMI-day.

Opt-in: needs nemreader (`pip install nemreader`; not a dev dependency, it brings pandas) and real files:
the exercise samples in ../shared/data/nem12-flo-exercise, and any folders named in NEM_EXAMPLES_DIRS
(os.pathsep-separated; e.g. nemreader's example pack, unzipped). The rules: within a file the later record
of a stream and day (NEM12) or of a stream, register and period (NEM13) wins, and a later file's stream-day
replaces an earlier one (NEM13: a later period replaces the earlier ones it overlaps); E streams are
consumption and B streams generation, in kWh; a NEM13 period's kWh is spread over its days by time,
direction E consumption and I generation (positive). NEM_VERIFY_REPORT names a JSON file for the details.
"""

import csv
import importlib
import json
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from tests.e2e.conftest import run_main

SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "nem12-flo-exercise"
KWH_PER_UNIT = {"KWH": Decimal(1), "WH": Decimal("0.001"), "MWH": Decimal(1000)}
INTERVAL_TOLERANCE_KWH = Decimal("0.000001")  # nemreader reads values as floats
REGISTER_TOLERANCE_KWH = Decimal("0.001")
# What may refuse a real file: it is broken, not merely unusual.
BROKEN_FILE_REASONS = (
    "values, this one has",  # a 300 record whose value count does not fit its interval length
    "has no 900 end-of-data record",
    "looks truncated",
    "comes after the 900 end-of-data record",
    "rows were rejected, more than the allowed",
    "no import service recognises this file",
    "the file is empty",
)
Day = tuple[str, date]


@dataclass
class Expected:
    """nemreader's readings under our rules, as they build up file by file."""

    interval_days: dict[tuple[str, str, date], tuple[str, Decimal]] = field(default_factory=dict)
    register_reads: dict[tuple[str, str, str], list[tuple[datetime, datetime, str, Decimal]]] = field(
        default_factory=dict
    )
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> why nemreader could not read it whole

    def daily(self) -> dict[Day, tuple[Decimal, Decimal]]:
        totals: dict[Day, tuple[Decimal, Decimal]] = {}
        for (nmi, suffix, day), (_, kwh) in self.interval_days.items():
            add(totals, (nmi, day), kwh if suffix.startswith("E") else Decimal(0), kwh if suffix[0] == "B" else 0)
        for (nmi, _, _), reads in self.register_reads.items():
            for start, end, direction, kwh in reads:
                for day, share in spread(start, end, kwh).items():
                    add(totals, (nmi, day), share if direction == "E" else 0, abs(share) if direction == "I" else 0)
        return totals


def add(
    totals: dict[Day, tuple[Decimal, Decimal]], key: Day, consumption: Decimal | int, generation: Decimal | int
) -> None:
    before = totals.get(key, (Decimal(0), Decimal(0)))
    totals[key] = (before[0] + consumption, before[1] + generation)


def spread(start: datetime, end: datetime, kwh: Decimal) -> dict[date, Decimal]:
    if start == end:
        return {start.date(): kwh}
    total = Decimal((end - start).total_seconds())
    shares, day = {}, start.date()
    while datetime.combine(day, time()) < end:
        low, high = max(start, datetime.combine(day, time())), min(end, datetime.combine(day, time()) + timedelta(1))
        shares[day] = kwh * Decimal((high - low).total_seconds()) / total
        day += timedelta(days=1)
    return shares


def records_of(readings: list[Any]) -> Iterator[list[Any]]:
    """nemreader's flat readings of a stream, cut back into their 300 records (a day, times rising)."""
    record: list[Any] = []
    for reading in readings:
        if record and (reading.t_start <= record[-1].t_start or reading.t_start.date() != record[-1].t_start.date()):
            yield record
            record = []
        record.append(reading)
    if record:
        yield record


def add_nem12(expected: Expected, name: str, data: Any) -> None:
    for nmi, streams in data.readings.items():
        for suffix, readings in streams.items():
            if suffix[:1] not in ("E", "B"):
                continue
            for record in records_of(readings):
                kwh = sum((Decimal(str(r.read_value)) * KWH_PER_UNIT[r.uom.upper()] for r in record), Decimal(0))
                expected.interval_days[(nmi, suffix, record[0].t_start.date())] = (name, kwh)


def add_nem13(expected: Expected, path: Path, nem_reader: Any) -> None:
    latest: dict[tuple[str, str, str, datetime, datetime], tuple[str, Decimal]] = {}
    with open(path, encoding="utf-8-sig", newline="") as stream:
        for row in csv.reader(stream):
            if row and row[0].strip() == "250":
                read = nem_reader.parse_250_row([cell.strip() for cell in row])
                key = (read.nmi, read.nmi_suffix, read.register_id, read.previous_register_read_datetime,
                       read.current_register_read_datetime)  # fmt: skip
                latest[key] = (read.direction_indicator, Decimal(str(read.quantity)) * KWH_PER_UNIT[read.uom.upper()])
    for nmi, suffix, register, start, end in latest:
        kept = [r for r in expected.register_reads.get((nmi, suffix, register), []) if not overlaps(r, start, end)]
        expected.register_reads[(nmi, suffix, register)] = kept
    for (nmi, suffix, register, start, end), (direction, kwh) in latest.items():
        expected.register_reads[(nmi, suffix, register)].append((start, end, direction, kwh))


def overlaps(read: tuple[datetime, datetime, str, Decimal], start: datetime, end: datetime) -> bool:
    return (read[0] < end and start < read[1]) or (read[0], read[1]) == (start, end)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def expect_file(expected: Expected, path: Path, name: str) -> None:
    """Add one loaded file (each member of a zip, in order), read by nemreader; a file nemreader reads only in
    part is noted, not compared."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
            for index, info in enumerate(info for info in archive.infolist() if not info.is_dir()):
                member = Path(folder) / f"member-{index}"
                member.write_bytes(archive.read(info))
                expect_file(expected, member, f"{name}/{info.filename}")
        return
    _expect_plain_file(expected, path, name)


def _expect_plain_file(expected: Expected, path: Path, name: str) -> None:
    nem_reader = importlib.import_module("nemreader.nem_reader")
    collect = _Collect()
    logging.getLogger("nemreader").addHandler(collect)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # nemreader leaves the files it opens to the collector
        try:
            data = importlib.import_module("nemreader").NEMFile(str(path), strict=False).nem_data()
        except (ValueError, TypeError, KeyError) as exc:
            expected.unreadable[name] = f"nemreader: {exc}"
            return
        finally:
            logging.getLogger("nemreader").removeHandler(collect)
    skipped = [message for message in collect.messages if "kipping" in message or "not supported" in message]
    if skipped:
        expected.unreadable[name] = f"nemreader skipped records: {skipped[0]}"
    if data.header.version_header == "NEM13":
        add_nem13(expected, path, nem_reader)
    else:
        add_nem12(expected, name, data)


def example_files() -> list[Path]:
    folders = [SHARED_SAMPLES] + [Path(p) for p in os.environ.get("NEM_EXAMPLES_DIRS", "").split(os.pathsep) if p]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*") if path.is_file())


def drop_in_order(files: list[Path], imports: Path) -> dict[str, Path]:
    """Copy the files in, named uniquely, with rising mtimes so the service takes them in this order."""
    imports.mkdir(parents=True, exist_ok=True)
    dropped = {}
    for index, path in enumerate(files):
        name = f"{index:04d}-{path.name}"
        shutil.copyfile(path, imports / name)
        os.utime(imports / name, (1_700_000_000 + index, 1_700_000_000 + index))
        dropped[name] = path
    return dropped


def ledger_of(settings: Settings) -> list[dict[str, Any]]:
    done = run_main(settings, "--status", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows[::-1]  # load order


def exported_daily(settings: Settings) -> dict[Day, tuple[Decimal, Decimal]]:
    with open(settings.exports_dir / "daily_consumption.csv", encoding="utf-8", newline="") as stream:
        return {
            (row["nmi"], date.fromisoformat(row["day"])): (
                Decimal(row["consumption_kwh"]),
                Decimal(row["generation_kwh"]),
            )
            for row in csv.DictReader(stream)
        }


def test_every_real_file_loads_and_the_daily_consumption_equals_nemreader(
    empty_database: str, settings: Settings
) -> None:
    pytest.importorskip("nemreader")
    files = example_files()
    if not files:
        pytest.skip("no real meter data files (../shared/data/nem12-flo-exercise or NEM_EXAMPLES_DIRS)")
    settings = settings.model_copy(update={"db_string_async": empty_database})
    dropped = drop_in_order(files, settings.imports_dir)

    for args in (("--once", str(settings.imports_dir)), ("--pipeline",), ("--analysis",)):
        done = run_main(settings, *args, timeout=900, SETTLE_SECONDS="0.05")
        assert done.returncode == 0, done.stderr[-2000:]

    ledger = ledger_of(settings)
    failed = {row["file_name"]: row["error"] for row in ledger if row["status"] == "failed"}
    expected = Expected()
    for row in ledger:
        if row["status"] == "loaded" and not row["part_name"]:  # a zip is read whole by nemreader, not by member
            expect_file(expected, settings.imports_dir / "processed" / row["file_name"], row["file_name"])
    actual, wanted = exported_daily(settings), expected.daily()
    report = compare(actual, wanted, expected, ledger, failed)
    if os.environ.get("NEM_VERIFY_REPORT"):
        report_file = Path(os.environ["NEM_VERIFY_REPORT"])
        report_file.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        shutil.copytree(settings.exports_dir, report_file.with_suffix(".exports"), dirs_exist_ok=True)

    assert set(failed) <= set(dropped)
    assert [name for name, reason in failed.items() if not any(r in reason for r in BROKEN_FILE_REASONS)] == []
    assert report["mismatches"] == [], report["mismatches"][:5]


def compare(
    actual: dict[Day, tuple[Decimal, Decimal]],
    wanted: dict[Day, tuple[Decimal, Decimal]],
    expected: Expected,
    ledger: list[dict[str, Any]],
    failed: dict[str, str],
) -> dict[str, Any]:
    """Every NMI-day of both sides; NMI-days of files nemreader could not read whole are only listed."""
    not_comparable = {
        (nmi, day) for (nmi, _, day), (name, _) in expected.interval_days.items() if name in expected.unreadable
    }
    register_nmis = {nmi for nmi, _, _ in expected.register_reads}
    zero = (Decimal(0), Decimal(0))
    mismatches: list[dict[str, object]] = []
    max_difference, compared, one_sided = Decimal(0), 0, 0
    for key in sorted(actual.keys() | wanted.keys()):
        got, want = actual.get(key), wanted.get(key)
        tolerance = REGISTER_TOLERANCE_KWH if key[0] in register_nmis else INTERVAL_TOLERANCE_KWH
        difference = max(abs((got or zero)[0] - (want or zero)[0]), abs((got or zero)[1] - (want or zero)[1]))
        if key in not_comparable:
            continue
        compared += 1
        max_difference = max(max_difference, difference)
        if difference > tolerance:  # a day on one side only must be a day of zeros (a reactive stream's, say)
            mismatches.append({"nmi": key[0], "day": key[1], "ours": got, "nemreader": want})
        one_sided += (got is None) != (want is None)
    statuses: dict[str, int] = {}
    for row in ledger:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return {
        "files": statuses,
        "ledger": [(row["file_name"], row["status"], row["rows_loaded"], row["rows_rejected"]) for row in ledger],
        "failed": failed,
        "nemreader_could_not_read_whole": expected.unreadable,
        "nmi_days_compared": compared,
        "nmi_days_not_comparable": len(not_comparable),
        "nmi_days_of_zeros_on_one_side_only": one_sided,
        "max_difference_kwh": max_difference,
        "mismatches": mismatches,
    }
