"""Declared kinds end to end: three weeks of leads in three formats, and a kind declared in a test folder."""

import csv
import shutil
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import run_main
from tests.helpers import ledger
from tests.support.samples.lead_series import generate_leads
from tests.support.samples.leads import Format, write_week
from tests.support.service import Service
from tests.support.waiting import eventually

WIDGETS = Path(__file__).resolve().parents[1] / "data" / "kinds" / "widgets.toml"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


async def _loaded(engine: AsyncEngine, count: int) -> bool:
    return [entry["status"] for entry in await ledger(engine)].count("loaded") >= count


async def test_three_weekly_snapshots_give_the_expected_changes_and_new_leads(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    series = generate_leads(60, weeks=3, seed=9)
    outside = tmp_path / "outside"
    outside.mkdir()
    formats: list[Format] = ["csv", "ndjson", "sqlite"]
    for number, (week, file_format) in enumerate(zip(series.weeks, formats, strict=True), 1):
        written = write_week(outside, week, file_format)
        written.rename(settings.imports_dir / written.name)
        await eventually(lambda n=number: _loaded(engine, n), what=f"week {number}")  # type: ignore[misc]

    assert run_main(settings, "--pipeline").returncode == 0
    assert run_main(settings, "--analysis").returncode == 0

    changes = _read_csv(settings.exports_dir / "lead_changes.csv")
    expected = [
        {
            "new_leads": str(len(week.truth.new)),
            "changed_leads": str(len(week.truth.changed)),
            "unchanged_leads": str(len(week.truth.unchanged)),
            "removed_leads": str(len(week.truth.removed)),
        }
        for week in series.weeks
    ]
    assert [{k: v for k, v in row.items() if k != "file_name"} for row in changes] == expected
    assert [row["file_name"] for row in changes] == ["leads-week1.csv", "leads-week2.ndjson", "leads-week3.sqlite"]
    new_leads = _read_csv(settings.exports_dir / "new_leads.csv")
    assert [row["lead_id"] for row in new_leads] == sorted(lead.lead_id for lead in series.new_leads)
    by_id = {lead.lead_id: lead for lead in series.new_leads}
    for row in new_leads:
        lead = by_id[row["lead_id"]]
        assert (row["email"], row["phone"], row["state"], row["zip"]) == (lead.email, lead.phone, lead.state, lead.zip)
    assert "drift=" in service.log() and "missing=[capacity]" in service.log()


def test_a_kind_declared_in_a_folder_of_its_own_loads_with_its_generated_revision_and_no_code(
    settings: Settings, empty_database: str, tmp_path: Path
) -> None:
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    shutil.copy(WIDGETS, kinds / "widgets.toml")
    settings.imports_dir.mkdir(parents=True)
    (settings.imports_dir / "stock.csv").write_text(
        'Item Code,QTY,Ship Date,colour\nW-1," 1,200 ",2026-03-01,red\nW-2,7,03/02/2026,\n', encoding="utf-8"
    )
    env = {"DB_STRING_ASYNC": empty_database, "KINDS_DIR": str(kinds)}

    refused = run_main(settings, "--once", str(settings.imports_dir), timeout=120, **env)
    made = run_main(settings, "--make-migration", "add kind widgets", timeout=120, **env)
    loaded = run_main(settings, "--once", str(settings.imports_dir), timeout=120, **env)
    status = run_main(settings, "--status", timeout=120, **env)

    assert refused.returncode == 2
    assert "declared kind(s) widgets have no staging table" in refused.stdout
    assert "python main.py --make-migration" in refused.stdout
    assert made.returncode == 0, made.stdout
    [revision] = list((kinds / "migrations").glob("*.py"))
    assert "create_table('widgets'" in revision.read_text(encoding="utf-8")
    assert loaded.returncode == 0, loaded.stdout
    assert "event=file_loaded file=stock.csv kind=widgets rows=2 rejected=0" in loaded.stdout
    assert "widgets" in status.stdout and "loaded" in status.stdout
