"""Presentation specs: how a view is drawn is declared as data, validated, and falls back to a table."""

import tomllib
from pathlib import Path

import pytest

from core.errors import ConfigError
from services.presentation import (
    DEFAULT_PRESENTATION,
    PRESENTATION_KEYS,
    REPORT_SPEC_FILE,
    load_presentations,
    parse_presentation,
    parse_presentations,
    presentation_for,
)
from services.sql_steps import view_name

ANALYSIS_DIR = Path(__file__).resolve().parents[2] / "sql" / "analysis"


def test_a_time_series_spec_reads_its_roles_and_formats() -> None:
    spec = parse_presentation(
        "daily",
        {"chart": "timeseries", "x": "day", "y": "kwh", "series": "nmi", "formats": {"kwh": "kwh"}},
        "report.toml",
    )

    assert (spec.chart, spec.x, spec.y, spec.series, spec.top) == ("timeseries", "day", ("kwh",), "nmi", 5)
    assert spec.formats == {"kwh": "kwh"}
    assert spec.missing_columns(("nmi", "day")) == ["kwh"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"chart": "pie"}, "chart: Input should be"),
        ({"chart": "timeseries", "y": "kwh"}, "a timeseries chart needs x"),
        ({"chart": "bars", "label": "title", "y": ["a", "b"]}, "exactly one y column"),
        ({"chart": "table", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"chart": "table", "formats": {"n": "money"}}, "formats.n: Input should be"),
        ({"chart": "timeseries", "x": "d", "y": "v", "top": 0}, "top: Input should be greater than or equal to 1"),
    ],
)
def test_a_broken_spec_names_the_file_the_view_and_the_field(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=r"report\.toml: the presentation of view 'daily' is invalid") as raised:
        parse_presentation("daily", table, "report.toml")

    assert message in str(raised.value)


def test_a_spec_file_holds_only_views_tables() -> None:
    with pytest.raises(ConfigError, match=r"expected only \[views.<name>\] tables"):
        parse_presentations({"view": {"daily": {}}}, "report.toml")
    with pytest.raises(ConfigError, match=r"views.daily must be a table"):
        parse_presentations({"views": {"daily": "table"}}, "report.toml")


def test_a_view_without_a_spec_is_a_table() -> None:
    assert presentation_for("anything", {}) == DEFAULT_PRESENTATION
    assert DEFAULT_PRESENTATION.chart == "table"


def test_a_bundle_can_keep_its_own_keys_beside_the_presentation_keys() -> None:
    bundle_table = {"export": "json", "file": "stats_{year}.json", "chart": "bars", "label": "driver", "y": "wins"}

    spec = parse_presentation("stats", {k: v for k, v in bundle_table.items() if k in PRESENTATION_KEYS}, "bundle")

    assert (spec.chart, spec.label, spec.y) == ("bars", "driver", ("wins",))


def test_a_folder_without_a_spec_file_has_no_specs(tmp_path: Path) -> None:
    assert load_presentations(tmp_path) == {}
    (tmp_path / REPORT_SPEC_FILE).write_text("[views.x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_presentations(tmp_path)


def test_the_shipped_specs_are_valid_and_describe_every_shipped_view() -> None:
    specs = load_presentations(ANALYSIS_DIR)
    views = {view_name(path.name) for path in ANALYSIS_DIR.glob("*.sql")}

    assert set(specs) == views
    assert all(spec.about.endswith(".") for spec in specs.values())
    assert tomllib.loads((ANALYSIS_DIR / REPORT_SPEC_FILE).read_text(encoding="utf-8"))["views"]
