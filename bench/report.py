"""Turning samples into figures (median, min, max, ratio to the typed COPY limit of their kind, target met or not)
and writing them.

Pure except for `machine_facts` (reads /proc), `source_facts` (asks git) and the writers at the bottom.
"""

import json
import os
import platform
import re
import statistics
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

README_SECTION: Final = "latest-results"
NEM12_README_SECTION: Final = "nem12-results"
TYPED_LIMIT_KEY: Final = "limit_typed_s"
NEM12_LIMIT_KEY: Final = "nem12_limit_s"
LOAD_RATIO_TARGET: Final = 1.15
NEM12_LOAD_RATIO_TARGET: Final = 1.5
RSS_TARGET_MB: Final = 150.0
RSS_GROWTH_TARGET: Final = 1.10
SMALL_LATENCY_TARGET_SECONDS: Final = 0.3
PIPELINE_RATIO_TARGET: Final = 3.0
INCREMENTAL_TARGET_SECONDS: Final = 2.0
BURST_TARGET_FILES_PER_S: Final = 150.0
PARSER_OVER_COPY_TARGET: Final = 2.0  # the client must make COPY data well over twice as fast as the server takes it


@dataclass(frozen=True)
class Spec:
    """How one figure is shown: label (with `{rows}`-style fields), unit, and whether a ratio to COPY makes sense
    (to the typed COPY limit of the same kind: `ratio_to`)."""

    key: str
    label: str
    unit: str
    has_ratio: bool = False
    ratio_to: str = TYPED_LIMIT_KEY


@dataclass(frozen=True)
class Figure:
    """One measured figure over all runs."""

    key: str
    label: str
    unit: str
    values: tuple[float, ...]
    median: float
    low: float
    high: float
    ratio_to_typed_copy: float | None
    target: str
    is_met: bool | None


