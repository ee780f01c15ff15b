"""The three real partner exports (Nevada, Oklahoma, Texas child care licensing lists), end to end, and their
next week made from them at test time (tests/support/samples/partner_weeks.py): checked against an independent
reading of the files with the csv module.

Skipped unless the real files are there: ../shared/data/brightwheel-partners (beside the project), or the folder
named in PARTNER_FILES_DIR. Nothing real is written into the project: week 2 goes to the test's own folder.
"""

import csv
import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import phonenumbers
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import run_main
from tests.helpers import fetch_all
from tests.support.samples.partner_weeks import write_next_week

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
REAL_DIR: Final = Path(
    os.environ.get("PARTNER_FILES_DIR") or PROJECT_ROOT.parent / "shared" / "data" / "brightwheel-partners"
)
PARTNERS: Final = {"Nevada": "Nevada DPBH", "Oklahoma": "Oklahoma Human Services", "Texas": "Texas DHHS"}

pytestmark = pytest.mark.skipif(not REAL_DIR.is_dir(), reason=f"the real partner exports are not in {REAL_DIR}")


@dataclass(frozen=True)
class Lead:
    """A provider as the csv module reads it, standardised here without the service's code."""

    partner: str
    lead_id: str
    company: str
    phone: str | None
    state: str
    zip: str
    record: tuple[str, ...]  # every cell as written: any difference between weeks is a change


def _decoded(path: Path) -> str:
    content = path.read_bytes()
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _e164(text: str) -> str | None:
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) != 10 or not phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
        return None
    return f"+1{digits}"


def _lead(partner: str, row: dict[str, str], cells: tuple[str, ...]) -> Lead:
    if partner == "Nevada":
        lead_id, company, phone = row["Credential Number"], row["Name"], row["Phone#"]
        zip_code = re.findall(r"\b([0-9]{5})(?:-[0-9]{4})?\s*$", row["Address"])[0]
    elif partner == "Oklahoma":
        lead_id, company, phone, zip_code = (
            row["Type License"].split(" - ")[-1],
            row["Company"],
            row["Phone"],
            row["Zip"],
        )
    else:
        lead_id, company, phone, zip_code = (
            row["Operation #"],
            row["Operation/Caregiver Name"],
            row["Phone"],
            row["Zip"],
        )
    return Lead(PARTNERS[partner], lead_id, company, _e164(phone), row["State"], zip_code.zfill(5), cells)


def read_leads(path: Path) -> dict[str, Lead]:
    """The file's providers by id; a record with fewer cells than the header (cut off) is none."""
    partner = next(name for name in PARTNERS if name in path.name)
    header, *rows = csv.reader(io.StringIO(_decoded(path), newline=""))
    whole = [row for row in rows if len(row) == len(header)]
    return {
        lead.lead_id: lead
        for lead in (_lead(partner, dict(zip(header, row, strict=True)), tuple(row)) for row in whole)
    }


def expected_changes(before: dict[str, Lead], after: dict[str, Lead]) -> tuple[int, int, int, int]:
    """(new, changed, unchanged, removed) of a snapshot."""
    kept = after.keys() & before.keys()
    changed = {lead_id for lead_id in kept if after[lead_id].record != before[lead_id].record}
    return len(after.keys() - before.keys()), len(changed), len(kept - changed), len(before.keys() - after.keys())


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _load_and_build(settings: Settings, files: list[Path]) -> str:
    for path in files:
        shutil.copy(path, settings.imports_dir / path.name)
    loaded = run_main(settings, "--once", str(settings.imports_dir))
    assert loaded.returncode == 0, loaded.stdout
    for step in ("--pipeline", "--analysis"):
        assert run_main(settings, step).returncode == 0, step
    return loaded.stdout


def _log_lines(output: str) -> Iterator[str]:
    return (line for line in output.splitlines() if "event=file_loaded" in line or "event=file_quarantined" in line)


async def _current_leads(engine: AsyncEngine) -> dict[tuple[str, str], tuple[object, ...]]:
    rows = await fetch_all(
        engine, "SELECT partner, lead_id, company, phone, state, zip FROM datawarehouse.dim_lead WHERE is_current"
    )
    return {(row["partner"], row["lead_id"]): (row["company"], row["phone"], row["state"], row["zip"]) for row in rows}


def _as_current(weeks: dict[str, dict[str, Lead]]) -> dict[tuple[str, str], tuple[object, ...]]:
    """The leads of every file as the warehouse must hold them (company with its whitespace collapsed)."""
    return {
        (lead.partner, lead.lead_id): (" ".join(lead.company.split()), lead.phone, lead.state, lead.zip)
        for leads in weeks.values()
        for lead in leads.values()
    }


async def test_the_real_exports_and_their_next_week_give_exact_changes_and_new_leads(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    week1 = sorted(REAL_DIR.glob("*.csv"))
    week2 = write_next_week(REAL_DIR, tmp_path / "week2")
    first = {path.name: read_leads(path) for path in week1}
    second = {path.name: read_leads(path) for path in week2}

    output = _load_and_build(settings, week1)

    assert not [line for line in _log_lines(output) if "file_quarantined" in line]
    assert sum(map(len, first.values())) == 100 + 49 + 99  # Oklahoma's last record is cut off (and rejected)
    assert await _current_leads(engine) == _as_current(first)  # every provider: id, phone, state, ZIP

    _load_and_build(settings, week2)

    exported_changes = _read_csv(settings.exports_dir / "lead_changes.csv")
    changes = {row.pop("file_name"): tuple(map(int, row.values())) for row in exported_changes}
    expected = {path.name: (len(leads), 0, 0, 0) for path, leads in zip(week1, first.values(), strict=True)}
    new: set[tuple[str, str]] = set()
    for path, before in zip(week2, first.values(), strict=True):
        after = second[path.name]
        expected[path.name] = expected_changes(before, after)
        new |= {(lead.partner, lead.lead_id) for lead in after.values() if lead.lead_id not in before}
    assert changes == expected
    assert [changes[path.name] for path in week2] == [(3, 3, 94, 3), (3, 3, 43, 3), (3, 3, 93, 3)]
    assert await _current_leads(engine) == _as_current(second)
    exported = _read_csv(settings.exports_dir / "new_leads.csv")
    assert {(row["partner"], row["lead_id"]) for row in exported} == new
    by_key = {(lead.partner, lead.lead_id): lead for leads in second.values() for lead in leads.values()}
    for row in exported:
        lead = by_key[(row["partner"], row["lead_id"])]
        assert (row["phone"] or None, row["state"], row["zip"]) == (lead.phone, lead.state, lead.zip)
