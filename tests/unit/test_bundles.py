"""Kind bundles as read from their folders: the shipped two, the manifest's rules, turned-off bundles, view order."""

from pathlib import Path

import pytest

from core.config import Settings
from core.errors import ConfigError
from services.bundles import catalogue_for, load_catalogue
from services.declarations import SHIPPED_KINDS_DIR
from services.presentation import DEFAULT_PRESENTATION, parse_presentation

KIND = """
kind = "{kind}"
formats = ["csv"]
key = ["sku"]
replace_by_key = true

[[columns]]
name = "sku"
type = "text"
required = true

[[columns]]
name = "units"
type = "integer"
"""


def write_bundle(
    folder: Path, name: str, manifest: str = "", kinds: tuple[str, ...] = (), views: dict[str, str] | None = None
) -> Path:
    bundle = folder / name
    (bundle / "views").mkdir(parents=True)
    (bundle / "bundle.toml").write_text(manifest, encoding="utf-8")
    for kind in kinds:
        (bundle / f"{kind}.toml").write_text(KIND.format(kind=kind), encoding="utf-8")
    for file_name, query in (views or {}).items():
        (bundle / "views" / file_name).write_text(query, encoding="utf-8")
    return bundle


def test_the_shipped_bundles_declare_their_kinds_views_and_exports() -> None:
    catalogue = load_catalogue([SHIPPED_KINDS_DIR])

    assert [bundle.name for bundle in catalogue.bundles] == ["f1_season_stats", "smart_meter"]
    assert [kind.kind for kind in catalogue.loose] == [
        "leads",
        "leads_nevada_dpbh",
        "leads_oklahoma_ohs",
        "leads_texas_dhhs",
    ]
    assert catalogue.bundle_of == {
        "f1_races": "f1_season_stats",
        "f1_results": "f1_season_stats",
        "smart_meter_agreements": "smart_meter",
        "smart_meter_meterpoints": "smart_meter",
        "smart_meter_products": "smart_meter",
        "smart_meter_readings": "smart_meter",
    }
    exports = {view.name: (view.manifest.format, view.file.text, view.file.columns) for view in catalogue.views()}
    assert exports == {
        "season_stats": ("json", "stats_{year}.json", ("year",)),
        "active_agreements": ("csv", "active_agreements.csv", ()),
        "half_hourly_consumption": ("csv", "half_hourly_consumption.csv", ()),
        "daily_product_consumption": ("csv", "daily_product_consumption.csv", ()),
    }
    readings = next(kind for kind in catalogue.declarations if kind.kind == "smart_meter_readings")
    assert readings.replace_by_key and readings.key == ("meterpoint_id", "interval_start")


def test_a_turned_off_bundle_keeps_its_kinds_for_migrations_but_they_are_not_recognised() -> None:
    catalogue = catalogue_for(Settings(_env_file=None, disabled_bundles="smart_meter"))

    assert [bundle.name for bundle in catalogue.enabled_bundles] == ["f1_season_stats"]
    assert "smart_meter_readings" not in {kind.kind for kind in catalogue.declarations}
    assert "smart_meter_readings" in {kind.kind for kind in catalogue.all_declarations}
    assert [view.name for view in catalogue.views()] == ["season_stats"]


def test_turning_off_a_bundle_that_does_not_exist_is_refused_naming_the_bundles() -> None:
    with pytest.raises(ConfigError, match=r"disabled_bundles names no bundle: smartmeter \(bundles: f1_season_stats"):
        load_catalogue([SHIPPED_KINDS_DIR], ["smartmeter"])


def test_the_setting_takes_comma_separated_names() -> None:
    settings = Settings(_env_file=None, disabled_bundles=" smart_meter, f1_season_stats ,")

    assert settings.disabled_bundles == ("smart_meter", "f1_season_stats")


