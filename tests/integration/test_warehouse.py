"""The warehouse and the analysis views, checked row for row against answers computed here in Python."""

import asyncio
import csv
import logging
import random
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Final

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.report import MAX_BARS
from services.warehouse import PIPELINE_LOCK_KEY, build_warehouse, warehouse_kinds
from tests.helpers import fetch_all
from tests.support.samples.job_titles import FileShape, GeneratedRow, write_job_titles

BASE_TITLES = [
    "account manager", "manager, sales", "sr. manager ii", "management consultant", "store managers",
    "c++ developer", "c# developer", "c developer", "r&d engineer", "owner/operator", "proprietário(a)",
    "realtor®", "sr. manager", "data analyst", "teacher", "nurse", "product manager", "chef", "driver",
    "office manager", "Ｆｕｌｌｗｉｄｔｈ analyst", "ﬁnance lead", "general manager", "manager", "cashier",
]  # fmt: skip
ONLY_RELATED = ["intern", "volunteer", "freelancer", "consultant"]


def normalise(title: str) -> str:
    """The warehouse's rule, written independently: NFKC, lower case, whitespace runs to one space, trimmed."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", unicodedata.normalize("NFKC", title).lower()).strip(" ")


def respell(rng: random.Random, title: str) -> str:
    """The same title as a messy file might write it."""
    spelled = rng.choice([title, title.upper(), title.title(), title.replace(" ", "  "), f"  {title}\u00a0"])
    return spelled


def messy_file(rng: random.Random, titles: list[str], rows: int) -> list[GeneratedRow]:
    """Rows with duplicates in other spellings, blank counts, blank titles and self-references."""
    result = []
    for _ in range(rows):
        title = rng.choice(titles)
        related = tuple(
            respell(rng, rng.choice([*BASE_TITLES, *ONLY_RELATED, title, "   "])) for _ in range(rng.randrange(0, 8))
        )
        count = None if rng.random() < 0.2 else rng.randrange(0, 10_000)
        written = "   " if rng.random() < 0.03 else respell(rng, title)
        result.append(GeneratedRow(written, count, related))
    return result


@dataclass
class ExpectedWarehouse:
    """What the warehouse must hold, computed from the files in load order."""

    counts: dict[str, int | None] = field(default_factory=dict)
    related: dict[str, list[str]] = field(default_factory=dict)
    left_out: int = 0

    def add_file(self, rows: list[GeneratedRow]) -> None:
        counts: dict[str, int | None] = {}
        related: dict[str, list[str]] = {}
        for row in rows:
            title = normalise(row.title.strip())
            if not title:
                self.left_out += 1
                continue
            if counts.get(title) is None:
                counts[title] = row.pdl_count
            names = related.setdefault(title, [])
            for raw in row.related:
                name = normalise(raw.strip())
                if name and name != title and name not in names:
                    names.append(name)
        self.counts.update(counts)
        self.related.update(related)

    def views(self) -> dict[str, list[tuple[object, ...]]]:
        by_count = sorted(((-len(v), t) for t, v in self.related.items()))[:10]
        with_count = {t: c for t, c in self.counts.items() if c is not None}
        managers = [c for t, c in with_count.items() if re.search(r"\bmanager\b", t)]
        average = (
            (Decimal(sum(managers)) / len(managers)).quantize(Decimal("0.01"), ROUND_HALF_UP) if managers else None
        )
        mentions = Counter(name for names in self.related.values() for name in names)
        return {
            "top_related_titles": [(t, -n) for n, t in by_count],
            "title_pdl_count": [(t, -c) for c, t in sorted((-c, t) for t, c in with_count.items())[:10]],
            "manager_titles": [(len(managers), average, sum(managers) if managers else None)],
            "most_common_related_titles": [(t, -n) for n, t in sorted((-n, t) for t, n in mentions.items())[:10]],
        }


async def _load(engine: AsyncEngine, settings: Settings, name: str, rows: list[GeneratedRow]) -> None:
    path = settings.imports_dir / name
    write_job_titles(path, rows, FileShape(ragged_every=5))
    assert await Ingestor(engine, settings).ingest(path) is Outcome.LOADED


async def _warehouse_state(engine: AsyncEngine) -> tuple[dict[str, int | None], dict[str, list[str]]]:
    facts = await fetch_all(
        engine,
        "SELECT d.title, f.pdl_count FROM datawarehouse.fact_title_popularity f JOIN datawarehouse.dim_job_title d "
        "USING (title_key)",
    )
    links = await fetch_all(
        engine,
        "SELECT t.title, r.title AS related FROM datawarehouse.bridge_related_title b "
        "JOIN datawarehouse.dim_job_title t ON t.title_key = b.title_key "
        "JOIN datawarehouse.dim_job_title r ON r.title_key = b.related_title_key ORDER BY t.title, b.position",
    )
    related: dict[str, list[str]] = {row["title"]: [] for row in facts}
    for link in links:
        related[link["title"]].append(link["related"])
    return {row["title"]: row["pdl_count"] for row in facts}, related


DW = "datawarehouse"
LISTS_UNNESTED = (
    f"SELECT r.title_key, k.key, k.position, r.file_id FROM {DW}.fact_related_titles r, "
    "unnest(r.related_title_keys) WITH ORDINALITY k (key, position)"
)
BRIDGE = f"SELECT title_key, related_title_key, position, file_id FROM {DW}.bridge_related_title"
INTEGRITY_CHECKS = {
    "counts without a title": f"SELECT count(*) AS n FROM {DW}.fact_title_popularity f "
    f"LEFT JOIN {DW}.dim_job_title d USING (title_key) WHERE d.title_key IS NULL",
    "related lists without a title": f"SELECT count(*) AS n FROM {DW}.fact_related_titles r "
    f"LEFT JOIN {DW}.dim_job_title d USING (title_key) WHERE d.title_key IS NULL",
    "titles with a count and no related list, or the other way round": "SELECT count(*) AS n "
    f"FROM {DW}.fact_title_popularity f FULL JOIN {DW}.fact_related_titles r USING (title_key) "
    "WHERE f.title_key IS NULL OR r.title_key IS NULL OR f.file_id <> r.file_id",
    "related keys without a title": f"SELECT count(*) AS n FROM ({LISTS_UNNESTED}) AS links "
    f"LEFT JOIN {DW}.dim_job_title d ON d.title_key = links.key WHERE d.title_key IS NULL",
    "repeated or self-referencing related keys": f"SELECT count(*) AS n FROM {DW}.fact_related_titles r "
    "WHERE r.title_key = ANY (r.related_title_keys) "
    "OR cardinality(r.related_title_keys) <> (SELECT count(DISTINCT k) FROM unnest(r.related_title_keys) k)",
    "bridge rows that differ from the lists": "SELECT count(*) AS n FROM "
    f"(({BRIDGE} EXCEPT ALL {LISTS_UNNESTED}) UNION ALL ({LISTS_UNNESTED} EXCEPT ALL {BRIDGE})) AS differences",
    "titles whose positions are not 1..n": f"SELECT count(*) AS n FROM ({BRIDGE}) AS bridge GROUP BY title_key "
    "HAVING max(position) <> count(*) OR min(position) <> 1",
}


async def _assert_integrity(engine: AsyncEngine) -> None:
    """What foreign keys would have checked (arrays cannot have them), lists without repeats, and the bridge view."""
    found = {name: [row["n"] for row in await fetch_all(engine, sql)] for name, sql in INTEGRITY_CHECKS.items()}
    assert {name: counts for name, counts in found.items() if any(counts)} == {}


async def _views(engine: AsyncEngine, names: list[str]) -> dict[str, list[tuple[object, ...]]]:
    result = {}
    async with engine.connect() as conn:
        for name in names:
            rows = await conn.execute(text(f"SELECT * FROM datawarehouse.{name}"))
            result[name] = [tuple(row) for row in rows]
    return result


async def test_the_warehouse_and_views_match_an_independent_computation(
    engine: AsyncEngine, settings: Settings
) -> None:
    rng = random.Random(7)
    expected = ExpectedWarehouse()
    for week, titles in enumerate([BASE_TITLES, BASE_TITLES[:12], BASE_TITLES[8:20]]):
        rows = messy_file(rng, titles, 400)
        await _load(engine, settings, f"week{week}.csv", rows)
        expected.add_file(rows)

    totals = await build_warehouse(engine, settings)
    views = await run_analysis(engine, settings)

    assert totals["files_processed"] == 3
    assert totals["rows_left_out_blank_title"] == expected.left_out > 0
    counts, related = await _warehouse_state(engine)
    assert counts == expected.counts
    assert related == expected.related
    await _assert_integrity(engine)
    dims = {row["title"] for row in await fetch_all(engine, "SELECT title FROM datawarehouse.dim_job_title")}
    assert set(ONLY_RELATED) <= dims
    assert {"c++ developer", "c# developer", "c developer", "sr. manager", "fullwidth analyst"} <= dims
    wanted = expected.views()
    assert {view.name: list(view.rows) for view in views if view.name in wanted} == wanted
    assert [view.rows for view in views if view.name == "daily_consumption"] == [()]  # no meter files here
    assert await _views(engine, list(wanted)) == wanted


async def test_running_the_pipeline_again_changes_nothing(engine: AsyncEngine, settings: Settings) -> None:
    await _load(engine, settings, "one.csv", messy_file(random.Random(1), BASE_TITLES, 200))
    await build_warehouse(engine, settings)
    before = await _warehouse_state(engine)
    keys = await fetch_all(engine, "SELECT * FROM datawarehouse.dim_job_title ORDER BY title_key")

    again = await build_warehouse(engine, settings)
    once_more = await build_warehouse(engine, settings)

    assert again["files_processed"] == once_more["files_processed"] == 0
    assert await _warehouse_state(engine) == before
    assert await fetch_all(engine, "SELECT * FROM datawarehouse.dim_job_title ORDER BY title_key") == keys


async def test_a_later_file_wins_for_its_titles_and_others_keep_their_values(
    engine: AsyncEngine, settings: Settings
) -> None:
    await _load(engine, settings, "first.csv", [GeneratedRow("a", 1, ("x", "y")), GeneratedRow("b", 2, ("z",))])
    await build_warehouse(engine, settings)
    await _load(engine, settings, "second.csv", [GeneratedRow("A ", None, ("w",)), GeneratedRow("c", 3, ())])

    totals = await build_warehouse(engine, settings)

    counts, related = await _warehouse_state(engine)
    assert counts == {"a": None, "b": 2, "c": 3}
    assert related == {"a": ["w"], "b": ["z"], "c": []}
    await _assert_integrity(engine)
    assert (totals["titles_inserted"], totals["titles_updated"]) == (1, 1)


async def test_every_folder_of_sql_warehouse_is_a_kind_and_one_without_loaded_files_is_skipped(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, sql_dir)
    for folder, statement in {
        "widgets": "INSERT INTO pipeline_files (file_id, kind, rows_in, rows_left_out) "
        "VALUES (:file_id, 'widgets', 0, 0) RETURNING 1 AS widgets_built",
        "gadgets": "SELECT 1 / 0",  # would fail if it ran: no gadgets file is loaded
        ".drafts": "SELECT 1 / 0",  # hidden: not a kind
        "_shared": "SELECT 1 / 0",  # steps that kinds share: not a kind of its own, and no kind here uses it
    }.items():
        (sql_dir / "warehouse" / folder).mkdir()
        (sql_dir / "warehouse" / folder / "010_build.sql").write_text(f"{statement};\n", encoding="utf-8")
    (sql_dir / "warehouse" / "notes.txt").write_text("a file is not a kind\n", encoding="utf-8")
    custom = settings.model_copy(update={"sql_dir": sql_dir})
    await _load(engine, custom, "one.csv", [GeneratedRow("a", 1, ("b",))])
    async with engine.begin() as conn:
        ledger_row = (
            "INSERT INTO staging.file_loads (file_name, kind, status, worker) VALUES ('w', 'widgets', 'loaded', 't')"
        )
        await conn.execute(text(ledger_row))

    totals = await build_warehouse(engine, custom)

    assert warehouse_kinds(settings.sql_dir / "warehouse") == ["job_titles", "leads", "nem12", "nem13"]
    assert warehouse_kinds(sql_dir / "warehouse") == ["gadgets", "job_titles", "leads", "nem12", "nem13", "widgets"]
    assert (totals["files_processed"], totals["widgets_built"]) == (2, 1)
    built = await fetch_all(engine, "SELECT kind FROM datawarehouse.pipeline_files ORDER BY file_id")
    assert [row["kind"] for row in built] == ["job_titles", "widgets"]


async def _until_a_session_waits_for_an_advisory_lock(engine: AsyncEngine, timeout: float = 30.0) -> None:
    """Poll pg_locks until some session is queued on an advisory lock (not a fixed sleep: a busy machine is slow)."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        async with engine.connect() as conn:
            if (await conn.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no session waited for an advisory lock within {timeout} s")


async def test_a_second_pipeline_run_waits_for_the_first(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await _load(engine, settings, "one.csv", [GeneratedRow("a", 1, ("b",))])
    caplog.set_level(logging.INFO)
    async with engine.begin() as holder:
        await holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PIPELINE_LOCK_KEY})
        waiting = asyncio.create_task(build_warehouse(engine, settings))
        await _until_a_session_waits_for_an_advisory_lock(engine)
        assert not waiting.done()
    totals = await waiting

    assert totals["files_processed"] == 1
    assert any("event=waiting_for_lock" in record.getMessage() for record in caplog.records)


