"""NEM12 files as providers really send them, through the real ingest path and warehouse: each harmless quirk
loads (its warning named in the file's log line), and what would give wrong numbers is refused."""

import gzip
import logging
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import error_report, fetch_all, ledger
from tests.meter_data import B2B, END, HEADER, day_line, nem12

NMI = "NMI0000001"


def block(suffix: str = "E1", length: int = 30, nmi: str = NMI, uom: str = "kWh") -> str:
    return f"200,{nmi},E1B1,1,{suffix},N1,METER1,{uom},{length},"


def constant_day(day: str, value: str, length: int = 30, quality: str = "A") -> str:
    return day_line(day, values=[value] * (1440 // length), quality=quality)


async def ingest_text(engine: AsyncEngine, settings: Settings, name: str, text: str) -> Outcome:
    path = settings.imports_dir / name
    path.write_bytes(text.encode("utf-8"))
    return await Ingestor(engine, settings).ingest(path)


async def daily(engine: AsyncEngine) -> dict[tuple[str, date], tuple[Decimal, Decimal]]:
    rows = await fetch_all(
        engine,
        "SELECT d.nmi, f.day, f.consumption_kwh, f.generation_kwh "
        "FROM datawarehouse.fact_daily_consumption f JOIN datawarehouse.dim_nmi d USING (nmi_key)",
    )
    return {(row["nmi"], row["day"]): (row["consumption_kwh"], row["generation_kwh"]) for row in rows}


def loaded_line(caplog: pytest.LogCaptureFixture) -> str:
    [line] = [record.getMessage() for record in caplog.records if "event=file_loaded" in record.getMessage()]
    return line


async def test_values_without_a_leading_zero_and_short_nmis_reach_the_warehouse(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = nem12(HEADER, block(nmi="SAMPLE1"), constant_day("20140506", ".02"), END, line_end="\r\n")

    assert await ingest_text(engine, settings, "energex.V01", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {("SAMPLE1", date(2014, 5, 6)): (Decimal("0.96"), Decimal(0))}
    assert "short_nmis=1" in loaded_line(caplog)


async def test_a_portal_export_without_header_or_trailer_loads_with_its_warnings(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = nem12(block(), constant_day("20260101", "1"), constant_day("20260102", "2"))

    assert await ingest_text(engine, settings, "portal-download.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert sorted(value for value, _ in (await daily(engine)).values()) == [Decimal(48), Decimal(96)]
    assert "headerless_blocks=1 no_trailer=true" in loaded_line(caplog)
    [entry] = await ledger(engine)  # and --status shows them from the ledger
    assert entry["notes"] == {"headerless_blocks": 1, "no_trailer": True}


async def test_a_portal_export_cut_short_is_quarantined_whole(engine: AsyncEngine, settings: Settings) -> None:
    text = nem12(block(), constant_day("20260101", "1"), constant_day("20260102", "2"))[:-60]

    assert await ingest_text(engine, settings, "portal-download.csv", text) is Outcome.QUARANTINED

    assert "it looks truncated" in error_report(settings.failed_dir, "portal-download.csv")["reason"]
    assert await fetch_all(engine, "SELECT 1 FROM staging.nem12") == []


async def test_a_spreadsheet_re_save_with_padding_bom_and_blank_lines_loads(
    engine: AsyncEngine, settings: Settings
) -> None:
    pad = "," * 60
    no_msats = constant_day("20260101", "0.5").rsplit(",", 1)[0]
    text = "\ufeff" + nem12(HEADER + pad, "", pad, block() + pad, no_msats + pad, B2B + pad, END + pad, pad)

    assert await ingest_text(engine, settings, "resaved.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {(NMI, date(2026, 1, 1)): (Decimal(24), Decimal(0))}


async def test_within_one_file_the_later_record_of_a_stream_and_day_wins_whole(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = nem12(
        HEADER,
        block(length=15),
        constant_day("20260101", "1", length=15),
        block(length=30),
        constant_day("20260101", "2"),
        constant_day("20260102", "1"),
        block(length=15),
        constant_day("20260102", "3", length=15),
        END,
    )

    assert await ingest_text(engine, settings, "twice.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {
        (NMI, date(2026, 1, 1)): (Decimal(96), Decimal(0)),  # the 30-minute record of line 5, not the 15-minute one
        (NMI, date(2026, 1, 2)): (Decimal(288), Decimal(0)),
    }
    lengths = await fetch_all(
        engine, "SELECT day, min(interval_length) AS length, count(*) AS n FROM datawarehouse.fact_meter_reading "
        "GROUP BY day ORDER BY day",
    )  # fmt: skip
    assert [(row["length"], row["n"]) for row in lengths] == [(30, 48), (15, 96)]
    assert "duplicate_days=2" in loaded_line(caplog)


async def test_several_blocks_in_one_file_load_and_the_later_block_wins(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = nem12("", block(), constant_day("20040201", "1.111"), END)
    second = nem12("", block(), constant_day("20040201", "3.333"), block("B1"), constant_day("20040201", "1"), END)

    assert await ingest_text(engine, settings, "powercor.csv", first + second) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {(NMI, date(2004, 2, 1)): (Decimal("159.984"), Decimal(48))}
    assert "headerless_blocks=2 blocks=2 duplicate_days=1" in loaded_line(caplog)


async def test_odd_interval_lengths_that_divide_a_day_load(engine: AsyncEngine, settings: Settings) -> None:
    text = nem12(
        HEADER,
        block(length=10),
        constant_day("20260101", "1", length=10),
        block("E2", length=5, uom="Wh"),
        constant_day("20260101", "100", length=5),
        block("V1", length=10, uom=""),
        constant_day("20260101", "240", length=10),
        END,
    )

    assert await ingest_text(engine, settings, "ten-minutes.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {(NMI, date(2026, 1, 1)): (Decimal("172.8"), Decimal(0))}  # 144 + 28.8; V1 never


async def test_a_300_record_broken_across_lines_loads_joined(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    day = constant_day("20260101", "0.25")
    text = nem12(HEADER, block(), day[:13], day[13:101], day[101:], END)

    assert await ingest_text(engine, settings, "wrapped.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    assert await daily(engine) == {(NMI, date(2026, 1, 1)): (Decimal(12), Decimal(0))}
    assert "joined_lines=2" in loaded_line(caplog)


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        (
            [constant_day("20260101", "1", length=15)],
            "a 300 record of a 30-minute stream needs 48 values, this one has 96",
        ),
        (
            [constant_day("20260101", "1", length=60)],
            "a 300 record of a 30-minute stream needs 48 values, this one has 24",
        ),
    ],
    ids=["too-many-values", "too-few-values"],
)
async def test_a_wrong_value_count_quarantines_the_file_and_keeps_none_of_it(
    engine: AsyncEngine, settings: Settings, records: list[str], reason: str
) -> None:
    text = nem12(HEADER, block(), constant_day("20251231", "1"), *records, END)

    assert await ingest_text(engine, settings, "wrong.csv", text) is Outcome.QUARANTINED

    report = error_report(settings.failed_dir, "wrong.csv")
    assert reason in report["reason"] and report["line"] == 4
    assert await fetch_all(engine, "SELECT 1 FROM staging.nem12") == []
    assert [entry["status"] for entry in await ledger(engine)] == ["failed"]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("1e3", "interval 5 value '1e3' is not a plain decimal number"),
        ("-1", "interval 5 value '-1' is negative"),
        ("nan", "interval 5 value 'nan' is not a plain decimal number"),
    ],
)
async def test_a_record_with_a_bad_value_is_rejected_with_its_line_and_the_rest_loads(
    engine: AsyncEngine, settings: Settings, bad: str, reason: str
) -> None:
    values = ["1"] * 48
    values[4] = bad
    days = [constant_day(f"202601{day:02d}", "1") for day in range(1, 12)]
    text = nem12(HEADER, block(), *days, day_line("20260112", values=values), END)

    assert await ingest_text(engine, settings, "one-bad.csv", text) is Outcome.LOADED

    [reject] = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows")
    assert reject["line_no"] == 14 and reject["reason"].startswith(reason)


async def test_a_400_record_that_overlaps_or_says_v_is_rejected_and_the_day_loads(
    engine: AsyncEngine, settings: Settings
) -> None:
    days = [constant_day(f"202601{day:02d}", "1") for day in range(1, 31)]
    text = nem12(
        HEADER, block(), *days, constant_day("20260131", "1", quality="V"),
        "400,1,30,A,,", "400,25,48,E52,,", "400,31,48,V,,", END,
    )  # fmt: skip

    assert await ingest_text(engine, settings, "events.csv", text) is Outcome.LOADED
    await build_warehouse(engine, settings)

    rejects = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows ORDER BY line_no")
    assert [(row["line_no"], row["reason"]) for row in rejects] == [
        (35, "intervals 25-48 overlap 1-30"),
        (36, "quality method 'V' of a 400 record is not A, E, F, N or S"),
    ]
    assert (await daily(engine))[(NMI, date(2026, 1, 31))] == (Decimal(48), Decimal(0))


async def test_a_gzip_compressed_portal_export_loads(engine: AsyncEngine, settings: Settings) -> None:
    path = settings.imports_dir / "export"
    path.write_bytes(gzip.compress(nem12(block(), constant_day("20260101", "2")).encode(), mtime=0))

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED
