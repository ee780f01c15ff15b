"""Partner lead lists against a real Postgres: each partner's file as its own kind staged into leads, and
change capture scoped to the file's partner (its snapshot never removes another partner's leads)."""

import csv
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import fetch_all, ledger
from tests.support.samples.lead_series import generate_leads
from tests.support.samples.leads import write_week
from tests.support.samples.partners import (
    NEVADA,
    OKLAHOMA,
    OKLAHOMA_CUT_OFF,
    TEXAS,
    Provider,
    nevada_csv,
    oklahoma_csv,
    texas_csv,
    with_phone,
)

STAGED = "lead_id, company, contact_name, phone, address, city, state, zip, email, capacity"


def _drop(settings: Settings, name: str, content: bytes) -> Path:
    path = settings.imports_dir / name
    path.write_bytes(content)
    return path


async def _ingest(engine: AsyncEngine, settings: Settings, *files: tuple[str, bytes]) -> None:
    # These lists are a few rows long: one rejected row must not tip them over the reject ratio.
    ingestor = Ingestor(engine, settings.model_copy(update={"max_reject_ratio": 0.5}))
    for name, content in files:
        assert await ingestor.ingest(_drop(settings, name, content)) is Outcome.LOADED, name


async def _staged(engine: AsyncEngine, partner: str) -> list[tuple[object, ...]]:
    rows = await fetch_all(
        engine, f'SELECT {STAGED} FROM staging.leads WHERE partner = :p ORDER BY lead_id COLLATE "C"', p=partner
    )
    return [tuple(row.values()) for row in rows]


def _expected(
    providers: tuple[Provider, ...], *, has_email: bool = True, has_capacity: bool = True
) -> list[tuple[object, ...]]:
    def values(p: Provider) -> tuple[object, ...]:
        email, capacity = (p.email if has_email else None), (p.capacity if has_capacity else None)
        return (p.lead_id, p.company, p.contact_name, p.phone, p.address, p.city, p.state, p.zip, email, capacity)

    return sorted((values(p) for p in providers), key=lambda row: str(row[0]))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