# The exports of sql/analysis/ alone: the shipped bundles' views have tests of their own (test_bundles.py).
WITHOUT_BUNDLES: Final = {"disabled_bundles": ("f1_season_stats", "smart_meter")}


async def test_exports_and_report_match_the_views(engine: AsyncEngine, settings: Settings) -> None:
    settings = settings.model_copy(update=WITHOUT_BUNDLES)
    await _load(engine, settings, "one.csv", messy_file(random.Random(3), BASE_TITLES, 300))
    await build_warehouse(engine, settings)

    views = await run_analysis(engine, settings)

    report = (settings.exports_dir / "report.html").read_text(encoding="utf-8")
    assert len([view for view in views if view.rows]) == 4  # the job-title views; the meter and lead ones are empty
    assert report.count("<svg ") == 3  # the three top-10 lists; manager_titles, one row, is figure cards
    assert report.count("<section") == len(views) + 1 == 8  # the loads, then each view
    assert "://" not in report and "<script" not in report
    for view in views:
        with open(settings.exports_dir / f"{view.name}.csv", encoding="utf-8", newline="") as stream:
            header, *rows = list(csv.reader(stream))
        assert tuple(header) == view.columns
        assert rows == [["" if v is None else str(v) for v in row] for row in view.rows]
        assert view.row_count == len(rows)
        assert rows or view.name in {"daily_consumption", "lead_changes", "new_leads"}, f"{view.name} is empty"
    assert not list(Path(settings.exports_dir).glob(".*.tmp"))


