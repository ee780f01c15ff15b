"""Ingest benchmark: our load against the COPY limit, memory, small-file latency, the warehouse build, scale;
and, with --nem12, a NEM12 file against the COPY of its typed readings. Run it from the project folder:

    python -m bench.ingest --rows 1000000 [--runs 3] [--small-rows 5000] [--scale] [--nem12] [--readme]
    python -m bench.ingest --only-nem12 [--nem12-nmis 100] [--nem12-days 365] [--runs 3] [--readme]
    python -m bench.ingest --only-burst [--burst-files 1000] [--burst-rows 5] [--runs 3]

Creates a throw-away database `bench_<random>` on --database-url's server (and drops it at the end),
writes the input files into a scratch folder, runs every scenario --runs times (interleaved, so
noise spreads over all figures), and writes `ingest-<timestamp>.json` and `.md` into --out.
See bench/README.md for what each figure means.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from bench import database, report, scenarios
from bench.inputs import (
    NEM12_INTERVAL_MINUTES,
    Inputs,
    Nem12Inputs,
    write_burst_inputs,
    write_inputs,
    write_nem12_inputs,
)
from tests.support.databases import connect

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_SERVER: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
SCALE_WATCHERS: Final = (1, 2, 3)
TITLES_PARAMS: Final = frozenset({"rows", "small_rows", "scale", "scale_files", "scale_rows", "drop_rows"})
NEM12_PARAMS: Final = frozenset({"nem12", "nem12_nmis", "nem12_days", "only_nem12"})
BURST_PARAMS: Final = frozenset({"burst", "burst_files", "burst_rows", "only_burst"})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big file (default 1000000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported (default 3)")
    parser.add_argument("--small-rows", type=int, default=5000, help="rows of the small files (default 5000)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "results", help="results folder")
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="server on which to create bench_<random>")
    parser.add_argument("--settle-seconds", type=float, default=0.3, help="the service's SETTLE_SECONDS")
    parser.add_argument("--poll-seconds", type=float, default=0.01, help="how often the ledger is polled")
    parser.add_argument("--scale", action="store_true", help="also run 1, 2, 3 watchers on one folder (long)")
    parser.add_argument("--scale-files", type=int, default=20, help="files for --scale (default 20)")
    parser.add_argument("--scale-rows", type=int, default=100_000, help="rows per --scale file (default 100000)")
    parser.add_argument(
        "--drop-rows",
        type=_row_counts,
        default=(5000, 100_000),
        help="sizes dropped into an empty warehouse for drop -> views ready, besides --rows (default 5000,100000)",
    )
    parser.add_argument("--nem12", action="store_true", help="also run the NEM12 case")
    parser.add_argument("--nem12-nmis", type=int, default=100, help="NMIs of the NEM12 file (default 100)")
    parser.add_argument("--nem12-days", type=int, default=365, help="days of 30-minute data per NMI (default 365)")
    parser.add_argument("--only-nem12", action="store_true", help="only the NEM12 case (implies --nem12)")
    parser.add_argument("--burst", action="store_true", help="also drop many small files at once into a watcher")
    parser.add_argument("--burst-files", type=int, default=1000, help="files for --burst (default 1000)")
    parser.add_argument("--burst-rows", type=int, default=5, help="rows per --burst file (default 5)")
    parser.add_argument("--only-burst", action="store_true", help="only the burst case (implies --burst)")
    parser.add_argument(
        "--readme",
        type=Path,
        nargs="?",
        const=PROJECT_ROOT / "bench" / "README.md",
        help="also paste the table into this README (default bench/README.md; its NEM12 section with --only-nem12)",
    )
    args = parser.parse_args(argv)
    args.nem12 = args.nem12 or args.only_nem12
    args.burst = args.burst or args.only_burst
    return args


def _row_counts(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def _run_titles(bench: scenarios.Bench, args: argparse.Namespace, samples: scenarios.Samples, run: int) -> None:
    samples["load_average_1min"].append(os.getloadavg()[0])  # how busy the machine was as each run began
    _say(f"run {run}/{args.runs}: COPY limit")
    await scenarios.measure_limits(bench, samples)
    _say(f"run {run}/{args.runs}: the parser alone, {args.rows} rows, no database")
    await scenarios.measure_parser(bench, samples)
    samples["parser_over_copy"].append(samples["limit_typed_s"][-1] / samples["parser_s"][-1])
    _say(f"run {run}/{args.runs}: --watch {args.rows} rows, --pipeline, --analysis, incremental --pipeline")
    await scenarios.measure_big_watch(bench, samples)
    if bench.inputs.drops:
        sizes = ", ".join(str(rows) for rows, _ in bench.inputs.drops)
        _say(f"run {run}/{args.runs}: drop -> views ready, {sizes} rows")
        await scenarios.measure_drops_to_views(bench, samples)
    _say(f"run {run}/{args.runs}: --watch {bench.inputs.medium_rows} rows, {args.small_rows}-row latency")
    await scenarios.measure_medium_and_small(bench, samples)
    samples["rss_growth_ratio"].append(samples["watch_peak_rss_mb"][-1] / samples["medium_peak_rss_mb"][-1])
    _say(f"run {run}/{args.runs}: --once {args.rows} rows")
    await scenarios.measure_once(bench, samples)
    if args.scale:
        for watchers in SCALE_WATCHERS:
            _say(f"run {run}/{args.runs}: scale, {watchers} watcher(s)")
            await scenarios.measure_scale(bench, samples, watchers)


async def _run_all(
    harness: scenarios.Harness,
    titles: Inputs | None,
    nem12: Nem12Inputs | None,
    burst: tuple[Path, ...],
    args: argparse.Namespace,
) -> scenarios.Samples:
    samples: scenarios.Samples = defaultdict(list)
    bench = scenarios.Bench(**vars(harness), inputs=titles) if titles else None
    for run in range(1, args.runs + 1):
        if bench:
            await _run_titles(bench, args, samples, run)
        if nem12:
            _say(f"run {run}/{args.runs}: NEM12 COPY limit and --watch, {nem12.readings} readings")
            await scenarios.measure_nem12(harness, nem12, samples)
        if burst:
            _say(f"run {run}/{args.runs}: burst of {len(burst)} files x {args.burst_rows} rows")
            await scenarios.measure_burst(harness, burst, args.burst_rows, samples)
    return samples


def _write_titles(folder: Path, args: argparse.Namespace) -> Inputs:
    return write_inputs(
        folder,
        rows=args.rows,
        small_rows=args.small_rows,
        small_files=scenarios.SMALL_SAMPLES_PER_RUN + 1,
        scale_files=args.scale_files if args.scale else 0,
        scale_rows=args.scale_rows,
        drop_rows=args.drop_rows,
    )


def _write_burst(folder: Path, args: argparse.Namespace) -> tuple[Path, ...]:
    return write_burst_inputs(folder, files=args.burst_files, rows=args.burst_rows) if args.burst else ()


async def _benchmark(args: argparse.Namespace, scratch: Path) -> tuple[scenarios.Samples, dict[str, str]]:
    _say(f"writing input files into {scratch}")
    titles = None if args.only_nem12 or args.only_burst else _write_titles(scratch / "inputs", args)
    nem12 = write_nem12_inputs(scratch / "nem12", nmis=args.nem12_nmis, days=args.nem12_days) if args.nem12 else None
    burst = _write_burst(scratch / "burst", args)
    async with database.bench_database(args.database_url) as url:
        _say(f"bench database ready: {make_url(url).database}")
        conn = await connect(url)
        try:
            server = await database.server_facts(conn)
            if nem12:
                await database.add_nem12_limit_table(conn)
            harness = scenarios.Harness(url, conn, scratch / "services", args.settle_seconds, args.poll_seconds)
            return await _run_all(harness, titles, nem12, burst, args), server
        finally:
            await conn.close()


def _params(args: argparse.Namespace) -> dict[str, object]:
    # The parameters of the scenarios that ran: a run without --nem12 reports exactly what it always did.
    left_out = {"out", "database_url", "readme"}
    left_out |= TITLES_PARAMS if args.only_nem12 or args.only_burst else set()
    left_out |= set() if args.nem12 else NEM12_PARAMS
    left_out |= set() if args.burst else BURST_PARAMS
    return {key: value for key, value in vars(args).items() if key not in left_out}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results; returns the exit code."""
    args = parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        samples, server = asyncio.run(_benchmark(args, Path(scratch)))
    labels = {
        "rows": f"{args.rows:,}",
        "medium_rows": f"{max(1, args.rows // 4):,}",
        "small_rows": f"{args.small_rows:,}",
        "scale_files": args.scale_files,
        "scale_rows": f"{args.scale_rows:,}",
        "nem12_nmis": args.nem12_nmis,
        "nem12_days": args.nem12_days,
        "nem12_readings": f"{args.nem12_nmis * args.nem12_days * 24 * 60 // NEM12_INTERVAL_MINUTES:,}",
        "burst_files": f"{args.burst_files:,}",
        "burst_rows": args.burst_rows,
    }
    figures = report.summarise(samples, labels, drop_rows=args.drop_rows)
    machine = report.machine_facts(server) | report.source_facts(PROJECT_ROOT)
    params = _params(args)
    json_path, md_path = report.write_results(args.out, stamp, figures, machine, params)
    text = report.markdown_report(figures, machine, params)
    print(text)
    _say(f"wrote {json_path} and {md_path}")
    if args.readme:
        section = report.NEM12_README_SECTION if args.only_nem12 else report.README_SECTION
        report.refresh_readme(args.readme, stamp, text, section)
        _say(f"refreshed {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
