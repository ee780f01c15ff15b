"""The shipped bundles on their real inputs, end to end (`main.py --once`, `--pipeline`, `--analysis` in a fresh
database), against an independent computation in plain Python over the same files (csv, json, sqlite3).

Opt-in by the data being there: the smart-meter case study and the trimmed F1 files in ../shared/data (relative to
the project root; SHARED_DATA_DIR names another folder), and the full Ergast races.csv and results.csv in the
folder ERGAST_DIR names. Each part skips when its files are absent.
"""

import csv
import json
import os
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from tests.e2e.conftest import run_main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")
SMART_METER = SHARED_DATA / "smart-meter-case-study"
F1_TRIMMED = SHARED_DATA / "f1-season-stats"
ERGAST = Path(os.environ["ERGAST_DIR"]) if os.environ.get("ERGAST_DIR") else None
NULLS = ("null", "\\N")
RESENT = ("0432df65f7", "07bb66ac50")  # two reading files delivered again, pretty-printed
EXPORT_COLUMNS = {
    "active_agreements": ["day", "agreement_id", "meterpoint_id", "product_id", "display_name", "region"],
    "half_hourly_consumption": ["interval_start", "meterpoints", "consumption_kwh"],
    "daily_product_consumption": ["day", "product_id", "display_name", "meterpoints", "consumption_kwh"],
}


def _needs(*paths: Path | None) -> None:
    missing = [str(path) for path in paths if path is None or not path.exists()]
    if missing:
        pytest.skip(f"real input files not here: {', '.join(missing)}")


def _run(settings: Settings, database: str, *args: str) -> str:
    done = run_main(settings, *args, timeout=300, DB_STRING_ASYNC=database, SETTLE_SECONDS="0.2")
    assert done.returncode == 0, done.stdout
    return done.stdout


def _drop(settings: Settings, *paths: Path) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        target = settings.imports_dir / path.name
        shutil.copyfile(path, target)  # the shared files are read-only; copies are not


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _assert_all_processed(settings: Settings, names: set[str]) -> None:
    assert not (settings.failed_dir.exists() and any(settings.failed_dir.iterdir())), list(
        settings.failed_dir.iterdir()
    )
    assert {path.name for path in settings.processed_dir.iterdir()} == names
    assert not [path for path in settings.imports_dir.iterdir() if path.is_file()]


# ---- the smart-meter case study ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    agreement_id: int
    valid_from: str
    valid_to: str | None
    product_id: str
    meterpoint_id: str

    def is_active(self, day: str) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


