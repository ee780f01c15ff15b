"""NEM13 against a real Postgres: staged register reads, their days in the daily facts, resends, and the exports."""

import csv
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.meter_export import export_meter_readings
from services.warehouse import build_warehouse
from tests.helpers import fetch_all, ledger
from tests.meter_data import DAY, END, HEADER, HEADER_13, nem12

NMI = "VABC005890"
Daily = dict[tuple[str, date], tuple[Decimal, Decimal, bool]]


def read_250(
    start: str, end: str, quantity: str, *, direction: str = "E", suffix: str = "11", uom: str = "kWh", nmi: str = NMI
) -> str:
    """A 250 record of register 1 of `nmi` read at `start` and again at `end` (YYYYMMDDhhmmss)."""
    return (
        f"250,{nmi},11,1,{suffix},{suffix},METSER123,{direction},000100,{start},A,,,000200,{end},A,,,"
        f"{quantity},{uom},20260601,20260102000000,20260102000100"
    )


def spread(start: str, end: str, kwh: Decimal) -> dict[date, Decimal]:
    """The rule, written independently: the energy of a period shared by its days in proportion to time."""
    begin, finish = datetime.strptime(start, "%Y%m%d%H%M%S"), datetime.strptime(end, "%Y%m%d%H%M%S")
    if begin == finish:
        return {begin.date(): kwh}
    total = Decimal((finish - begin).total_seconds())
    shares: dict[date, Decimal] = {}
    day = begin.date()
    while datetime.combine(day, time()) < finish:
        low = max(begin, datetime.combine(day, time()))
        high = min(finish, datetime.combine(day + timedelta(days=1), time()))
        shares[day] = kwh * Decimal((high - low).total_seconds()) / total
        day += timedelta(days=1)
    return shares


async def ingest_text(engine: AsyncEngine, settings: Settings, name: str, text: str) -> None:
    path = settings.imports_dir / name
    path.write_text(text, encoding="ascii")
    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED


async def daily(engine: AsyncEngine) -> Daily:
    rows = await fetch_all(
        engine,
        "SELECT d.nmi, f.day, f.consumption_kwh, f.generation_kwh, f.is_allocated_from_register_reads AS allocated "
        "FROM datawarehouse.fact_daily_consumption f JOIN datawarehouse.dim_nmi d USING (nmi_key)",
    )
    return {(r["nmi"], r["day"]): (r["consumption_kwh"], r["generation_kwh"], r["allocated"]) for r in rows}


def assert_close(actual: Daily, expected: dict[tuple[str, date], tuple[Decimal, Decimal]]) -> None:
    assert set(actual) == set(expected)
    for key, (consumption, generation) in expected.items():
        got = actual[key]
        assert abs(got[0] - consumption) <= Decimal("5e-7") and abs(got[1] - generation) <= Decimal("5e-7"), key
        assert got[2] is True, key


async def test_a_nem13_file_stages_one_row_per_register_read_period(engine: AsyncEngine, settings: Settings) -> None:
    text = nem12(HEADER_13, read_250("20260101000000", "20260103000000", "10"), "550,N,,A,", END)

    await ingest_text(engine, settings, "basic.csv", text)

    [entry] = await ledger(engine)
    assert (entry["kind"], entry["rows_loaded"], entry["rows_rejected"]) == ("nem13", 1, 0)
    [row] = await fetch_all(engine, "SELECT * FROM staging.nem13")
    assert {key: row[key] for key in ("line_no", "nmi", "nmi_suffix", "register_id", "direction", "uom")} == {
        "line_no": 2, "nmi": NMI, "nmi_suffix": "11", "register_id": "1", "direction": "E", "uom": "kWh",
    }  # fmt: skip
    assert (row["previous_read"], row["current_read"], row["quantity"]) == (Decimal(100), Decimal(200), Decimal(10))
    assert (row["previous_read_at"], row["current_read_at"]) == (datetime(2026, 1, 1), datetime(2026, 1, 3))


