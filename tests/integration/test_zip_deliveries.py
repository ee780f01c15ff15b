"""Zipped deliveries through the real ingest path: one ledger row per zip, a part per member, all or nothing."""

import sqlite3
import zipfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.file_reports import Outcome
from services.importers.containers import is_junk_member
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import error_report, fetch_all, ledger
from tests.support.samples.nem12 import Nem12Truth, nem12_lines

TITLES = "title,pdl count,top related titles 1\nengineer,10,developer\nmanager,20,director\n"


def _nem12(nmis: int = 2, days: int = 2, seed: int = 0) -> tuple[str, Nem12Truth]:
    truth = Nem12Truth()
    return "".join(f"{line}\r\n" for line in nem12_lines(nmis, days, seed=seed, truth=truth)), truth


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


async def _parts(engine: AsyncEngine) -> list[tuple[str | None, str | None, str, int]]:
    rows = await fetch_all(
        engine,
        "SELECT part_name, kind, status, rows_loaded FROM staging.file_loads WHERE part_of IS NOT NULL ORDER BY id",
    )
    return [(row["part_name"], row["kind"], row["status"], row["rows_loaded"]) for row in rows]


async def test_a_zip_as_providers_send_it_loads_its_member_whatever_the_names(
    engine: AsyncEngine, settings: Settings
) -> None:
    text, truth = _nem12()
    path = _zip(settings.imports_dir / "DELIVERY", {"NEM12#000000001#MDP#RETAILER": text})  # no extension at all

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    [container] = [entry for entry in await ledger(engine) if entry["part_of"] is None]
    assert (container["kind"], container["status"], container["rows_loaded"]) == ("zip", "loaded", truth.readings)
    assert container["archived_as"] == "processed/DELIVERY"
    assert await _parts(engine) == [("NEM12#000000001#MDP#RETAILER", "nem12", "loaded", truth.readings)]
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert staged["n"] == truth.readings
    await build_warehouse(engine, settings)
    [days] = await fetch_all(engine, "SELECT count(*) AS n FROM datawarehouse.fact_daily_consumption")
    assert days["n"] == len(truth.daily)


async def test_members_of_several_kinds_load_each_as_its_own_part_in_one_transaction(
    engine: AsyncEngine, settings: Settings
) -> None:
    first, first_truth = _nem12(seed=1)
    second, second_truth = _nem12(seed=2)
    path = _zip(
        settings.imports_dir / "week.ZIP",
        {"a.csv": first, "nested/b.nem12": second, "titles.csv": TITLES, "__MACOSX/._a.csv": b"\x00\x05junk"},
    )

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await _parts(engine) == [
        ("a.csv", "nem12", "loaded", first_truth.readings),
        ("nested/b.nem12", "nem12", "loaded", second_truth.readings),
        ("titles.csv", "job_titles", "loaded", 2),
    ]


async def test_one_bad_member_quarantines_the_zip_naming_it_and_keeps_nothing(
    engine: AsyncEngine, settings: Settings
) -> None:
    good, _ = _nem12()
    path = _zip(settings.imports_dir / "mixed.zip", {"good.csv": good, "notes.txt": "just notes\n"})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    reason = error_report(settings.failed_dir, "mixed.zip")["reason"]
    assert reason.startswith("zip member 'notes.txt': no import service recognises this file")
    assert await _parts(engine) == []
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert staged["n"] == 0


async def test_a_member_with_a_bad_record_rolls_back_the_members_before_it(
    engine: AsyncEngine, settings: Settings
) -> None:
    good, _ = _nem12(seed=3)
    broken = (
        "100,NEM12,202601010000,MDP1,R1\r\n200,NMI0000009,E1,1,E1,N1,M1,kWh,30,\r\n300,20260101,1,2,3,A,,,,\r\n900\r\n"
    )
    path = _zip(settings.imports_dir / "two.zip", {"1-good.csv": good, "2-broken.csv": broken})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert "line 3" in error_report(settings.failed_dir, "two.zip")["reason"]
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert staged["n"] == 0 and await _parts(engine) == []


async def test_a_member_loaded_before_is_a_duplicate_part_and_a_plain_copy_of_it_a_duplicate_file(
    engine: AsyncEngine, settings: Settings
) -> None:
    text, truth = _nem12()
    ingestor = Ingestor(engine, settings)
    (settings.imports_dir / "plain.csv").write_text(text, encoding="ascii", newline="")
    assert await ingestor.ingest(settings.imports_dir / "plain.csv") is Outcome.LOADED
    other, other_truth = _nem12(seed=5)
    path = _zip(settings.imports_dir / "resend.zip", {"same.csv": text, "new.csv": other})

    assert await ingestor.ingest(path) is Outcome.LOADED
    (settings.imports_dir / "again.csv").write_text(other, encoding="ascii", newline="")
    assert await ingestor.ingest(settings.imports_dir / "again.csv") is Outcome.DUPLICATE

    assert await _parts(engine) == [
        ("same.csv", "nem12", "duplicate", 0),
        ("new.csv", "nem12", "loaded", other_truth.readings),
    ]
    [staged] = await fetch_all(engine, "SELECT count(*) AS n FROM staging.nem12")
    assert staged["n"] == truth.readings + other_truth.readings


async def test_a_sqlite_member_loads_its_tables_as_parts(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "leads.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE partner_leads (lead_id TEXT, company TEXT, email TEXT)")
        db.execute("INSERT INTO partner_leads VALUES ('L1', 'Acme', 'A@EXAMPLE.COM'), ('L2', 'Bolt', NULL)")
    db.close()
    path = _zip(settings.imports_dir / "export.zip", {"dump/leads.db": database.read_bytes()})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert await _parts(engine) == [("dump/leads.db:partner_leads", "leads", "loaded", 2)]


async def test_hostile_member_names_are_only_names(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> None:
    text, _ = _nem12()
    path = _zip(settings.imports_dir / "evil.zip", {"../../escaped.csv": text, "/abs/also.csv": text + "\r\n"})

    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED

    assert not (settings.imports_dir.parent / "escaped.csv").exists() and not Path("/abs").exists()
    assert [part[0] for part in await _parts(engine)] == ["../../escaped.csv", "/abs/also.csv"]


async def test_an_encrypted_member_quarantines_the_zip(engine: AsyncEngine, settings: Settings) -> None:
    path = _zip(settings.imports_dir / "locked.zip", {"meters.csv": _nem12()[0]})
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag bit
        at = data.find(signature)
        data[at + flag_offset] |= 0x01
    path.write_bytes(bytes(data))

    assert await Ingestor(engine, settings).ingest(path) is Outcome.QUARANTINED

    assert "is encrypted" in error_report(settings.failed_dir, "locked.zip")["reason"]


async def test_a_zip_bomb_is_quarantined(engine: AsyncEngine, settings: Settings) -> None:
    limited = settings.model_copy(update={"archive_max_ratio": 50})
    path = _zip(settings.imports_dir / "bomb.zip", {"meters.csv": "100,NEM12,2026,A,B\r\n" + "0" * (20 << 20)})

    assert await Ingestor(engine, limited).ingest(path) is Outcome.QUARANTINED

    assert "expands to more than 50 times" in error_report(settings.failed_dir, "bomb.zip")["reason"]


def test_what_archiving_tools_add_is_junk_and_nothing_else_is() -> None:
    assert all(map(is_junk_member, ["__MACOSX/._a.csv", "x/.DS_Store", "Thumbs.db", "._meters.csv"]))
    assert not any(map(is_junk_member, ["meters.csv", "MACOSX.csv", "a/b/c.csv", ".hidden-but-real"]))
