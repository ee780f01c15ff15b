"""A drop folder with a file of every shipped kind, all generated (no real data), and one file of no known kind:
what docs/report.png shows (`docs/report-screenshot.sh` makes it from this folder).

    python -m tests.support.samples.demo FOLDER
"""

import csv
import json
import random
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.samples.lead_series import generate_leads
from tests.support.samples.leads import write_series
from tests.support.samples.nem12 import write_nem12

METERPOINTS: Final = 12
PRODUCTS: Final = ("Fixed 12M", "Flexible", "Green Tracker", "Night Saver")
READING_DAYS: Final = 7
RACES: Final = ("Harbour", "Desert", "Valley", "Lakeside", "Coastal", "Mountain")
SEASONS: Final = (2025, 2026)
DRIVERS: Final = (1, 4, 44, 63, 81)


def _meterpoint(number: int) -> str:
    return f"mp{number:04d}"


def write_readings(folder: Path, rng: random.Random) -> None:
    """One pandas "split" JSON file of half-hourly readings per meterpoint, with a daily rhythm."""
    start = datetime(2026, 1, 5)
    for number in range(METERPOINTS):
        scale = rng.uniform(0.5, 1.5)
        data: list[list[object]] = []
        for step in range(READING_DAYS * 48):
            at = start + timedelta(minutes=30 * step)
            evening = 1.0 + 1.5 * (17 <= at.hour < 21) + 0.5 * (7 <= at.hour < 9)
            kwh = round(0.12 * scale * evening * rng.uniform(0.8, 1.2), 3)
            data.append([at.isoformat(sep=" "), kwh, _meterpoint(number)])
        split = {"columns": ["interval_start", "consumption_delta", "meterpoint_id"], "data": data}
        (folder / f"readings-{_meterpoint(number)}.json").write_text(json.dumps(split), encoding="utf-8")


def write_case_database(path: Path, rng: random.Random) -> None:
    """Agreements, products and meterpoints in one SQLite file, as the case study's database has them."""
    with closing(sqlite3.connect(path)) as database, database:  # closed, and committed
        database.execute("CREATE TABLE product (product_id TEXT, display_name TEXT)")
        database.execute("CREATE TABLE meterpoint (meterpoint_id TEXT, region TEXT)")
        database.execute(
            "CREATE TABLE agreement (agreement_id INTEGER, account_id TEXT, product_id TEXT, meterpoint_id TEXT,"
            " valid_from TEXT, valid_to TEXT)"
        )
        database.executemany("INSERT INTO product VALUES (?, ?)", [(f"p{n}", name) for n, name in enumerate(PRODUCTS)])
        regions = ("North", "South", "East", "West")
        meterpoints = [(_meterpoint(n), regions[n % len(regions)]) for n in range(METERPOINTS)]
        database.executemany("INSERT INTO meterpoint VALUES (?, ?)", meterpoints)
        agreements: list[tuple[int, str, str, str, str, str | None]] = []
        for number in range(METERPOINTS):  # a third of the meterpoints change product mid-week
            product = f"p{rng.randrange(len(PRODUCTS))}"
            if number % 3:
                agreements.append((len(agreements) + 1, f"a{number}", product, _meterpoint(number), "2025-06-01", None))
                continue
            later = f"p{(int(product[1:]) + 1) % len(PRODUCTS)}"
            meterpoint = _meterpoint(number)
            agreements.append((len(agreements) + 1, f"a{number}", product, meterpoint, "2025-06-01", "2026-01-08"))
            agreements.append((len(agreements) + 1, f"a{number}", later, meterpoint, "2026-01-08", None))
        database.executemany("INSERT INTO agreement VALUES (?, ?, ?, ?, ?, ?)", agreements)


def write_f1(folder: Path, rng: random.Random) -> None:
    """races.csv and results.csv in the Ergast shape, nulls as `\\N`; the last race has no results yet."""
    races: list[list[object]] = []
    results: list[list[object]] = []
    for season in SEASONS:
        for round_number, place in enumerate(RACES, start=1):
            race_id = len(races) + 1
            day = date(season, 3, 1) + timedelta(weeks=3 * round_number)
            races.append([race_id, season, round_number, f"{place} Grand Prix", day.isoformat(), "14:00:00"])
            if (season, round_number) == (SEASONS[-1], len(RACES)):
                continue
            for position, driver in enumerate(rng.sample(DRIVERS, len(DRIVERS)), start=1):
                lap = f"01:{rng.randrange(15, 45):02d}.{rng.randrange(10)}" if rng.random() < 0.9 else "\\N"
                results.append([len(results) + 1, race_id, driver, position, lap])
    _write_csv(folder / "races.csv", ["raceId", "year", "round", "name", "date", "time"], races)
    _write_csv(folder / "results.csv", ["resultId", "raceId", "driverId", "position", "fastestLapTime"], results)


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def write_demo_folder(folder: Path, *, seed: int = 11) -> None:
    """Every kind the service ships with, generated, and `orders-export.csv`, which no import service takes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_job_titles(folder / "job_titles.csv", generate_rows(20_000, seed=seed))
    write_nem12(folder / "meters.nem12", 6, 60, seed=seed)
    write_series(folder, generate_leads(120, weeks=3, seed=seed), ("csv", "ndjson", "sqlite"))
    write_readings(folder, rng)
    write_case_database(folder / "case_study.db", rng)
    write_f1(folder, rng)
    (folder / "orders-export.csv").write_text("order_id;customer;amount\n1;acme;12.50\n", encoding="utf-8")


if __name__ == "__main__":
    write_demo_folder(Path(sys.argv[1]))