SPECS: Final = (
    Spec("limit_text_s", "limit: COPY of the {rows}-row file into 21 text columns", "s", True),
    Spec("limit_typed_s", "limit: COPY of the typed twin into (title, pdl_count bigint, related text[])", "s", True),
    Spec("limit_staging_shaped_s", "limit: COPY of the typed twin shaped like staging.job_titles", "s", True),
    Spec("parser_s", "the parser alone, {rows} rows, no database: wall time", "s", True),
    Spec("parser_cpu_s", "the parser alone: CPU time", "s", True),
    Spec("parser_rows_per_s", "the parser alone: rows per second (wall)", "rows/s"),
    Spec("parser_over_copy", "the parser's rate / the typed COPY's rate, same run", "x"),
    Spec("watch_e2e_s", "ours, --watch, {rows} rows: rename -> commit, minus settle", "s", True),
    Spec("watch_log_e2e_s", "ours, --watch: rename -> file_loaded log line, minus settle", "s", True),
    Spec("watch_service_s", "ours, --watch: the service's own seconds= (hash, parse, COPY)", "s", True),
    Spec("once_wall_s", "ours, --once, {rows} rows: process wall time (start-up, migration check, settle)", "s", True),
    Spec("once_service_s", "ours, --once: the service's own seconds=", "s", True),
    Spec("watch_peak_rss_mb", "peak RSS of the watcher's process tree, {rows} rows", "MB"),
    Spec("medium_peak_rss_mb", "peak RSS of the watcher's process tree, {medium_rows} rows", "MB"),
    Spec("rss_growth_ratio", "peak RSS {rows} rows / peak RSS {medium_rows} rows", "x"),
    Spec("watch_idle_rss_mb", "RSS of the idle watcher just before the drop", "MB"),
    Spec("once_peak_rss_mb", "peak RSS of --once, {rows} rows", "MB"),
    Spec("medium_e2e_s", "ours, --watch, {medium_rows} rows: rename -> commit, minus settle", "s"),
    Spec("small_latency_s", "{small_rows}-row file: settled -> committed (watcher running)", "s"),
    Spec("pipeline_full_s", "--pipeline on {rows} staged rows: its seconds=", "s", True),
    Spec("pipeline_full_wall_s", "--pipeline on {rows} staged rows: process wall time", "s", True),
    Spec("pipeline_full_peak_rss_mb", "peak RSS of --pipeline on {rows} staged rows", "MB"),
    Spec("analysis_big_wall_s", "--analysis after that build: process wall time", "s"),
    Spec("analysis_peak_rss_mb", "peak RSS of --analysis", "MB"),
    Spec("drop_to_views_big_s", "drop -> views ready, {rows} rows: rename -> commit, --pipeline, --analysis", "s"),
    Spec("status_wall_s", "--status after that: process wall time", "s"),
    Spec("status_peak_rss_mb", "peak RSS of --status", "MB"),
    Spec("pipeline_incremental_s", "--pipeline after one more {small_rows}-row file: its seconds=", "s"),
    Spec("pipeline_incremental_wall_s", "--pipeline after one more {small_rows}-row file: wall time", "s"),
    Spec("pipeline_incremental_peak_rss_mb", "peak RSS of that incremental --pipeline", "MB"),
    *(
        Spec(f"scale_{n}_{what}", f"scale, {n} watcher{'s' if n > 1 else ''}: {label}", unit)
        for n in (1, 2, 3)
        for what, label, unit in (
            ("s", "{scale_files} files x {scale_rows} rows, first rename -> last commit", "s"),
            ("files_per_s", "files per second", "files/s"),
            ("rows_per_s", "rows per second", "rows/s"),
        )
    ),
    Spec(
        "nem12_limit_s",
        "NEM12 limit: COPY of the {nem12_readings} typed readings into a table LIKE staging.nem12",
        "s",
        True,
        NEM12_LIMIT_KEY,
    ),
    Spec("nem12_limit_readings_per_s", "NEM12 limit: readings per second", "readings/s"),
    Spec(
        "nem12_watch_e2e_s",
        "NEM12 ours, --watch, {nem12_nmis} NMIs x {nem12_days} days of 30-min data: rename -> commit, minus settle",
        "s",
        True,
        NEM12_LIMIT_KEY,
    ),
    Spec(
        "nem12_watch_service_s",
        "NEM12 ours, --watch: the service's own seconds= (hash, parse, COPY)",
        "s",
        True,
        NEM12_LIMIT_KEY,
    ),
    Spec("nem12_watch_readings_per_s", "NEM12 ours, --watch: readings per second (rename -> commit)", "readings/s"),
    Spec("nem12_peak_rss_mb", "NEM12 peak RSS of the watcher's process tree", "MB"),
    Spec("nem12_idle_rss_mb", "NEM12 RSS of the idle watcher just before the drop", "MB"),
    Spec("burst_s", "burst: {burst_files} files x {burst_rows} rows renamed in at once, rename -> last commit", "s"),
    Spec("burst_files_per_s", "burst: files per second (each loaded exactly once)", "files/s"),
)
LOAD_AVERAGE_SPEC: Final = Spec("load_average_1min", "machine: 1-minute load average as each run began", "load")
# Judged on the worst run: the watcher's, and every command's.
PEAK_RSS_KEYS: Final = frozenset(
    {
        "watch_peak_rss_mb",
        "nem12_peak_rss_mb",
        "once_peak_rss_mb",
        "pipeline_full_peak_rss_mb",
        "pipeline_incremental_peak_rss_mb",
        "analysis_peak_rss_mb",
        "status_peak_rss_mb",
    }
)


def step_specs(samples: Mapping[str, Sequence[float]]) -> tuple[Spec, ...]:
    """One figure per step of the full build (its `event=warehouse_step` seconds), in step order."""
    keys = sorted(key for key in samples if key.startswith("full_step_"))
    steps = {key: key.removeprefix("full_step_").removesuffix("_s") for key in keys}
    return tuple(Spec(key, f"full --pipeline, step {step}", "s") for key, step in steps.items())


def drop_specs(drop_rows: Sequence[int]) -> tuple[Spec, ...]:
    """The drop -> views ready figures of each extra size dropped into an empty warehouse."""
    parts = (
        ("load_s", "rename -> commit (settle included)"),
        ("pipeline_wall_s", "--pipeline wall time"),
        ("analysis_wall_s", "--analysis wall time"),
        ("to_views_s", "drop -> views ready"),
    )
    return tuple(
        Spec(f"drop_{rows}_{key}", f"{rows:,} rows into an empty warehouse: {label}", "s")
        for rows in drop_rows
        for key, label in parts
    )


Verdict = tuple[str, bool]


def _judge_load(medians: Mapping[str, float]) -> Verdict:
    limit = LOAD_RATIO_TARGET * medians[TYPED_LIMIT_KEY]
    return f"<= {LOAD_RATIO_TARGET}x typed COPY ({limit:.2f} s)", medians["watch_e2e_s"] <= limit


def _judge_nem12_load(medians: Mapping[str, float]) -> Verdict:
    limit = NEM12_LOAD_RATIO_TARGET * medians[NEM12_LIMIT_KEY]
    return f"<= {NEM12_LOAD_RATIO_TARGET}x NEM12 typed COPY ({limit:.2f} s)", medians["nem12_watch_e2e_s"] <= limit


def _judge_pipeline(medians: Mapping[str, float]) -> Verdict:
    limit = PIPELINE_RATIO_TARGET * medians["watch_e2e_s"]
    return f"<= {PIPELINE_RATIO_TARGET:g}x our load ({limit:.1f} s)", medians["pipeline_full_wall_s"] <= limit


def _judge_growth(medians: Mapping[str, float]) -> Verdict:
    return f"<= {RSS_GROWTH_TARGET:.2f} (flat)", medians["rss_growth_ratio"] <= RSS_GROWTH_TARGET


def _judge_small(medians: Mapping[str, float]) -> Verdict:
    return f"<= {SMALL_LATENCY_TARGET_SECONDS} s", medians["small_latency_s"] <= SMALL_LATENCY_TARGET_SECONDS


def _judge_incremental(medians: Mapping[str, float]) -> Verdict:
    wall = medians["pipeline_incremental_wall_s"]
    return f"< {INCREMENTAL_TARGET_SECONDS:g} s, start-up included", wall < INCREMENTAL_TARGET_SECONDS


def _judge_parser(medians: Mapping[str, float]) -> Verdict:
    return f">= {PARSER_OVER_COPY_TARGET:g}x", medians["parser_over_copy"] >= PARSER_OVER_COPY_TARGET


def _judge_burst(medians: Mapping[str, float]) -> Verdict:
    return f">= {BURST_TARGET_FILES_PER_S:g} files/s", medians["burst_files_per_s"] >= BURST_TARGET_FILES_PER_S


# Targets from the issue, judged on medians (peak RSS on the worst run), with the figures each one needs.
TARGETS: Final[dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, float]], Verdict]]]] = {
    "watch_e2e_s": ((TYPED_LIMIT_KEY,), _judge_load),
    "nem12_watch_e2e_s": ((NEM12_LIMIT_KEY,), _judge_nem12_load),
    "pipeline_full_wall_s": (("watch_e2e_s",), _judge_pipeline),
    "rss_growth_ratio": ((), _judge_growth),
    "small_latency_s": ((), _judge_small),
    "pipeline_incremental_wall_s": ((), _judge_incremental),
    "burst_files_per_s": ((), _judge_burst),
    "parser_over_copy": ((), _judge_parser),
}


def _verdict_for(key: str, values: Sequence[float], medians: Mapping[str, float]) -> Verdict | None:
    if key in PEAK_RSS_KEYS:
        return f"< {RSS_TARGET_MB:g} MB (worst run)", max(values) < RSS_TARGET_MB
    if key not in TARGETS:
        return None
    needs, judge = TARGETS[key]
    return judge(medians) if all(need in medians for need in needs) else None


def summarise(
    samples: Mapping[str, Sequence[float]], labels: Mapping[str, object], drop_rows: Sequence[int] = ()
) -> list[Figure]:
    """The figures that have samples, in table order, with ratios and targets."""
    medians = {key: statistics.median(values) for key, values in samples.items() if values}
    figures = []
    for spec in (LOAD_AVERAGE_SPEC, *SPECS, *step_specs(samples), *drop_specs(drop_rows)):
        values = samples.get(spec.key)
        if not values:
            continue
        judged = _verdict_for(spec.key, values, medians)
        typed = medians.get(spec.ratio_to)
        figures.append(
            Figure(
                key=spec.key,
                label=spec.label.format(**labels),
                unit=spec.unit,
                values=tuple(values),
                median=medians[spec.key],
                low=min(values),
                high=max(values),
                ratio_to_typed_copy=medians[spec.key] / typed if spec.has_ratio and typed else None,
                target=judged[0] if judged else "",
                is_met=judged[1] if judged else None,
            )
        )
    return figures


def format_value(value: float, unit: str) -> str:
    """A figure's value for the table, with a sensible number of digits for its unit."""
    if unit in ("rows/s", "readings/s"):
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:.0f}"
    if unit == "s":
        return f"{value:.3f}" if value < 10 else f"{value:.2f}"
    return f"{value:.2f}"


def _verdict(is_met: bool | None) -> str:
    return "" if is_met is None else ("met" if is_met else "**not met**")


def markdown_table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| figure | unit | median | min | max | x typed COPY | target | |",
        "|---|---|--:|--:|--:|--:|---|---|",
    ]
    for figure in figures:
        ratio = f"{figure.ratio_to_typed_copy:.2f}" if figure.ratio_to_typed_copy is not None else ""
        values = (format_value(v, figure.unit) for v in (figure.median, figure.low, figure.high))
        lines.append(
            f"| {figure.label} | {figure.unit} | {' | '.join(values)} | {ratio} | {figure.target} | "
            f"{_verdict(figure.is_met)} |"
        )
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _ram_gib() -> float:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / (1 << 20) if found else 0.0


def machine_facts(server: Mapping[str, str]) -> dict[str, str]:
    """CPU, cores, RAM, OS, Python and the Postgres server's version and settings."""
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": f"{_ram_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **server,
    }


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def source_facts(root: Path) -> dict[str, str]:
    """Which code was measured: the commit, and whether service files (outside bench/ and tests/) differ from it."""
    commit = _git(root, "rev-parse", "--short=12", "HEAD")
    if not commit:
        return {"code": f"{root} (not a git checkout)"}
    changed = _git(root, "status", "--porcelain", "--", ".", ":(exclude)bench", ":(exclude)tests")
    suffix = " with uncommitted changes outside bench/ and tests/" if changed else ", clean"
    return {"code": f"{root} at {commit}{suffix}"}


def markdown_report(figures: Sequence[Figure], machine: Mapping[str, str], params: Mapping[str, object]) -> str:
    """Machine, parameters and the table, as Markdown."""
    facts = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    knobs = ", ".join(f"{key}={value}" for key, value in params.items())
    return f"Machine:\n\n{facts}\n\nParameters: {knobs}\n\n{markdown_table(figures)}\n"


def write_results(
    out: Path, stamp: str, figures: Sequence[Figure], machine: Mapping[str, str], params: Mapping[str, object]
) -> tuple[Path, Path]:
    """Write `ingest-<stamp>.json` and `.md` into `out`; returns both paths."""
    out.mkdir(parents=True, exist_ok=True)
    document = {"stamp": stamp, "machine": machine, "params": params, "figures": [asdict(f) for f in figures]}
    json_path = out / f"ingest-{stamp}.json"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path = out / f"ingest-{stamp}.md"
    md_path.write_text(f"# Ingest benchmark {stamp}\n\n{markdown_report(figures, machine, params)}", encoding="utf-8")
    return json_path, md_path


def refresh_readme(readme: Path, stamp: str, report: str, section_name: str = README_SECTION) -> None:
    """Replace the text between the `<!-- SECTION_NAME:begin/end -->` markers of `readme` with `report`."""
    marker_begin, marker_end = f"<!-- {section_name}:begin -->", f"<!-- {section_name}:end -->"
    text = readme.read_text(encoding="utf-8")
    head, begin, rest = text.partition(marker_begin)
    _, end, tail = rest.partition(marker_end)
    if not begin or not end:
        raise ValueError(f"{readme} has no {marker_begin} … {marker_end} section")
    section = f"{marker_begin}\nLatest run: {stamp}\n\n{report}{marker_end}"
    readme.write_text(head + section + tail, encoding="utf-8")