def test_views_are_made_after_the_views_they_read_whatever_their_numbers(tmp_path: Path) -> None:
    write_bundle(
        tmp_path,
        "shop",
        kinds=("shop_stock",),
        views={
            "010_totals.sql": "SELECT sum(units) AS units FROM stock_by_sku",
            "020_stock_by_sku.sql": 'SELECT sku, units FROM "Current Stock"',
            "030_Current Stock.sql": "SELECT 1",  # not a view name: refused below
        },
    )

    with pytest.raises(ConfigError, match=r"must be named NNN_<view name>\.sql"):
        load_catalogue([tmp_path])
    (tmp_path / "shop" / "views" / "030_Current Stock.sql").unlink()
    (tmp_path / "shop" / "views" / "005_current_stock.sql").write_text("SELECT * FROM current_shop_stock")
    (tmp_path / "shop" / "views" / "020_stock_by_sku.sql").write_text("SELECT sku, units FROM current_stock")

    views = load_catalogue([tmp_path]).views()

    assert [view.name for view in views] == ["current_stock", "stock_by_sku", "totals"]


def test_views_that_read_each_other_in_a_cycle_are_refused_naming_them(tmp_path: Path) -> None:
    write_bundle(tmp_path, "loop", views={"010_a.sql": "SELECT * FROM b", "020_b.sql": "SELECT * FROM a"})

    with pytest.raises(ConfigError, match=r"cycle.*loop/views/010_a.sql reads b.*loop/views/020_b.sql reads a"):
        load_catalogue([tmp_path])


@pytest.mark.parametrize(
    ("query", "is_refused"),
    [
        ("-- a comment\nSELECT 1", False),
        ("WITH x AS (SELECT 1 AS n) SELECT n FROM x;", False),
        ("(SELECT 1) UNION (SELECT 2)", False),
        ("CREATE VIEW v AS SELECT 1", True),
        ("SELECT 1; SELECT 2", True),
        ("DELETE FROM staging.leads", True),
        ("-- nothing", True),
    ],
)
def test_a_view_file_holds_exactly_one_query(tmp_path: Path, query: str, is_refused: bool) -> None:
    write_bundle(tmp_path, "one", views={"010_v.sql": query})

    if is_refused:
        with pytest.raises(ConfigError, match="holds exactly one query"):
            load_catalogue([tmp_path])
    else:
        assert [view.name for view in load_catalogue([tmp_path]).views()] == ["v"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('[views.v]\nformat = "xml"', "views.v.format: Input should be 'csv' or 'json'"),
        ('[views.v]\nfile = "v.json"', "must be a plain file name ending in .csv"),
        ('[views.v]\nformat = "json"\nfile = "../v.json"', "not hidden or in a folder"),
        ('[views.v]\nfile = ".v.csv"', "not hidden or in a folder"),
        ('[views.v]\nfile = "v_{year:04}.csv"', "a placeholder is a view column's name in braces"),
        ('[views.v]\nfile = "v_{year.csv"', "is not a valid name template"),
        ('[views.w]\ndescription = "no such view"', "views w have no file in views/"),
        ("[views.v]\ncolour = 1", "views.v.colour: Extra inputs are not permitted"),
        ('title = "x"', "title: Extra inputs are not permitted"),
        ("views = [", "not valid TOML"),
    ],
)
def test_a_broken_manifest_names_the_file_the_field_and_the_reason(tmp_path: Path, manifest: str, message: str) -> None:
    write_bundle(tmp_path, "one", manifest, views={"010_v.sql": "SELECT 1 AS year"})

    with pytest.raises(ConfigError, match=r"bundle\.toml") as raised:
        load_catalogue([tmp_path])

    assert message in str(raised.value)