def _case_study() -> tuple[dict[tuple[str, str], Decimal], list[Agreement], dict[str, str], dict[str, str]]:
    readings: dict[tuple[str, str], Decimal] = {}
    for path in sorted((SMART_METER / "readings").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        for row in document["data"]:
            values = dict(zip(document["columns"], row, strict=True))
            readings[(values["meterpoint_id"], values["interval_start"])] = Decimal(values["consumption_delta"])
    with sqlite3.connect(f"{(SMART_METER / 'case_study.db').as_uri()}?mode=ro", uri=True) as db:
        agreements = [
            Agreement(*row)
            for row in db.execute(
                "SELECT agreement_id, agreement_valid_from, agreement_valid_to, product_id, meterpoint_id "
                "FROM agreement"
            )
        ]
        products = dict(db.execute("SELECT product_id, display_name FROM product").fetchall())
        regions = dict(db.execute("SELECT meterpoint_id, region FROM meterpoint").fetchall())
    return readings, agreements, products, regions


def _expected_smart_meter() -> dict[str, list[list[str]]]:
    readings, agreements, products, regions = _case_study()
    days = sorted({start[:10] for _, start in readings})
    active = [
        [
            day,
            str(a.agreement_id),
            a.meterpoint_id,
            a.product_id,
            products.get(a.product_id, ""),
            regions[a.meterpoint_id],
        ]
        for day in days
        for a in sorted(agreements, key=lambda a: a.agreement_id)
        if a.is_active(day)
    ]
    per_interval: dict[str, list[Decimal]] = defaultdict(list)
    per_meterpoint_day: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (meterpoint, start), kwh in readings.items():
        per_interval[start].append(kwh)
        per_meterpoint_day[(start[:10], meterpoint)] += kwh
    half_hourly = [[start, str(len(kwhs)), str(sum(kwhs))] for start, kwhs in sorted(per_interval.items())]
    per_product: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for (day, meterpoint), kwh in per_meterpoint_day.items():
        candidates = [a for a in agreements if a.meterpoint_id == meterpoint and a.is_active(day)]
        if candidates:  # the agreement that started last, should two overlap
            product = max(candidates, key=lambda a: (a.valid_from, a.agreement_id)).product_id
            per_product[(day, product)].append(kwh)
    daily = [
        [day, product, products.get(product, ""), str(len(kwhs)), str(sum(kwhs))]
        for (day, product), kwhs in sorted(per_product.items())
    ]
    return {"active_agreements": active, "half_hourly_consumption": half_hourly, "daily_product_consumption": daily}


def _as_numbers(rows: list[list[str]]) -> list[list[object]]:
    """Cells that are numbers compared as exact decimals (0.380 = 0.38), others as text."""
    return [[Decimal(cell) if cell.replace(".", "", 1).isdigit() else cell for cell in row] for row in rows]


def test_the_smart_meter_exports_equal_an_independent_computation_with_resends_counted_once(
    settings: Settings, empty_database: str, tmp_path: Path
) -> None:
    _needs(SMART_METER)
    readings = sorted((SMART_METER / "readings").glob("*.json"))
    _drop(settings, *readings, SMART_METER / "case_study.db")
    first = _run(settings, empty_database, "--once", str(settings.imports_dir))
    for name in RESENT:  # the same data again, pretty-printed: other bytes, the same rows
        document = json.loads((SMART_METER / "readings" / f"{name}.json").read_text(encoding="utf-8"))
        (settings.imports_dir / f"{name}-resent.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    again = _run(settings, empty_database, "--once", str(settings.imports_dir))
    built = _run(settings, empty_database, "--pipeline")
    _run(settings, empty_database, "--analysis")

    assert first.count("event=file_loaded") == len(readings) + 1 and "parts=agreement:smart_meter_agreements" in first
    assert again.count("event=file_loaded") == 2 and "rows=143 rejected=0" in again
    assert "current_rows_replaced=286" in built  # the resent readings replaced, not added
    for view, expected in _expected_smart_meter().items():
        with open(settings.exports_dir / f"{view}.csv", encoding="utf-8", newline="") as stream:
            header, *rows = list(csv.reader(stream))
        assert header == EXPORT_COLUMNS[view]
        assert _as_numbers(rows) == _as_numbers(expected), view
        assert len(rows) == len(expected) > 0
    _assert_all_processed(
        settings, {path.name for path in readings} | {"case_study.db"} | {f"{name}-resent.json" for name in RESENT}
    )


# ---- the F1 season statistics --------------------------------------------------------------------------------


def _value(cell: str | None) -> str | None:
    return None if cell is None or cell.strip() in NULLS or not cell.strip() else cell


def _expected_seasons(folder: Path) -> dict[int, list[dict[str, Any]]]:
    races = _read_csv(folder / "races.csv")
    winners: dict[str, dict[str, str]] = {}
    for result in sorted(_read_csv(folder / "results.csv"), key=lambda row: int(row["resultId"])):
        if _value(result["position"]) == "1":
            winners.setdefault(result["raceId"], result)  # a shared drive: the first listed
    seasons: dict[int, list[tuple[int, int, dict[str, Any]]]] = defaultdict(list)
    for race in races:
        winner = winners.get(race["raceId"])
        start = f"{race['date']}T{_value(race['time']) or '00:00:00'}.000"
        stats = {
            "Race Name": race["name"],
            "Race Round": int(race["round"]),
            "Race Datetime": start,
            "Race Winning driverId": int(winner["driverId"]) if winner else None,
            "Race Fastest Lap": _value(winner["fastestLapTime"]) if winner else None,
        }
        seasons[int(race["year"])].append((int(race["round"]), int(race["raceId"]), stats))
    return {year: [stats for *_, stats in sorted(races)] for year, races in seasons.items()}


def _check_seasons(settings: Settings, database: str, folder: Path) -> None:
    _drop(settings, folder / "races.csv", folder / "results.csv")
    loaded = _run(settings, database, "--once", str(settings.imports_dir))
    _run(settings, database, "--pipeline")
    _run(settings, database, "--analysis")

    expected = _expected_seasons(folder)
    assert "kind=f1_races" in loaded and "kind=f1_results" in loaded and "rejected=0" in loaded
    files = sorted(settings.exports_dir.glob("stats_*.json"))
    assert [path.name for path in files] == [f"stats_{year}.json" for year in sorted(expected)]
    for year, races in expected.items():
        actual = json.loads((settings.exports_dir / f"stats_{year}.json").read_text(encoding="utf-8"))
        assert actual == races, year
        # Types and key order too (1 == 1.0 in Python): a number must be an int, a null None, text a str.
        assert [[(key, type(value)) for key, value in race.items()] for race in actual] == [
            [(key, type(value)) for key, value in race.items()] for race in races
        ], year
    written = {path.name: path.stat().st_mtime_ns for path in files}
    rerun = _run(settings, database, "--analysis")
    assert {path.name: path.stat().st_mtime_ns for path in files} == written  # nothing changed: nothing rewritten
    assert f"bundle_files_unchanged={len(files) + 3}" in rerun  # and the three smart-meter CSVs
    _assert_all_processed(settings, {"races.csv", "results.csv"})


def test_the_trimmed_f1_files_give_one_stats_file_per_season_equal_to_an_independent_computation(
    settings: Settings, empty_database: str
) -> None:
    _needs(F1_TRIMMED)
    _check_seasons(settings, empty_database, F1_TRIMMED)


def test_the_full_ergast_files_give_one_stats_file_per_season_from_1950_equal_to_an_independent_computation(
    settings: Settings, empty_database: str
) -> None:
    _needs(ERGAST, ERGAST and ERGAST / "races.csv", ERGAST and ERGAST / "results.csv")
    assert ERGAST is not None
    _check_seasons(settings, empty_database, ERGAST)