async def test_register_reads_are_spread_over_their_days_by_time(engine: AsyncEngine, settings: Settings) -> None:
    reads = [
        read_250("20031005093055", "20031009100333", "1312.1"),
        read_250("20031005093055", "20031007000000", "-1490", direction="I", suffix="12", uom="KWH"),
        read_250("20031008120000", "20031008120000", "2500", suffix="41", uom="Wh"),
    ]

    await ingest_text(engine, settings, "reads.csv", nem12(HEADER_13, *reads, END))
    await build_warehouse(engine, settings)

    consumption = spread("20031005093055", "20031009100333", Decimal("1312.1"))
    generation = spread("20031005093055", "20031007000000", Decimal(1490))
    expected = {
        (NMI, day): (consumption.get(day, Decimal(0)) + (Decimal("2.5") if day == date(2003, 10, 8) else 0),
                     generation.get(day, Decimal(0)))
        for day in consumption.keys() | generation.keys()
    }  # fmt: skip
    assert_close(await daily(engine), expected)
    total = await fetch_all(engine, "SELECT sum(consumption_kwh) AS c FROM datawarehouse.fact_daily_consumption")
    assert abs(total[0]["c"] - Decimal("1314.6")) < Decimal("1e-5")


async def test_a_later_file_replaces_the_read_periods_it_overlaps(engine: AsyncEngine, settings: Settings) -> None:
    estimate = read_250("20260101000000", "20260111000000", "100")  # a forward estimate over ten days
    other_stream = read_250("20260101000000", "20260111000000", "50", suffix="41")
    await ingest_text(engine, settings, "estimate.csv", nem12(HEADER_13, estimate, other_stream, END))
    await build_warehouse(engine, settings)

    actual = read_250("20260101000000", "20260106000000", "20")  # the actual read came after five days
    await ingest_text(engine, settings, "actual.csv", nem12(HEADER_13, actual, END))
    totals = await build_warehouse(engine, settings)

    assert totals["register_reads_replaced"] == 1
    expected = {(NMI, day): (Decimal(4) * (day.day <= 5) + Decimal(5), Decimal(0)) for day in spread(
        "20260101000000", "20260111000000", Decimal(0))}  # fmt: skip
    assert_close(await daily(engine), expected)


async def test_interval_data_and_register_reads_of_one_nmi_and_day_add_up(
    engine: AsyncEngine, settings: Settings
) -> None:
    interval = nem12(HEADER, f"200,{NMI},E1,1,E1,N1,M1,kWh,30,", DAY, END)  # 1 + 2 + … + 48 = 1176 kWh
    await ingest_text(engine, settings, "interval.csv", interval)
    await ingest_text(
        engine, settings, "basic.csv", nem12(HEADER_13, read_250("20260101120000", "20260102120000", "10"), END)
    )

    await build_warehouse(engine, settings)

    rows = await fetch_all(
        engine,
        "SELECT day, consumption_kwh, interval_count, is_allocated_from_register_reads AS allocated "
        "FROM datawarehouse.fact_daily_consumption ORDER BY day",
    )
    assert [(r["day"], r["consumption_kwh"], r["interval_count"], r["allocated"]) for r in rows] == [
        (date(2026, 1, 1), Decimal(1181), 48, True),
        (date(2026, 1, 2), Decimal(5), 0, True),
    ]


async def test_the_views_and_exports_include_register_read_days_marked(engine: AsyncEngine, settings: Settings) -> None:
    await ingest_text(engine, settings, "interval.csv", nem12(HEADER, "200,NMI0000001,E1,1,E1,N1,M1,kWh,30,", DAY, END))
    await ingest_text(
        engine, settings, "basic.csv", nem12(HEADER_13, read_250("20260101000000", "20260103000000", "8"), END)
    )
    await build_warehouse(engine, settings)

    await run_analysis(engine, settings)
    written = await export_meter_readings(engine, settings, settings.exports_dir / "days.sql", is_interval=False)

    with open(settings.exports_dir / "daily_consumption.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = ("nmi", "day", "consumption_kwh", "is_allocated_from_register_reads")
    assert [tuple(row[column] for column in columns) for row in rows] == [
        ("NMI0000001", "2026-01-01", "1176", "f"),  # Postgres's own CSV: booleans as t/f
        (NMI, "2026-01-01", "4", "t"),
        (NMI, "2026-01-02", "4", "t"),
    ]  # fmt: skip
    sql = (settings.exports_dir / "days.sql").read_text(encoding="utf-8")
    assert written == 3 and f"('{NMI}', '2026-01-02 00:00:00', 4)" in sql


async def test_rebuilding_changes_nothing(engine: AsyncEngine, settings: Settings) -> None:
    await ingest_text(
        engine, settings, "basic.csv", nem12(HEADER_13, read_250("20260101000000", "20260103000000", "8"), END)
    )
    await build_warehouse(engine, settings)
    before = await daily(engine)

    again = await build_warehouse(engine, settings)

    assert again["files_processed"] == 0
    assert await daily(engine) == before
