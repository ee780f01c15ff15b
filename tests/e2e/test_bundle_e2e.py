"""A kind bundle end to end, as a user adds one: a folder in KINDS_DIR, its generated migration, then the service
loads, builds and exports it with no Python of its own; turned off, its files are not recognised."""

import json
import shutil
from pathlib import Path

from core.config import Settings
from tests.e2e.conftest import run_main

SHOP = Path(__file__).resolve().parents[1] / "data" / "bundles" / "shop"
STOCK_HEADER = "store,Item Code,units,price,counted_at\n"


def test_a_bundle_in_a_folder_of_its_own_loads_builds_and_exports_with_no_code(
    settings: Settings, empty_database: str, tmp_path: Path
) -> None:
    kinds = tmp_path / "kinds"
    shutil.copytree(SHOP, kinds / "shop")
    settings.imports_dir.mkdir(parents=True)
    env = {"DB_STRING_ASYNC": empty_database, "KINDS_DIR": str(kinds)}
    first = "north,A-1,3,1.50,2026-03-01 09:00\nnorth,B-2,NA,1e-05,2026-03-01T09:00:00\nsouth,A-1,7,1.50,\n"
    (settings.imports_dir / "stock-1.csv").write_text(STOCK_HEADER + first, encoding="utf-8")

    refused = run_main(settings, "--once", str(settings.imports_dir), timeout=120, **env)
    made = run_main(settings, "--make-migration", "add bundle shop", timeout=120, **env)
    loaded = run_main(settings, "--once", str(settings.imports_dir), timeout=120, **env)
    (settings.imports_dir / "stock-2.csv").write_text(STOCK_HEADER + "north,B-2,4,2,2026-03-02 09:00\n")
    resent = run_main(settings, "--once", str(settings.imports_dir), timeout=120, **env)
    built = run_main(settings, "--pipeline", timeout=120, **env)
    analysed = run_main(settings, "--analysis", timeout=120, **env)
    status = run_main(settings, "--status", "--json", timeout=120, **env)

    assert refused.returncode == 2 and "declared kind(s) shop_stock" in refused.stdout
    assert made.returncode == 0, made.stdout
    [revision] = list((kinds / "migrations").glob("*.py"))
    assert "create_table('current_shop_stock'" in revision.read_text(encoding="utf-8")
    assert "bundles=f1_season_stats,smart_meter,shop" in loaded.stdout
    assert "event=file_loaded file=stock-1.csv kind=shop_stock rows=3 rejected=0" in loaded.stdout
    assert resent.returncode == 0 and "file=stock-2.csv kind=shop_stock rows=1" in resent.stdout
    assert built.returncode == 0 and "current_rows_added=3 current_rows_replaced=1" in built.stdout
    assert "shop_items_counted=4" in built.stdout  # the bundle's own warehouse step ran for both files
    assert analysed.returncode == 0, analysed.stdout
    north = json.loads((settings.exports_dir / "stock_north.json").read_text(encoding="utf-8"))
    assert north == [
        {"sku": "A-1", "units": 3, "price": 1.50, "counted_at": "2026-03-01T09:00:00"},
        {"sku": "B-2", "units": 4, "price": 2, "counted_at": "2026-03-02T09:00:00"},  # the later file won
    ]
    assert json.loads((settings.exports_dir / "stock_south.json").read_text(encoding="utf-8")) == [
        {"sku": "A-1", "units": 7, "price": 1.50, "counted_at": None}
    ]
    report = (settings.exports_dir / "report.html").read_text(encoding="utf-8")
    assert "The latest count of each item in each store." in report
    rows = json.loads(status.stdout)
    assert {(row["file_name"], row["kind"], row["bundle"]) for row in rows} == {
        ("stock-1.csv", "shop_stock", "shop"),
        ("stock-2.csv", "shop_stock", "shop"),
    }


def test_a_turned_off_bundle_is_named_at_start_up_and_its_files_are_not_recognised(
    settings: Settings, empty_database: str
) -> None:
    settings.imports_dir.mkdir(parents=True)
    header = "resultId,raceId,driverId,position,fastestLapTime\n"
    (settings.imports_dir / "results.csv").write_text(header + "1,18,1,1,1:27.452\n", encoding="utf-8")
    env = {"DB_STRING_ASYNC": empty_database}

    off = run_main(
        settings, "--once", str(settings.imports_dir), DISABLED_BUNDLES="f1_season_stats", timeout=120, **env
    )
    typo = run_main(settings, "--once", str(settings.imports_dir), DISABLED_BUNDLES="f1", timeout=120, **env)

    assert off.returncode == 0, off.stdout
    assert "bundles=smart_meter bundles_off=f1_season_stats" in off.stdout
    assert "event=file_quarantined file=results.csv" in off.stdout and "no import service recognises" in off.stdout
    assert typo.returncode == 2 and "disabled_bundles names no bundle: f1 (bundles: f1_season_stats" in typo.stdout
