"""Declared kinds against a real Postgres: the shipped leads kind in every format, drift and bad files."""

import logging
import sqlite3
from dataclasses import astuple

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import error_report, fetch_all, ledger
from tests.support.samples.lead_series import COLUMNS, LeadSeries, generate_leads, visible
from tests.support.samples.leads import Format, write_week


@pytest.fixture(scope="module")
def series() -> LeadSeries:
    return generate_leads(40, weeks=3, seed=5)


def _expected_rows(series: LeadSeries, week_index: int) -> list[tuple[object, ...]]:
    week = series.weeks[week_index]
    return sorted((astuple(visible(lead, week.layout)) for lead in week.leads), key=lambda row: str(row[0]))


async def _staged(engine: AsyncEngine) -> list[tuple[object, ...]]:
    rows = await fetch_all(engine, f"SELECT {', '.join(COLUMNS)} FROM staging.leads ORDER BY lead_id")
    return [tuple(row[column] for column in COLUMNS) for row in rows]


@pytest.mark.parametrize(
    ("week_index", "file_format", "options"),
    [
        (0, "csv", {}),
        (1, "csv", {"has_bom": True, "line_end": "\r\n"}),
        (2, "csv", {"compress": True}),
        (0, "ndjson", {}),
        (1, "json", {}),
        (2, "json", {"compress": True}),
        (1, "sqlite", {}),
    ],
)
async def test_every_week_in_every_format_loads_the_standardised_values(
    engine: AsyncEngine,
    settings: Settings,
    series: LeadSeries,
    week_index: int,
    file_format: str,
    options: dict[str, object],
) -> None:
    week = series.weeks[week_index]
    path = write_week(settings.imports_dir, week, file_format, **options)  # type: ignore[arg-type]

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await _staged(engine) == _expected_rows(series, week_index)
    [reject] = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows")
    assert f"lead_id '{week.duplicate.lead_id}' was already on line" in reject["reason"]
    entries = await ledger(engine)
    [entry] = [entry for entry in entries if entry["kind"] == "leads"]
    assert (entry["status"], entry["rows_loaded"], entry["rows_rejected"]) == ("loaded", len(week.leads), 1)
    if file_format == "sqlite":  # the file's own row, and its table as a part with the kind's row
        assert [(e["kind"], e["part_of"]) for e in entries] == [("sqlite", None), ("leads", entries[0]["id"])]
        assert entries[1]["part_name"] == "leads_export"  # the table's name


async def test_unknown_columns_are_kept_as_extra_data(
    engine: AsyncEngine, settings: Settings, series: LeadSeries
) -> None:
    path = write_week(settings.imports_dir, series.weeks[1], "csv")

    await Ingestor(engine, settings).ingest(path)

    extras = await fetch_all(engine, "SELECT DISTINCT jsonb_object_keys(extra) AS name FROM staging.leads")
    assert extras == [{"name": "Partner Notes"}]


async def test_the_log_line_shows_how_the_columns_drifted_since_the_last_file(
    engine: AsyncEngine, settings: Settings, series: LeadSeries, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ingestor = Ingestor(engine, settings)
    await ingestor.ingest(write_week(settings.imports_dir, series.weeks[0], "csv"))

    await ingestor.ingest(write_week(settings.imports_dir, series.weeks[1], "csv"))

    [line] = [r.getMessage() for r in caplog.records if "event=file_loaded file=leads-week2" in r.getMessage()]
    assert "missing=[capacity]" in line
    assert "company: 'company' -> 'Company Name'" in line


async def test_a_file_without_a_required_column_is_quarantined_naming_the_names_tried(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = settings.imports_dir / "no-company.csv"
    path.write_text("lead id,contact,email\nL1,Ann,ann@example.com\n", encoding="utf-8")

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    reason = error_report(settings.failed_dir, "no-company.csv")["reason"]
    assert "the header has no column for the required company" in reason
    assert "company name, business name, provider name" in reason


async def test_a_sqlite_file_without_a_table_a_kind_takes_is_quarantined(
    engine: AsyncEngine, settings: Settings
) -> None:
    path = settings.imports_dir / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE app_settings (key text, value text)")

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert (
        "no table in this SQLite file matches a declared kind"
        in error_report(settings.failed_dir, "other.db")["reason"]
    )


async def test_a_changed_lead_keeps_its_history_as_versions(
    engine: AsyncEngine, settings: Settings, series: LeadSeries
) -> None:
    ingestor = Ingestor(engine, settings)
    formats: list[Format] = ["csv", "json", "sqlite"]
    for week, file_format in zip(series.weeks, formats, strict=True):
        await ingestor.ingest(write_week(settings.imports_dir, week, file_format))

    totals = await build_warehouse(engine, settings)

    changed = sorted(series.weeks[1].truth.changed)[0]
    versions = await fetch_all(
        engine,
        "SELECT is_current, opened_by_file_id, closed_by_file_id, valid_to IS NOT NULL AS is_closed "
        "FROM datawarehouse.dim_lead WHERE lead_id = :lead ORDER BY lead_key",
        lead=changed,
    )
    assert versions[0] == {"is_current": False, "opened_by_file_id": 1, "closed_by_file_id": 2, "is_closed": True}
    assert versions[1]["opened_by_file_id"] == 2
    removed = sorted(series.weeks[1].truth.removed)[0]
    [last] = await fetch_all(
        engine, "SELECT is_current, closed_by_file_id FROM datawarehouse.dim_lead WHERE lead_id = :lead", lead=removed
    )
    assert last == {"is_current": False, "closed_by_file_id": 2}
    assert totals["leads_new"] == sum(len(week.truth.new) for week in series.weeks)
    current = await fetch_all(engine, "SELECT count(*) AS n FROM datawarehouse.dim_lead WHERE is_current")
    assert current == [{"n": len(series.current)}]
