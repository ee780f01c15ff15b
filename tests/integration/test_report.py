"""The report against a real ledger and warehouse: loads per kind, quarantined files, each view as its spec says."""

import logging
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import fetch_all
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.samples.lead_series import generate_leads
from tests.support.samples.leads import LEADS_TABLE, write_week
from tests.support.samples.nem12 import write_nem12

MAX_REPORT_BYTES = 2_000_000


def _section(report: str, anchor: str) -> str:
    """A section's HTML without `<wbr>`: a place a long name may wrap, not text a person sees."""
    start = report.index(f'<section id="{anchor}">')
    return report[start : report.index("</section>", start)].replace("<wbr>", "")


def _texts(html: str) -> set[str]:
    return {text.strip() for text in re.findall(r">([^<>]+)<", html)}


async def _load_every_kind(engine: AsyncEngine, settings: Settings) -> None:
    folder = settings.imports_dir
    ingestor = Ingestor(engine, settings)
    write_job_titles(folder / "titles.csv", generate_rows(400, seed=3))
    shutil.copy(folder / "titles.csv", folder / "titles-again.csv")
    write_nem12(folder / "meters.nem12", 12, 45, seed=4)
    (folder / "orders.csv").write_text("order_id;amount\n1;12.50\n", encoding="utf-8")
    outcomes = [await ingestor.ingest(folder / name) for name in ("titles.csv", "titles-again.csv", "meters.nem12")]
    outcomes.append(await ingestor.ingest(folder / "orders.csv"))
    for week, file_format in zip(generate_leads(30, weeks=3, seed=2).weeks, ("csv", "ndjson", "sqlite"), strict=True):
        outcomes.append(await ingestor.ingest(write_week(folder, week, file_format)))  # type: ignore[arg-type]
    assert outcomes.count(Outcome.LOADED) == 5 and outcomes[1] is Outcome.DUPLICATE
    assert outcomes[3] is Outcome.QUARANTINED


async def _rows_loaded_card(engine: AsyncEngine) -> str:
    [row] = await fetch_all(engine, "SELECT sum(rows_loaded) AS n FROM staging.file_loads WHERE part_of IS NOT NULL")
    [whole] = await fetch_all(
        engine,
        "SELECT sum(rows_loaded) AS n FROM staging.file_loads AS f WHERE status = 'loaded' "
        "AND NOT EXISTS (SELECT 1 FROM staging.file_loads AS p WHERE p.part_of = f.id)",
    )
    assert row["n"] > 0  # the SQLite week loaded as a part
    return f"{whole['n']:,}"