ODD_VALUES_VIEW = r"""
CREATE OR REPLACE VIEW odd_values AS
SELECT * FROM (VALUES
    (1, 'plain', 1.50::numeric, DATE '2026-01-02', NULL::text),
    (2, 'a,b "c"', 0.0000001::numeric, DATE '2026-12-31', ''),
    (3, E'two\nlines', NULL, NULL, E'cr\r\nlf'),
    (4, 'données €', 12345678901234567890.12::numeric, NULL, '\.')
) AS t (id, label, amount, day, note)
ORDER BY id;
"""
MANY_ROWS_VIEW = (
    "CREATE OR REPLACE VIEW many_rows AS SELECT n, 'row ' || n AS label FROM generate_series(1, 1000) AS n ORDER BY n;"
)


async def test_exports_are_written_by_the_server_and_the_report_reads_only_its_rows(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    analysis = tmp_path / "sql" / "analysis"
    analysis.mkdir(parents=True)
    (analysis / "010_odd_values.sql").write_text(ODD_VALUES_VIEW, encoding="utf-8")
    (analysis / "020_many_rows.sql").write_text(MANY_ROWS_VIEW, encoding="utf-8")
    custom = settings.model_copy(update={"sql_dir": tmp_path / "sql", **WITHOUT_BUNDLES})

    odd, many = await run_analysis(engine, custom)

    assert (custom.exports_dir / "odd_values.csv").read_bytes() == (
        b"id,label,amount,day,note\n"
        b"1,plain,1.50,2026-01-02,\n"  # NULL: nothing
        b'2,"a,b ""c""",0.0000001,2026-12-31,""\n'  # an empty string: "", so it differs from NULL
        b'3,"two\nlines",,,"cr\r\nlf"\n'
        b"4,donn\xc3\xa9es \xe2\x82\xac,12345678901234567890.12,,\\.\n"
    )
    assert odd.row_count == len(odd.rows) == 4
    with open(custom.exports_dir / "many_rows.csv", encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    assert (header, rows[0], rows[-1], len(rows)) == (["n", "label"], ["1", "row 1"], ["1000", "row 1000"], 1000)
    assert (many.columns, many.row_count, len(many.rows), many.rows[-1]) == (
        ("n", "label"),
        1000,
        MAX_BARS,
        (MAX_BARS, f"row {MAX_BARS}"),
    )
    report = (custom.exports_dir / "report.html").read_text(encoding="utf-8")
    assert f"The first {MAX_BARS} of 1,000 rows; many_rows.csv has all." in report
    assert sorted(path.name for path in custom.exports_dir.iterdir()) == [
        "many_rows.csv", "meter_readings.sql", "odd_values.csv", "report.html"
    ]  # fmt: skip


async def test_analysis_of_an_empty_warehouse_writes_empty_exports_and_says_so(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    views = await run_analysis(engine, settings)

    assert [view.name for view in views] == [
        "top_related_titles",
        "title_pdl_count",
        "manager_titles",
        "most_common_related_titles",
        "daily_consumption",
        "lead_changes",
        "new_leads",
        "season_stats",  # then the views of the shipped bundles (on by default), bundle by bundle in name order
        "active_agreements",
        "half_hourly_consumption",
        "daily_product_consumption",
    ]
    header = (settings.exports_dir / "top_related_titles.csv").read_bytes()
    assert header == b"job_title,related_title_count\n"  # as Postgres writes CSV: LF line ends
    assert any("event=analysis_empty" in record.getMessage() for record in caplog.records)


TRICKY_CHARACTERS = (
    "aZ é É ß İ ǅ ﬁ Ａｚ ① ½ ㎏ ℌ Ω Å \u00a0\u2003\u3000\u200b\u0301\u0327 \t\n\r\f\v  ,.-/&®()'\"ı ǈ ᾈ ﬀ ſ 한가"
)
RULE_OF_REVISION_0001 = "btrim(regexp_replace(lower(normalize(raw, NFKC)), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' ')"


async def test_normalize_title_gives_the_same_titles_as_the_rule_it_speeds_up(engine: AsyncEngine) -> None:
    rng = random.Random(19)
    samples = ["".join(rng.choice(TRICKY_CHARACTERS) for _ in range(rng.randrange(0, 12))) for _ in range(5000)]
    samples += ["already normal", "two  spaces", "tab\there", " padded ", "UPPER", "", "ﬁnance"]

    rows = await fetch_all(
        engine,
        f"SELECT raw, datawarehouse.normalize_title(raw) AS fast, {RULE_OF_REVISION_0001} AS rule "
        "FROM unnest(CAST(:samples AS text[])) AS raw",
        samples=samples,
    )

    assert [row["raw"] for row in rows if row["fast"] != row["rule"]] == []
    assert sum(row["fast"] != row["raw"] for row in rows) > 4000  # most samples needed the full rule