def test_a_view_declares_its_export_and_presentation_in_the_reports_vocabulary(tmp_path: Path) -> None:
    manifest = (
        '[views.v]\nformat = "json"\nfile = "v_{region}_{year}.json"\ndescription = "Per region."\n'
        'chart = { kind = "timeseries", x = "day", y = "kwh", series = "region", formats = { kwh = "kwh" } }\n'
    )
    write_bundle(tmp_path, "one", manifest, views={"010_v.sql": "SELECT 1", "020_w.sql": "SELECT 2"})

    v, w = load_catalogue([tmp_path]).views()

    assert (v.file.columns, v.file.render({"region": "East", "year": "2024"})) == (
        ("region", "year"),
        "v_East_2024.json",
    )
    assert v.presentation == parse_presentation(
        "v",
        {"chart": "timeseries", "about": "Per region.", "x": "day", "y": "kwh", "series": "region",
         "formats": {"kwh": "kwh"}},
        "test",
    )  # fmt: skip
    assert (w.manifest.format, w.file.text, w.presentation) == ("csv", "w.csv", DEFAULT_PRESENTATION)


def test_a_chart_the_report_cannot_draw_stops_start_up_naming_the_view(tmp_path: Path) -> None:
    manifest = '[views.v]\nchart = { kind = "pie" }\n'
    write_bundle(tmp_path, "one", manifest, views={"010_v.sql": "SELECT 1 AS x"})

    with pytest.raises(ConfigError, match=r"the presentation of view 'v' is invalid: chart"):
        load_catalogue([tmp_path])


@pytest.mark.parametrize("value", [None, "", "  ", "a/b", "..", ".hidden", "a\\b", "tab\there"])
def test_a_value_that_cannot_be_part_of_a_file_name_is_refused(tmp_path: Path, value: str | None) -> None:
    write_bundle(tmp_path, "one", '[views.v]\nfile = "v_{k}.csv"', views={"010_v.sql": "SELECT 1 AS k"})
    [view] = load_catalogue([tmp_path]).views()

    with pytest.raises(ValueError, match="column 'k'"):
        view.file.render({"k": value})


def test_names_that_must_be_unique_across_bundles_are_refused_twice(tmp_path: Path) -> None:
    write_bundle(tmp_path / "a", "one", kinds=("stock",), views={"010_v.sql": "SELECT 1"})
    write_bundle(tmp_path / "b", "two", kinds=("stock",))
    write_bundle(tmp_path / "c", "three", views={"010_v.sql": "SELECT 1"})
    write_bundle(tmp_path / "d", "four", '[views.x]\nfile = "v.csv"', views={"010_x.sql": "SELECT 1"})

    with pytest.raises(ConfigError, match="kind stock is declared twice"):
        load_catalogue([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(ConfigError, match="view v is made by two bundles"):
        load_catalogue([tmp_path / "a", tmp_path / "c"])
    with pytest.raises(ConfigError, match=r"export file v\.csv is written by two views"):
        load_catalogue([tmp_path / "a", tmp_path / "d"])
    with pytest.raises(ConfigError, match="bundle one exists twice"):
        load_catalogue([tmp_path / "a", tmp_path / "a"])


def test_warehouse_folders_are_named_after_kinds_of_the_bundle(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path, "shop", kinds=("shop_stock",))
    (bundle / "warehouse" / "shop_stock").mkdir(parents=True)
    (bundle / "warehouse" / "010_count.sql").write_text("SELECT count(*) AS n FROM shop_stock WHERE file_id = :file_id")
    (bundle / "warehouse" / "shop_stock" / "005_first.sql").write_text("SELECT 1 AS first")

    [shop] = load_catalogue([tmp_path]).bundles

    assert [step.file_name for step in shop.warehouse_steps("shop_stock")] == ["005_first.sql", "010_count.sql"]
    (bundle / "warehouse" / "widgets").mkdir()
    with pytest.raises(ConfigError, match="a folder in warehouse/ is named after a kind of this bundle"):
        load_catalogue([tmp_path])


def test_folders_without_a_manifest_are_not_bundles_and_a_bundle_name_is_an_identifier(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "x.toml").write_text("not a kind")

    assert load_catalogue([tmp_path]).bundles == ()
    write_bundle(tmp_path, "Shop-Bundle")
    with pytest.raises(ConfigError, match="a bundle's folder name is its name"):
        load_catalogue([tmp_path])