async def test_each_partner_file_loads_as_its_own_kind_into_leads_with_its_partner(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(
        engine,
        settings,
        ("nevada.csv", nevada_csv(NEVADA)),
        ("oklahoma.csv", oklahoma_csv(OKLAHOMA, cut_off=OKLAHOMA_CUT_OFF)),
        ("texas.csv", texas_csv(TEXAS)),
    )

    entries = await ledger(engine)
    assert [(e["kind"], e["staged_into"], e["rows_loaded"], e["rows_rejected"], e["encoding"]) for e in entries] == [
        ("leads_nevada_dpbh", "leads", 3, 0, "windows-1252"),
        ("leads_oklahoma_ohs", "leads", 3, 1, "utf-8"),
        ("leads_texas_dhhs", "leads", 3, 0, "utf-8"),
    ]
    assert await _staged(engine, "Nevada DPBH") == _expected(NEVADA, has_email=False, has_capacity=False)
    assert await _staged(engine, "Oklahoma Human Services") == _expected(OKLAHOMA)
    assert await _staged(engine, "Texas DHHS") == _expected(TEXAS)
    [cut_off] = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows")
    assert cut_off["line_no"] == 2 + 2 * len(OKLAHOMA)  # two lines per record: the caregiver cell has a line break
    assert "this last record is cut off after 14 of 30 fields" in cut_off["reason"]


async def test_the_source_cells_of_derived_values_and_the_other_columns_stay_in_extra(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(engine, settings, ("nevada.csv", nevada_csv(NEVADA[:1])), ("oklahoma.csv", oklahoma_csv(OKLAHOMA)))

    [nevada] = await fetch_all(engine, "SELECT extra FROM staging.leads WHERE partner = 'Nevada DPBH'")
    assert nevada["extra"]["Address"] == "150 N. WILLOW ST MESQUITE, NV 89027"
    assert nevada["extra"]["Credential Type"] == "CENTER"
    assert "column 8" not in nevada["extra"]  # the column without a name is blank: nothing to keep
    [oklahoma] = await fetch_all(engine, "SELECT extra FROM staging.leads WHERE lead_id = :id", id=OKLAHOMA[0].lead_id)
    assert oklahoma["extra"]["Type License"] == f"CHILD CARE FAMILY - {OKLAHOMA[0].lead_id}"
    assert oklahoma["extra"]["Primary Caregiver"] == "Elizabeth Hellstrom\r\nPrimary Caregiver"


async def test_a_partners_snapshot_removes_only_that_partners_leads(engine: AsyncEngine, settings: Settings) -> None:
    await _ingest(engine, settings, ("nevada-1.csv", nevada_csv(NEVADA)), ("oklahoma-1.csv", oklahoma_csv(OKLAHOMA)))
    await build_warehouse(engine, settings)
    await _ingest(engine, settings, ("oklahoma-2.csv", oklahoma_csv(OKLAHOMA[1:])))

    totals = await build_warehouse(engine, settings)

    assert (totals["leads_new"], totals["leads_unchanged"], totals["leads_removed"]) == (0, 2, 1)
    current = await fetch_all(
        engine, "SELECT partner, lead_id FROM datawarehouse.dim_lead WHERE is_current ORDER BY partner, lead_id"
    )
    assert [(row["partner"], row["lead_id"]) for row in current] == sorted(
        [("Nevada DPBH", p.lead_id) for p in NEVADA] + [("Oklahoma Human Services", p.lead_id) for p in OKLAHOMA[1:]]
    )


async def test_the_same_id_at_two_partners_is_two_leads_each_with_its_own_history(
    engine: AsyncEngine, settings: Settings
) -> None:
    shared = TEXAS[2].lead_id
    assert shared == NEVADA[0].lead_id
    await _ingest(engine, settings, ("nevada-1.csv", nevada_csv(NEVADA)), ("texas-1.csv", texas_csv(TEXAS)))
    changed = (*TEXAS[:2], with_phone(TEXAS[2], "+15122512277"))
    await _ingest(engine, settings, ("texas-2.csv", texas_csv(changed)))

    await build_warehouse(engine, settings)

    versions = await fetch_all(
        engine,
        "SELECT partner, phone, is_current FROM datawarehouse.dim_lead WHERE lead_id = :id ORDER BY lead_key",
        id=shared,
    )
    assert [tuple(row.values()) for row in versions] == [
        ("Nevada DPBH", NEVADA[0].phone, True),
        ("Texas DHHS", TEXAS[2].phone, False),
        ("Texas DHHS", "+15122512277", True),
    ]


async def test_generic_lead_files_and_partner_files_never_remove_each_others_leads(
    engine: AsyncEngine, settings: Settings
) -> None:
    series = generate_leads(20, weeks=2, seed=3)
    await _ingest(engine, settings, ("texas-1.csv", texas_csv(TEXAS)))
    for week in series.weeks:
        path = write_week(settings.imports_dir, week, "csv")
        await _ingest(engine, settings, (path.name, path.read_bytes()))

    totals = await build_warehouse(engine, settings)

    assert totals["leads_removed"] == len(series.weeks[1].truth.removed)
    partners = await fetch_all(
        engine, "SELECT partner, count(*) AS n FROM datawarehouse.dim_lead WHERE is_current GROUP BY 1 ORDER BY 1"
    )
    assert partners == [{"partner": "", "n": len(series.current)}, {"partner": "Texas DHHS", "n": len(TEXAS)}]


async def test_the_exports_count_each_file_and_list_the_new_leads_of_each_partners_latest_file(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _ingest(engine, settings, ("nevada-1.csv", nevada_csv(NEVADA[:2])), ("texas-1.csv", texas_csv(TEXAS)))
    newcomer = NEVADA[2]
    await _ingest(engine, settings, ("nevada-2.csv", nevada_csv((with_phone(NEVADA[0], "+17023939401"), newcomer))))
    await build_warehouse(engine, settings)

    await run_analysis(engine, settings)

    changes = _read_csv(settings.exports_dir / "lead_changes.csv")
    assert [tuple(row.values()) for row in changes] == [
        ("nevada-1.csv", "2", "0", "0", "0"),
        ("texas-1.csv", "3", "0", "0", "0"),
        ("nevada-2.csv", "1", "1", "0", "1"),
    ]
    new_leads = _read_csv(settings.exports_dir / "new_leads.csv")
    assert list(new_leads[0]) == [
        "lead_id",
        "company",
        "contact_name",
        "email",
        "phone",
        "city",
        "state",
        "zip",
        "partner",
    ]
    assert [(row["partner"], row["lead_id"]) for row in new_leads] == [
        ("Nevada DPBH", newcomer.lead_id),
        *sorted(("Texas DHHS", p.lead_id) for p in TEXAS),
    ]
    [nevada] = new_leads[:1]
    assert (nevada["phone"], nevada["city"], nevada["state"], nevada["zip"], nevada["email"]) == (
        newcomer.phone, newcomer.city, newcomer.state, newcomer.zip, "",
    )  # fmt: skip


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
async def test_a_stray_opening_quote_rejects_only_its_own_record(
    engine: AsyncEngine, settings: Settings, line_end: str
) -> None:
    good = texas_csv(TEXAS).decode("utf-8").replace("\r\n", line_end)
    header, *rows = good.split(line_end)
    broken = [rows[0].replace("19290 K ST ", '"19290 K ST '), *rows[1:]]  # a quote opened and never closed

    await _ingest(engine, settings, ("texas.csv", line_end.join([header, *broken]).encode("utf-8")))

    assert [row[0] for row in await _staged(engine, "Texas DHHS")] == sorted(p.lead_id for p in TEXAS[1:])
    [reject] = await fetch_all(engine, "SELECT line_no, reason FROM staging.rejected_rows")
    assert reject["line_no"] == 2 and "has a quote that is never closed" in reject["reason"]
