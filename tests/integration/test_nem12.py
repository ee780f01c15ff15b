"""NEM12 against a real Postgres: staging, the meter warehouse, resends, and the meter_readings SQL."""

import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.meter_export import export_meter_readings
from services.warehouse import build_warehouse
from tests.helpers import error_report, fetch_all, ledger
from tests.support.databases import throwaway_database
from tests.support.samples.nem12 import Nem12Truth, nem12_lines, write_nem12

METER_READINGS_DDL = (
    "CREATE TABLE meter_readings (id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY, "
    'nmi varchar(10) NOT NULL, "timestamp" timestamp NOT NULL, consumption numeric NOT NULL, '
    'UNIQUE (nmi, "timestamp"))'
)


async def _load(engine: AsyncEngine, settings: Settings, name: str, **options: object) -> Nem12Truth:
    truth = write_nem12(settings.imports_dir / name, options.pop("nmis", 6), options.pop("days", 4), **options)  # type: ignore[arg-type]
    assert await Ingestor(engine, settings).ingest(settings.imports_dir / name) is Outcome.LOADED
    return truth


async def _daily(engine: AsyncEngine) -> dict[tuple[str, object], tuple[Decimal, Decimal, int]]:
    rows = await fetch_all(
        engine,
        "SELECT d.nmi, f.day, f.consumption_kwh, f.generation_kwh, f.substituted_or_estimated_intervals AS est "
        "FROM datawarehouse.fact_daily_consumption f JOIN datawarehouse.dim_nmi d USING (nmi_key)",
    )
    return {(r["nmi"], r["day"]): (r["consumption_kwh"], r["generation_kwh"], r["est"]) for r in rows}


def _expected(truth: Nem12Truth) -> dict[tuple[str, object], tuple[Decimal, Decimal, int]]:
    return {key: (c, g, truth.estimated.get(key, 0)) for key, (c, g) in truth.daily.items()}


async def test_a_mixed_file_loads_every_interval_and_the_daily_totals_match(
    engine: AsyncEngine, settings: Settings
) -> None:
    truth = await _load(engine, settings, "meters.csv", seed=3)

    totals = await build_warehouse(engine, settings)

    [entry] = await ledger(engine)
    assert (entry["kind"], entry["rows_loaded"], entry["rows_rejected"]) == ("nem12", truth.readings, 0)
    assert totals["readings_written"] == truth.readings
    assert await _daily(engine) == _expected(truth)
    suffixes = await fetch_all(engine, "SELECT nmi, suffixes FROM datawarehouse.dim_nmi ORDER BY nmi")
    assert all("E1" in row["suffixes"] for row in suffixes) and len(suffixes) == 6
    reactive = await fetch_all(
        engine,
        "SELECT count(*) AS n, count(consumption_kwh) AS in_kwh FROM datawarehouse.fact_meter_reading "
        "WHERE nmi_suffix = 'Q1'",
    )
    assert reactive[0]["n"] > 0 and reactive[0]["in_kwh"] == 0  # kept, never counted as energy


async def test_a_gzip_file_with_any_name_is_recognised(engine: AsyncEngine, settings: Settings) -> None:
    truth = await _load(engine, settings, "daily-feed.txt.gz", compress=True, seed=4, nmis=2, days=2)

    assert [entry["rows_loaded"] for entry in await ledger(engine)] == [truth.readings]


async def test_a_resend_replaces_the_days_it_contains_and_nothing_else(engine: AsyncEngine, settings: Settings) -> None:
    first = await _load(engine, settings, "week.nem12", seed=5, nmis=3, days=4, is_mixed=False, interval_length=30)
    await build_warehouse(engine, settings)
    # The resend covers only the first two days, with other values (another seed).
    second = await _load(engine, settings, "resend.nem12", seed=6, nmis=3, days=2, is_mixed=False, interval_length=30)

    totals = await build_warehouse(engine, settings)

    expected = _expected(first) | _expected(second)
    assert await _daily(engine) == expected
    assert totals["readings_replaced"] == second.readings
    [count] = await fetch_all(engine, "SELECT count(*) AS n FROM datawarehouse.fact_meter_reading")
    assert count["n"] == first.readings


