"""Ingest benchmark: our load against the COPY limit, memory, small-file latency, the warehouse build, scale.

    python bench/ingest.py --rows 1000000 [--runs 3] [--small-rows 5000] [--scale] [--readme]

Creates a throw-away database `bench_<random>` on --database-url's server (and drops it at the end),
writes the input files into a scratch folder, runs every scenario --runs times (interleaved, so
noise spreads over all figures), and writes `ingest-<timestamp>.json` and `.md` into --out.
See bench/README.md for what each figure means.
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # `python bench/ingest.py` puts bench/, not the project, on the path
    sys.path.insert(0, str(PROJECT_ROOT))

import argparse  # noqa: E402 - after the path fix above
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from typing import Final  # noqa: E402

from bench import database, report, scenarios  # noqa: E402
from bench.inputs import write_inputs  # noqa: E402

DEFAULT_SERVER: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
SCALE_WATCHERS: Final = (1, 2, 3)


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
        "--readme",
        type=Path,
        nargs="?",
        const=PROJECT_ROOT / "bench" / "README.md",
        help="also paste the table into this README (default bench/README.md)",
    )
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def _run_all(bench: scenarios.Bench, args: argparse.Namespace) -> scenarios.Samples:
    samples: scenarios.Samples = defaultdict(list)
    for run in range(1, args.runs + 1):
        _say(f"run {run}/{args.runs}: COPY limit")
        await scenarios.measure_limits(bench, samples)
        _say(f"run {run}/{args.runs}: --watch {args.rows} rows, --pipeline, incremental --pipeline")
        await scenarios.measure_big_watch(bench, samples)
        _say(f"run {run}/{args.runs}: --watch {bench.inputs.medium_rows} rows, {args.small_rows}-row latency")
        await scenarios.measure_medium_and_small(bench, samples)
        samples["rss_growth_ratio"].append(samples["watch_peak_rss_mb"][-1] / samples["medium_peak_rss_mb"][-1])
        _say(f"run {run}/{args.runs}: --once {args.rows} rows")
        await scenarios.measure_once(bench, samples)
        if args.scale:
            for watchers in SCALE_WATCHERS:
                _say(f"run {run}/{args.runs}: scale, {watchers} watcher(s)")
                await scenarios.measure_scale(bench, samples, watchers)
    return samples


async def _benchmark(args: argparse.Namespace, scratch: Path) -> tuple[scenarios.Samples, dict[str, str]]:
    _say(f"writing input files into {scratch}")
    inputs = write_inputs(
        scratch / "inputs",
        rows=args.rows,
        small_rows=args.small_rows,
        small_files=scenarios.SMALL_SAMPLES_PER_RUN + 1,
        scale_files=args.scale_files if args.scale else 0,
        scale_rows=args.scale_rows,
    )
    async with database.bench_database(args.database_url) as url:
        _say(f"bench database ready: {url.rsplit('/', 1)[-1]}")
        conn = await database.connect(url)
        try:
            server = await database.server_facts(conn)
            bench = scenarios.Bench(url, conn, inputs, scratch / "services", args.settle_seconds, args.poll_seconds)
            return await _run_all(bench, args), server
        finally:
            await conn.close()


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
    }
    figures = report.summarise(samples, labels)
    machine = report.machine_facts(server) | report.source_facts(PROJECT_ROOT)
    params = {key: value for key, value in vars(args).items() if key not in {"out", "database_url", "readme"}}
    json_path, md_path = report.write_results(args.out, stamp, figures, machine, params)
    text = report.markdown_report(figures, machine, params)
    print(text)
    _say(f"wrote {json_path} and {md_path}")
    if args.readme:
        report.refresh_readme(args.readme, stamp, text)
        _say(f"refreshed {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
