"""The first row of a key wins inside a file, the same whether the file's keys fit in memory or not: past
MAX_KEYS_IN_MEMORY the repeats are found among the staged rows, in the file's transaction."""

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.importers import key_guard
from services.ingest import Ingestor
from tests.helpers import fetch_all, ledger

HEADER = "meterpoint_id,interval_start,consumption_kwh\n"
# Line 2 onwards; with 3 keys remembered, "d" and "e" are only in the staged rows when they repeat.
ROWS = [
    ("a", "1.0"), ("b", "2.0"), ("c", "3.0"), ("d", "4.0"),
    ("a", "9.0"), ("d", "9.5"), ("e", "5.0"), ("e", "9.9"), ("d", "9.7"),
]  # fmt: skip
KEPT = [("a", "1.000"), ("b", "2.000"), ("c", "3.000"), ("d", "4.000"), ("e", "5.000")]
REPEATS = [(6, 2, "a"), (7, 5, "d"), (9, 8, "e"), (10, 5, "d")]  # line, first line, meterpoint


async def _outcome(engine: AsyncEngine) -> tuple[list[tuple[str, str]], list[tuple[int, str]], tuple[int, int]]:
    staged = await fetch_all(
        engine,
        "SELECT meterpoint_id, to_char(consumption_kwh, 'FM0.000') AS kwh FROM staging.smart_meter_readings"
        " ORDER BY line_no",
    )
    rejects = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows ORDER BY line_no")
    [entry] = await ledger(engine)
    return (
        [(row["meterpoint_id"], row["kwh"]) for row in staged],
        [(row["line_no"], row["reason"]) for row in rejects],
        (entry["rows_loaded"], entry["rows_rejected"]),
    )


@pytest.mark.parametrize("keys_in_memory", [100, 3], ids=["keys-in-memory", "keys-past-the-bound"])
async def test_the_first_row_of_a_key_wins_whether_or_not_its_keys_fit_in_memory(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch, keys_in_memory: int
) -> None:
    monkeypatch.setattr(key_guard, "MAX_KEYS_IN_MEMORY", keys_in_memory)
    settings = settings.model_copy(update={"max_reject_ratio": 1.0})
    path = settings.imports_dir / "readings.csv"
    path.write_text(HEADER + "".join(f"{meter},2021-01-01 00:30:00,{kwh}\n" for meter, kwh in ROWS))

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    staged, rejects, counts = await _outcome(engine)
    assert staged == KEPT and counts == (5, 4)
    assert rejects == [
        (line, f"meterpoint_id '{meter}', interval_start '2021-01-01 00:30:00' was already on line {first};"
         " the first row of a key wins")
        for line, first, meter in REPEATS
    ]  # fmt: skip


async def test_a_sqlite_table_past_the_bound_keeps_one_row_per_key_too(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_guard, "MAX_KEYS_IN_MEMORY", 1)
    path = settings.imports_dir / "products.db"
    with closing(sqlite3.connect(path)) as database, database:
        database.execute("CREATE TABLE product (product_id TEXT, display_name TEXT)")
        rows = [("p1", "Fixed"), ("p2", "Flexible"), ("p3", "Green")] * 2 + [("p4", "Night")] * 15
        database.executemany("INSERT INTO product VALUES (?, ?)", rows)
    settings = settings.model_copy(update={"max_reject_ratio": 1.0})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    staged = await fetch_all(engine, "SELECT product_id, line_no FROM staging.smart_meter_products ORDER BY 1")
    assert [(row["product_id"], row["line_no"]) for row in staged] == [("p1", 1), ("p2", 2), ("p3", 3), ("p4", 7)]
    [product] = [entry for entry in await ledger(engine) if entry["kind"] == "smart_meter_products"]
    assert (product["rows_loaded"], product["rows_rejected"]) == (4, 17)