async def test_rebuilding_changes_nothing(engine: AsyncEngine, settings: Settings) -> None:
    await _load(engine, settings, "meters.nem12", seed=7)
    await build_warehouse(engine, settings)
    before = await _daily(engine)

    again = await build_warehouse(engine, settings)

    assert again["files_processed"] == 0
    assert await _daily(engine) == before


def _wrong_count_file() -> str:
    """A whole file whose third 300 record (line 5) lost two of its values."""
    lines = list(nem12_lines(2, 3, seed=1, is_mixed=False, interval_length=30, with_400=False))
    fields = lines[4].split(",")
    del fields[2:4]
    lines[4] = ",".join(fields)
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("\r\n".join(list(nem12_lines(1, 1, seed=1))[:-1]) + "\r\n", "has no 900 end-of-data record"),
        ("\r\n".join(list(nem12_lines(1, 1, seed=1))[1:-1]) + "\r\n200,NMI00", "it looks truncated"),
        ("\r\n".join([*nem12_lines(1, 1, seed=1), "300,20260101"]) + "\r\n", "comes after the 900 end-of-data"),
        (_wrong_count_file(), "line 5: a 300 record of a 30-minute stream needs 48 values, this one has 46"),
    ],
    ids=["truncated", "headerless-cut-mid-line", "after-900", "wrong-value-count"],
)
async def test_a_file_that_is_not_whole_is_quarantined_and_none_of_it_is_kept(
    engine: AsyncEngine, settings: Settings, content: str, reason: str
) -> None:
    path = settings.imports_dir / "broken.nem12"
    path.write_text(content, encoding="ascii")

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert reason in error_report(settings.failed_dir, "broken.nem12")["reason"]
    [count] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert count["n"] == 0


async def test_bad_records_are_rejected_with_their_line(engine: AsyncEngine, settings: Settings) -> None:
    lines = list(nem12_lines(2, 10, seed=2, is_mixed=False, interval_length=30, with_400=False))
    fields = lines[3].split(",")
    fields[5] = "abc"  # a non-numeric value in the second 300 record (line 4)
    lines[3] = ",".join(fields)
    lines.insert(5, "777,what")
    path = settings.imports_dir / "some-bad.nem12"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    rejects = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows ORDER BY line_no")
    assert [r["line_no"] for r in rejects] == [4, 6]
    assert "'abc' is not a plain decimal number" in rejects[0]["reason"]
    assert "unknown record type '777'" in rejects[1]["reason"]
    [entry] = await ledger(engine)
    assert (entry["rows_loaded"], entry["rows_rejected"]) == (19 * 48, 2)


@pytest.fixture
def meter_database(server_url: str) -> Iterator[str]:
    with throwaway_database(server_url) as url:
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", METER_READINGS_DDL], check=True)
        yield url


def _psql(url: str, *args: str) -> str:
    done = subprocess.run(
        ["psql", url, "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
@pytest.mark.parametrize("is_interval", [False, True], ids=["daily", "interval"])
async def test_the_meter_readings_sql_replays_into_the_common_table(
    engine: AsyncEngine, settings: Settings, meter_database: str, tmp_path: Path, is_interval: bool
) -> None:
    truth = await _load(engine, settings, "meters.nem12", seed=8)
    await build_warehouse(engine, settings)
    path = tmp_path / "meter_readings.sql"

    written = await export_meter_readings(engine, settings, path, is_interval=is_interval)
    _psql(meter_database, "-f", str(path))
    _psql(meter_database, "-f", str(path))  # replaying changes nothing

    count, total = _psql(meter_database, "-c", "SELECT count(*), sum(consumption) FROM meter_readings").split("|")
    assert int(count) == written
    assert Decimal(total) == sum(consumption for consumption, _ in truth.daily.values())
    if not is_interval:
        assert written == len(truth.daily)
