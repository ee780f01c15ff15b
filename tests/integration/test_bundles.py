"""Kind bundles against a real Postgres, with small files written here: keys that replace, JSON exports and their
types, one file per value, views made in dependency order, and exports rewritten only when they change."""

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.errors import ConfigError
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import admin, fetch_all

RACES_HEADER = "raceId,year,round,name,date,time\r\n"
RESULTS_HEADER = "resultId,raceId,driverId,position,fastestLapTime\r\n"
RACES = [
    "10,2023,1,Bahrain Grand Prix,2023-03-05,15:00:00",
    "11,2023,2,Saudi Arabian Grand Prix,2023-03-19,null",
    "20,2024,1,Bahrain Grand Prix,2024-03-02,15:00:00",
    "21,2024,2,Saudi Arabian Grand Prix,2024-03-09,17:00:00",
]
RESULTS = [
    "1,10,830,1,01:33.9",
    "2,10,815,2,01:34.0",
    "3,11,815,1,null",
    "4,20,830,1,01:32.6",
    "5,20,832,null,null",
]


async def _ingest(engine: AsyncEngine, settings: Settings, name: str, content: str | bytes) -> None:
    path = settings.imports_dir / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED


def _readings(meter: str, values: list[str], *, indent: int | None = None) -> str:
    data = [[f"2021-01-01 0{hour}:30:00", "@value", meter] for hour in range(len(values))]
    text = json.dumps(
        {"columns": ["interval_start", "consumption_delta", "meterpoint_id"], "data": data}, indent=indent
    )
    for value in values:  # numbers exactly as written, as pandas writes them
        text = text.replace('"@value"', value, 1)
    return text


def _stats(settings: Settings, year: int) -> list[dict[str, Any]]:
    stats: list[dict[str, Any]] = json.loads((settings.exports_dir / f"stats_{year}.json").read_text(encoding="utf-8"))
    return stats