async def test_the_report_shows_the_loads_and_draws_each_view_as_its_spec_says(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _load_every_kind(engine, settings)
    await build_warehouse(engine, settings)

    await run_analysis(engine, settings)

    report = (settings.exports_dir / "report.html").read_text(encoding="utf-8")
    loads = _section(report, "loads")
    assert {"job_titles", "nem12", "leads", "unknown kind", "orders.csv"} <= _texts(loads)
    assert "no import service recognises this file" in loads
    assert "python main.py --requeue orders.csv" in loads
    assert f"leads-week3.sqlite/{LEADS_TABLE}" in loads  # a SQLite file's table counts as a file of its kind
    assert "<td>job_<wbr>titles</td>" in report  # long names may wrap in a narrow column
    assert "sqlite" not in _texts(loads) and await _rows_loaded_card(engine) in _texts(loads)
    job_titles_row = re.search(r"<tr><td>job_titles</td>(.*?)</tr>", loads)
    assert job_titles_row and re.findall(r">([\d,]+)<", job_titles_row[1])[:6] == ["1", "1", "0", "0", "400", "0"]
    daily = _section(report, "view-daily_consumption")
    assert daily.count("<svg ") == 1 and {"1 Feb", "15 Feb", "2026", "All 12 NMIs together"} <= _texts(daily)
    assert "The 5 NMIs with the most consumption (of 12)" in daily
    assert _section(report, "view-lead_changes").count("<svg ") == 1
    assert {"leads-week1.csv", "leads-week3.sqlite"} <= _texts(_section(report, "view-lead_changes"))
    assert _section(report, "view-manager_titles").count('class="card"') == 3
    assert "<table>" in _section(report, "view-new_leads")
    assert report.count("<section ") == 8 and "<script" not in report and "://" not in report
    assert len(report.encode()) < MAX_REPORT_BYTES


async def test_a_spec_that_names_a_missing_column_gives_a_table_and_a_warning(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, sql_dir)
    spec = sql_dir / "analysis" / "report.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('y = "pdl_count"', 'y = "people"'), encoding="utf-8")
    custom = settings.model_copy(update={"sql_dir": sql_dir})
    write_job_titles(settings.imports_dir / "titles.csv", generate_rows(50, seed=1))
    assert await Ingestor(engine, custom).ingest(settings.imports_dir / "titles.csv") is Outcome.LOADED
    await build_warehouse(engine, custom)
    caplog.set_level(logging.WARNING)

    await run_analysis(engine, custom)

    section = _section((custom.exports_dir / "report.html").read_text(encoding="utf-8"), "view-title_pdl_count")
    assert "Shown as a table because its presentation names column(s) the view does not have: people." in section
    assert "<table>" in section and "<svg" not in section
    assert any("event=report_chart_replaced view=title_pdl_count" in r.getMessage() for r in caplog.records)


async def test_a_view_added_with_its_spec_appears_by_the_same_rules_and_a_long_one_shows_its_last_rows(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, sql_dir)
    (sql_dir / "analysis" / "900_weekly_totals.sql").write_text(
        "CREATE OR REPLACE VIEW weekly_totals AS SELECT 'week ' || n AS week, n AS kept, 2 * n AS added "
        "FROM generate_series(1, 45) AS n ORDER BY n;\n",
        encoding="utf-8",
    )
    with open(sql_dir / "analysis" / "report.toml", "a", encoding="utf-8") as spec:
        spec.write(
            '\n[views.weekly_totals]\nchart = "stacked"\nabout = "Rows kept and added each week."\n'
            'x = "week"\ny = ["kept", "added"]\nrows = "last"\n'
        )
    custom = settings.model_copy(update={"sql_dir": sql_dir})

    await run_analysis(engine, custom)

    section = _section((custom.exports_dir / "report.html").read_text(encoding="utf-8"), "view-weekly_totals")
    assert "<h2>Weekly totals</h2>" in section and "Rows kept and added each week." in section
    assert section.count("<svg ") == 1 and {"week 16", "week 45", "135"} <= _texts(section)
    assert "week 15" not in _texts(section)
    assert "The last 30 of 45 rows; weekly_totals.csv has all." in section


async def test_a_time_series_whose_axis_is_not_dates_or_is_empty_is_a_table(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    sql_dir = tmp_path / "sql"
    (sql_dir / "analysis").mkdir(parents=True)
    (sql_dir / "analysis" / "010_by_week.sql").write_text(
        "CREATE OR REPLACE VIEW by_week AS SELECT 'week ' || n AS week, n AS kwh FROM generate_series(1, 3) AS n;\n",
        encoding="utf-8",
    )
    (sql_dir / "analysis" / "020_no_days.sql").write_text(
        "CREATE OR REPLACE VIEW no_days AS SELECT NULL::date AS day, 1 AS kwh;\n", encoding="utf-8"
    )
    (sql_dir / "analysis" / "report.toml").write_text(
        '[views.by_week]\nchart = "timeseries"\nx = "week"\ny = "kwh"\n\n'
        '[views.no_days]\nchart = "timeseries"\nx = "day"\ny = "kwh"\n',
        encoding="utf-8",
    )
    custom = settings.model_copy(update={"sql_dir": sql_dir})

    await run_analysis(engine, custom)

    report = (custom.exports_dir / "report.html").read_text(encoding="utf-8")
    assert "Shown as a table because column week holds no dates or times." in _section(report, "view-by_week")
    assert "Shown as a table because column day has no values." in _section(report, "view-no_days")