async def test_the_same_readings_delivered_again_replace_the_earlier_ones_and_the_latest_file_wins(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(engine, settings, "a.json", _readings("a", ["0.186", "0.2"]))
    await _ingest(engine, settings, "b.json", _readings("b", ["1e-05", "1.5"]))
    await build_warehouse(engine, settings)
    await _ingest(engine, settings, "a-again.json", _readings("a", ["0.186", "0.2"], indent=2))  # pretty-printed
    await _ingest(engine, settings, "b-corrected.json", _readings("b", ["0.5"]))  # one reading corrected

    totals = await build_warehouse(engine, settings)

    assert (totals["current_rows_added"], totals["current_rows_replaced"]) == (0, 3)
    current = await fetch_all(
        engine,
        "SELECT meterpoint_id, interval_start::text AS start, consumption_kwh, file_id "
        "FROM datawarehouse.current_smart_meter_readings ORDER BY 1, 2",
    )
    assert [(row["meterpoint_id"], row["start"], row["consumption_kwh"], row["file_id"]) for row in current] == [
        ("a", "2021-01-01 00:30:00", Decimal("0.186"), 3),
        ("a", "2021-01-01 01:30:00", Decimal("0.2"), 3),
        ("b", "2021-01-01 00:30:00", Decimal("0.5"), 4),
        ("b", "2021-01-01 01:30:00", Decimal("1.5"), 2),
    ]
    staged = await fetch_all(engine, "SELECT count(*) AS n FROM staging.smart_meter_readings")
    assert staged == [{"n": 7}]  # staging keeps every file as delivered


async def test_a_snapshot_removes_the_keys_a_newer_file_no_longer_lists_and_an_older_file_never_wins(
    engine: AsyncEngine, settings: Settings
) -> None:
    header = "agreement_id,agreement_valid_from,agreement_valid_to,product_id,meterpoint_id\n"
    await _ingest(engine, settings, "agreements-1.csv", header + "1,2020-01-01,,p1,a\n2,2020-01-01,2021-01-01,p2,b\n")
    await _ingest(
        engine, settings, "agreements-2.csv", header + "1,2020-01-01,2021-06-01,p1,a\n3,2021-01-01,\\N,p3,b\n"
    )

    totals = await build_warehouse(engine, settings)

    rows = await fetch_all(
        engine, "SELECT agreement_id, valid_to::text AS valid_to FROM datawarehouse.current_smart_meter_agreements"
    )
    assert sorted((row["agreement_id"], row["valid_to"]) for row in rows) == [(1, "2021-06-01"), (3, None)]
    assert (totals["current_rows_added"], totals["current_rows_replaced"], totals["current_rows_removed"]) == (3, 1, 1)


async def test_season_stats_are_one_json_file_per_season_with_numbers_as_numbers_and_nulls_as_null(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(engine, settings, "races.csv", RACES_HEADER + "\r\n".join(reversed(RACES)) + "\r\n")
    await _ingest(engine, settings, "results.csv", RESULTS_HEADER + "\r\n".join(RESULTS) + "\r\n")
    await build_warehouse(engine, settings)

    views = await run_analysis(engine, settings)

    assert sorted(path.name for path in settings.exports_dir.glob("stats_*")) == ["stats_2023.json", "stats_2024.json"]
    assert _stats(settings, 2023) == [
        {
            "Race Name": "Bahrain Grand Prix",
            "Race Round": 1,
            "Race Datetime": "2023-03-05T15:00:00.000",
            "Race Winning driverId": 830,
            "Race Fastest Lap": "01:33.9",
        },
        {
            "Race Name": "Saudi Arabian Grand Prix",
            "Race Round": 2,
            "Race Datetime": "2023-03-19T00:00:00.000",  # no start time: midnight
            "Race Winning driverId": 815,
            "Race Fastest Lap": None,  # the winner set no fastest lap
        },
    ]
    assert _stats(settings, 2024)[1] == {
        "Race Name": "Saudi Arabian Grand Prix",
        "Race Round": 2,
        "Race Datetime": "2024-03-09T17:00:00.000",
        "Race Winning driverId": None,  # no results yet
        "Race Fastest Lap": None,
    }
    [season] = [view for view in views if view.name == "season_stats"]
    assert season.row_count == 4 and season.columns[0] == "year"  # the report sees the view whole


async def test_re_running_after_one_more_race_rewrites_only_that_season(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(engine, settings, "races.csv", RACES_HEADER + "\r\n".join(RACES) + "\r\n")
    await _ingest(engine, settings, "results.csv", RESULTS_HEADER + "\r\n".join(RESULTS) + "\r\n")
    await build_warehouse(engine, settings)
    await run_analysis(engine, settings)
    files = sorted(settings.exports_dir.glob("stats_*.json"))
    before = {path.name: path.stat().st_mtime_ns for path in files}
    await run_analysis(engine, settings)
    assert {path.name: path.stat().st_mtime_ns for path in files} == before  # nothing changed, nothing rewritten

    next_race = RESULTS_HEADER + "\r\n".join([*RESULTS, "6,21,844,1,01:31.2"]) + "\r\n"  # the full file, once more
    await _ingest(engine, settings, "results-after-saudi-arabia.csv", next_race)
    await build_warehouse(engine, settings)
    await run_analysis(engine, settings)

    after = {path.name: path.stat().st_mtime_ns for path in files}
    assert after["stats_2023.json"] == before["stats_2023.json"]
    assert after["stats_2024.json"] != before["stats_2024.json"]
    assert _stats(settings, 2024)[1]["Race Winning driverId"] == 844
    assert not list(settings.exports_dir.glob(".*.tmp"))


VIEW_ORDER_MANIFEST = """
[views.season_winners]
format = "json"

[views.wins_by_driver]
file = "wins_{driver_id}.csv"

[views.helper_winners]
export = false
"""


@pytest.fixture
async def extra_views(engine: AsyncEngine) -> AsyncIterator[None]:
    """The views a test bundle makes live in the session's database: dropped after each test."""
    yield
    for name in ("wins_by_driver", "season_winners", "helper_winners"):
        await admin(engine, f"DROP VIEW IF EXISTS datawarehouse.{name} CASCADE")


def _views_only_bundle(folder: Path, views: dict[str, str], manifest: str = VIEW_ORDER_MANIFEST) -> None:
    (folder / "f1_extras" / "views").mkdir(parents=True, exist_ok=True)
    (folder / "f1_extras" / "bundle.toml").write_text(manifest, encoding="utf-8")
    for name, query in views.items():
        (folder / "f1_extras" / "views" / name).write_text(query, encoding="utf-8")


@pytest.mark.usefixtures("extra_views")
async def test_views_read_other_views_whatever_their_numbers_and_export_as_declared(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    _views_only_bundle(
        tmp_path / "kinds",
        {  # numbered against their order: each reads the one after it
            "010_wins_by_driver.sql": "SELECT driver_id, year, wins FROM season_winners ORDER BY year",
            "020_season_winners.sql": (
                "SELECT driver_id, year, count(*) AS wins, 1.50::numeric AS share, true AS counted "
                "FROM helper_winners GROUP BY 1, 2 ORDER BY 2, 1"
            ),
            "030_helper_winners.sql": 'SELECT year, "Race Winning driverId" AS driver_id FROM season_stats '
            "WHERE \"Race Winning driverId\" IS NOT NULL AND ':not_a_parameter' <> ''",
        },
    )
    custom = settings.model_copy(update={"kinds_dir": tmp_path / "kinds"})
    await _ingest(engine, custom, "races.csv", RACES_HEADER + "\r\n".join(RACES) + "\r\n")
    await _ingest(engine, custom, "results.csv", RESULTS_HEADER + "\r\n".join(RESULTS) + "\r\n")
    await build_warehouse(engine, custom)

    views = await run_analysis(engine, custom)

    names = [view.name for view in views]
    assert names.index("season_winners") < names.index("wins_by_driver") and "helper_winners" not in names
    winners = json.loads((custom.exports_dir / "season_winners.json").read_text(encoding="utf-8"))
    assert winners[0] == {"driver_id": 815, "year": 2023, "wins": 1, "share": 1.50, "counted": True}
    assert (
        (custom.exports_dir / "season_winners.json")
        .read_text(encoding="utf-8")
        .startswith('[\n{"driver_id":815,"year":2023,"wins":1,"share":1.50,"counted":true},\n')
    )
    assert (custom.exports_dir / "wins_830.csv").read_text(encoding="utf-8") == "year,wins\n2023,1\n2024,1\n"
    assert not (custom.exports_dir / "helper_winners.csv").exists()


@pytest.mark.usefixtures("extra_views")
async def test_a_view_whose_columns_change_is_made_anew_with_the_bundle_views_that_read_it(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    custom = settings.model_copy(update={"kinds_dir": tmp_path / "kinds"})
    manifest = '[views.season_winners]\nformat = "json"\n[views.wins_by_driver]\nformat = "json"\n'
    reader = {"020_wins_by_driver.sql": "SELECT * FROM season_winners"}
    _views_only_bundle(
        tmp_path / "kinds", {"010_season_winners.sql": "SELECT 1 AS year, 2 AS wins", **reader}, manifest
    )
    await run_analysis(engine, custom)
    _views_only_bundle(tmp_path / "kinds", {"010_season_winners.sql": "SELECT 'one' AS driver", **reader}, manifest)
    await engine.dispose()  # a new process in real use: no statement prepared for the old columns is reused

    await run_analysis(engine, custom)

    assert json.loads((custom.exports_dir / "wins_by_driver.json").read_text(encoding="utf-8")) == [{"driver": "one"}]


@pytest.mark.usefixtures("extra_views")
async def test_a_view_of_someone_else_on_a_bundle_view_is_never_dropped_with_it(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    custom = settings.model_copy(update={"kinds_dir": tmp_path / "kinds"})
    manifest = '[views.season_winners]\nformat = "json"\n'
    _views_only_bundle(tmp_path / "kinds", {"010_season_winners.sql": "SELECT 1 AS year"}, manifest)
    await run_analysis(engine, custom)
    await admin(
        engine, "CREATE OR REPLACE VIEW datawarehouse.analyst_view AS SELECT year FROM datawarehouse.season_winners"
    )
    _views_only_bundle(tmp_path / "kinds", {"010_season_winners.sql": "SELECT 'x' AS label"}, manifest)
    await engine.dispose()

    try:
        with pytest.raises(ConfigError, match=r"the view's columns changed, and analyst_view \(not a view of a"):
            await run_analysis(engine, custom)
        assert await fetch_all(engine, "SELECT year FROM datawarehouse.analyst_view") == [{"year": 1}]
    finally:
        await admin(engine, "DROP VIEW datawarehouse.analyst_view")


async def test_a_key_twice_in_one_staged_file_keeps_the_first_row_rather_than_failing_the_build(
    engine: AsyncEngine, settings: Settings
) -> None:
    # The loader rejects a repeated key inside a file; rows staged some other way must not break --pipeline.
    await admin(
        engine,
        "INSERT INTO staging.file_loads (id, file_name, kind, status, worker) "
        "OVERRIDING SYSTEM VALUE VALUES (1, 'm.csv', 'smart_meter_meterpoints', 'loaded', 't')",
    )
    await admin(
        engine,
        "INSERT INTO staging.smart_meter_meterpoints (file_id, line_no, meterpoint_id, region) "
        "VALUES (1, 3, 'a', 'Later'), (1, 2, 'a', 'First')",
    )

    totals = await build_warehouse(engine, settings)

    assert totals["current_rows_added"] == 1
    rows = await fetch_all(engine, "SELECT region, line_no FROM datawarehouse.current_smart_meter_meterpoints")
    assert rows == [{"region": "First", "line_no": 2}]
