"""The measurements, one function per scenario; each appends its figures of one run to `samples`.

Every scenario empties the staging, warehouse and limit tables (and CHECKPOINTs) before it measures.
"""

import asyncio
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.database import (
    NEM12_LIMIT_TABLE,
    STAGING_SHAPED_TABLE,
    TEXT_TABLE,
    TYPED_TABLE,
    check_loaded_once,
    copy_limit,
    empty_tables,
    staged_nem12_readings,
    wait_until_loaded,
)
from bench.inputs import Inputs, Nem12Inputs
from bench.instruments import RssSampler, log_stamp, publish, stage
from services.importers.encodings import UTF8
from services.importers.job_titles import iter_copy_lines
from services.importers.sources import open_text
from tests.support import service
from tests.support.service import Folders, Service

Samples = defaultdict[str, list[float]]
MB: Final = 1 << 20
LOAD_TIMEOUT_SECONDS: Final = 900.0
SMALL_SAMPLES_PER_RUN: Final = 3  # small-file latency is short and noisy: more samples than runs


@dataclass(frozen=True)
class Harness:
    """What every scenario needs: the bench database, a connection to it, scratch space and the knobs."""

    url: str
    conn: Any  # asyncpg connection: emptying tables, the COPY limit and polling the ledger
    scratch: Path
    settle_seconds: float
    poll_seconds: float

    def folders(self, name: str) -> Folders:
        """Fresh, empty scratch folders for one service process."""
        shutil.rmtree(self.scratch / name, ignore_errors=True)
        return Folders(self.scratch / name).create()

    def launch(self, folders: Folders, *args: str) -> Service:
        """Start `main.py ARGS` on `folders` with the benchmark's settle time, other settings at their defaults."""
        return service.launch(self.url, folders, *args, SETTLE_SECONDS=str(self.settle_seconds))

    async def start_watcher(self, folders: Folders, imports: Path | None = None) -> Service:
        """A watcher on `imports` (default: its own), once it logs `event=watching`."""
        return await asyncio.to_thread(
            service.start_watcher, self.url, folders, imports=imports, SETTLE_SECONDS=str(self.settle_seconds)
        )


async def stop(running: Service, timeout_seconds: float = 60.0) -> None:
    """SIGTERM and wait; a non-zero exit is an error of the benchmark run."""
    code = await asyncio.to_thread(running.stop, timeout_seconds)
    if code != 0:
        raise RuntimeError(f"service exited with {code}: {running.output()}")


@dataclass(frozen=True)
class Bench(Harness):
    """The harness with the job-title inputs."""

    inputs: Inputs


@dataclass(frozen=True)
class LoadSample:
    """One file loaded by a running watcher."""

    e2e_seconds: float  # from the rename to the commit seen in the ledger, minus settle_seconds
    log_e2e_seconds: float  # the same, ending at the file_loaded line's timestamp (after archiving)
    service_seconds: float  # the file_loaded line's seconds= (hash, parse and COPY)
    peak_rss_mb: float
    idle_rss_mb: float


async def measure_limits(bench: Bench, samples: Samples) -> None:
    """The COPY limit: the raw file into text columns, and the typed twins into typed tables."""
    for key, table, path in (
        ("limit_text_s", TEXT_TABLE, bench.inputs.big),
        ("limit_typed_s", TYPED_TABLE, bench.inputs.typed),
        ("limit_staging_shaped_s", STAGING_SHAPED_TABLE, bench.inputs.staging_shaped),
    ):
        await empty_tables(bench.conn)
        samples[key].append(await copy_limit(bench.conn, table, path))


async def load_one(bench: Harness, watcher: Service, folders: Folders, source: Path) -> LoadSample:
    """Drop `source` into a running watcher's folder (copy under a hidden name, rename) and wait for its commit."""
    name = source.name
    hidden = stage(source, folders.imports, name)
    with RssSampler(watcher.process.pid) as rss:
        idle_bytes = rss.peak_bytes
        t0 = publish(hidden, name)
        committed = await wait_until_loaded(
            bench.conn, [name], poll_seconds=bench.poll_seconds, timeout_seconds=LOAD_TIMEOUT_SECONDS
        )
        line = await asyncio.to_thread(watcher.wait_for_event, "file_loaded", file=name)
    return LoadSample(
        e2e_seconds=committed - t0.monotonic - bench.settle_seconds,
        log_e2e_seconds=log_stamp(line) - t0.wall - bench.settle_seconds,
        service_seconds=float(line["seconds"]),
        peak_rss_mb=rss.peak_bytes / MB,
        idle_rss_mb=idle_bytes / MB,
    )


@dataclass(frozen=True)
class CommandRun:
    """One `main.py` command run to its end."""

    wall_seconds: float  # the process, from its start (Python start-up included) to its exit
    peak_rss_mb: float
    folders: Folders
    service: Service


async def run_command(bench: Harness, args: list[str], name: str) -> CommandRun:
    """`main.py ARGS` in fresh folders: wall time and peak RSS of its process tree; an error if it fails."""
    folders = bench.folders(name)
    started = time.monotonic()
    running = bench.launch(folders, *args)
    with RssSampler(running.process.pid) as rss:
        code = await asyncio.to_thread(running.process.wait)
    wall = time.monotonic() - started
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {running.output()}")
    return CommandRun(wall, rss.peak_bytes / MB, folders, running)


async def run_pipeline(bench: Harness, name: str = "pipeline") -> tuple[CommandRun, float]:
    """`main.py --pipeline` in folders `name`: the run, and the `seconds=` of its pipeline_done line."""
    run = await run_command(bench, ["--pipeline"], name)
    [done] = run.service.events("pipeline_done")
    return run, float(done["seconds"])


async def measure_big_watch(bench: Bench, samples: Samples) -> None:
    """The big file through `--watch`, the full warehouse build and the analysis (drop -> views ready), `--status`,
    then one more small file and the incremental build."""
    await empty_tables(bench.conn)
    folders = bench.folders("watch-big")
    watcher = await bench.start_watcher(folders)
    try:
        load = await load_one(bench, watcher, folders, bench.inputs.big)
        full, full_seconds = await run_pipeline(bench, "pipeline-full")
        analysis = await run_command(bench, ["--analysis"], "analysis")
        status = await run_command(bench, ["--status"], "status")
        await load_one(bench, watcher, folders, bench.inputs.small[-1])
        incremental, incremental_seconds = await run_pipeline(bench)
    finally:
        await stop(watcher)
    samples["watch_e2e_s"].append(load.e2e_seconds)
    samples["watch_log_e2e_s"].append(load.log_e2e_seconds)
    samples["watch_service_s"].append(load.service_seconds)
    samples["watch_peak_rss_mb"].append(load.peak_rss_mb)
    samples["watch_idle_rss_mb"].append(load.idle_rss_mb)
    samples["pipeline_full_s"].append(full_seconds)
    samples["pipeline_full_wall_s"].append(full.wall_seconds)
    for step in full.service.events("warehouse_step"):
        samples[f"full_step_{step['step']}_s"].append(float(step["seconds"]))
    samples["pipeline_full_peak_rss_mb"].append(full.peak_rss_mb)
    samples["analysis_big_wall_s"].append(analysis.wall_seconds)
    samples["analysis_peak_rss_mb"].append(analysis.peak_rss_mb)
    samples["drop_to_views_big_s"].append(
        load.e2e_seconds + bench.settle_seconds + full.wall_seconds + analysis.wall_seconds
    )
    samples["status_wall_s"].append(status.wall_seconds)
    samples["status_peak_rss_mb"].append(status.peak_rss_mb)
    samples["pipeline_incremental_s"].append(incremental_seconds)
    samples["pipeline_incremental_wall_s"].append(incremental.wall_seconds)
    samples["pipeline_incremental_peak_rss_mb"].append(incremental.peak_rss_mb)


async def measure_drops_to_views(bench: Bench, samples: Samples) -> None:
    """Each drop file into an empty warehouse: renamed in -> committed, then `--pipeline`, then `--analysis`."""
    for rows, source in bench.inputs.drops:
        await empty_tables(bench.conn)
        folders = bench.folders(f"drop-{rows}")
        watcher = await bench.start_watcher(folders)
        try:
            load = await load_one(bench, watcher, folders, source)
        finally:
            await stop(watcher)
        pipeline, _ = await run_pipeline(bench)
        analysis = await run_command(bench, ["--analysis"], "analysis")
        loaded = load.e2e_seconds + bench.settle_seconds
        samples[f"drop_{rows}_load_s"].append(loaded)
        samples[f"drop_{rows}_pipeline_wall_s"].append(pipeline.wall_seconds)
        samples[f"drop_{rows}_analysis_wall_s"].append(analysis.wall_seconds)
        samples[f"drop_{rows}_to_views_s"].append(loaded + pipeline.wall_seconds + analysis.wall_seconds)


async def measure_medium_and_small(bench: Bench, samples: Samples) -> None:
    """In a fresh watcher: the quarter-size file (memory against size), then small files one by one (latency)."""
    await empty_tables(bench.conn)
    folders = bench.folders("watch-medium")
    watcher = await bench.start_watcher(folders)
    try:
        medium = await load_one(bench, watcher, folders, bench.inputs.medium)
        for source in bench.inputs.small[:SMALL_SAMPLES_PER_RUN]:
            await empty_tables(bench.conn)
            small = await load_one(bench, watcher, folders, source)
            samples["small_latency_s"].append(small.e2e_seconds)
    finally:
        await stop(watcher)
    samples["medium_e2e_s"].append(medium.e2e_seconds)
    samples["medium_peak_rss_mb"].append(medium.peak_rss_mb)


async def measure_once(bench: Bench, samples: Samples) -> None:
    """The big file through `main.py --once`: process wall time (start-up and settle included) and `seconds=`."""
    await empty_tables(bench.conn)
    folders = bench.folders("once")
    publish(stage(bench.inputs.big, folders.imports, bench.inputs.big.name), bench.inputs.big.name)
    started = time.monotonic()
    once = bench.launch(folders, "--once", str(folders.imports))
    with RssSampler(once.process.pid) as rss:
        code = await asyncio.to_thread(once.process.wait)
    wall = time.monotonic() - started
    loaded = once.events("file_loaded")
    if code != 0 or len(loaded) != 1:
        raise RuntimeError(f"--once failed: {once.output()}")
    samples["once_wall_s"].append(wall)
    samples["once_service_s"].append(float(loaded[0]["seconds"]))
    samples["once_peak_rss_mb"].append(rss.peak_bytes / MB)


async def measure_scale(bench: Bench, samples: Samples, watchers: int) -> None:
    """`watchers` processes on one folder take the scale files: from the first rename to the last commit."""
    await empty_tables(bench.conn)
    shared = bench.folders("scale")
    own = [bench.folders(f"scale-watcher-{i}") for i in range(watchers)]
    running = []
    try:
        for folders in own:
            running.append(await bench.start_watcher(folders, shared.imports))
        staged = [stage(source, shared.imports, source.name) for source in bench.inputs.scale]
        names = [source.name for source in bench.inputs.scale]
        t0 = time.monotonic()
        for hidden, name in zip(staged, names, strict=True):
            publish(hidden, name)
        committed = await wait_until_loaded(
            bench.conn, names, poll_seconds=bench.poll_seconds, timeout_seconds=LOAD_TIMEOUT_SECONDS
        )
    finally:
        for watcher in running:
            await stop(watcher)
    seconds = committed - t0
    samples[f"scale_{watchers}_s"].append(seconds)
    samples[f"scale_{watchers}_files_per_s"].append(len(names) / seconds)
    samples[f"scale_{watchers}_rows_per_s"].append(len(names) * bench.inputs.scale_rows / seconds)


async def measure_nem12(harness: Harness, inputs: Nem12Inputs, samples: Samples) -> None:
    """NEM12: COPY of the typed readings (its limit), then the NEM12 file through a fresh watcher."""
    await empty_tables(harness.conn)
    limit_seconds = await copy_limit(harness.conn, NEM12_LIMIT_TABLE, inputs.typed)
    await empty_tables(harness.conn)
    folders = harness.folders("watch-nem12")
    watcher = await harness.start_watcher(folders)
    try:
        load = await load_one(harness, watcher, folders, inputs.file)
    finally:
        await stop(watcher)
    staged = await staged_nem12_readings(harness.conn)
    if staged != inputs.readings:
        raise RuntimeError(f"the service staged {staged} NEM12 readings, the file has {inputs.readings}")
    samples["nem12_limit_s"].append(limit_seconds)
    samples["nem12_limit_readings_per_s"].append(inputs.readings / limit_seconds)
    samples["nem12_watch_e2e_s"].append(load.e2e_seconds)
    samples["nem12_watch_service_s"].append(load.service_seconds)
    samples["nem12_watch_readings_per_s"].append(inputs.readings / load.e2e_seconds)
    samples["nem12_peak_rss_mb"].append(load.peak_rss_mb)
    samples["nem12_idle_rss_mb"].append(load.idle_rss_mb)


BURST_POLL_SECONDS: Final = 0.05  # coarser than one file's: polling 1,000 names every 10 ms would load the server


async def measure_burst(harness: Harness, files: tuple[Path, ...], rows_per_file: int, samples: Samples) -> None:
    """Many small files renamed into a running watcher at once: from the first rename to the last commit.

    Settling is included (every file waits settle_seconds once, all at the same time). Fails unless
    each file was loaded exactly once.
    """
    await empty_tables(harness.conn)
    folders = harness.folders("burst")
    watcher = await harness.start_watcher(folders)
    try:
        staged = [stage(source, folders.imports, source.name) for source in files]
        names = [source.name for source in files]
        t0 = time.monotonic()
        for hidden, name in zip(staged, names, strict=True):
            publish(hidden, name)
        committed = await wait_until_loaded(
            harness.conn, names, poll_seconds=BURST_POLL_SECONDS, timeout_seconds=LOAD_TIMEOUT_SECONDS
        )
    finally:
        await stop(watcher)
    await check_loaded_once(harness.conn, len(files), rows_per_file)
    seconds = committed - t0
    samples["burst_s"].append(seconds)
    samples["burst_files_per_s"].append(len(files) / seconds)


PARSER_CHUNK_BYTES: Final = 1 << 20  # copy_chunk_bytes' default


def _parse_only(path: Path) -> int:
    """The big file through the importer's parser and the producer's chunking, no database; returns the rows."""
    rows = size = 0
    lines: list[str] = []
    with open_text(path, UTF8) as text:
        for item in iter_copy_lines(text, 1):
            if isinstance(item, str):
                lines.append(item)
                size += len(item)
                if size >= PARSER_CHUNK_BYTES:
                    rows += len(lines)
                    "".join(lines).encode()  # what the producer hands to COPY
                    lines.clear()
                    size = 0
    "".join(lines).encode()
    return rows + len(lines)


async def measure_parser(bench: Bench, samples: Samples) -> None:
    """The client side alone: parsing and encoding the big file as the service does, with no database at all.

    Run in a thread of the benchmark's own process (one core's worth of Python, like the service's producer
    thread). Its rate against the server's typed COPY rate says which side a load waits for on this machine.
    """
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    rows = await asyncio.to_thread(_parse_only, bench.inputs.big)
    wall, cpu = time.perf_counter() - wall_started, time.process_time() - cpu_started
    if rows != bench.inputs.big_rows:
        raise RuntimeError(f"the parser gave {rows} rows, the file has {bench.inputs.big_rows}")
    samples["parser_s"].append(wall)
    samples["parser_cpu_s"].append(cpu)
    samples["parser_rows_per_s"].append(rows / wall)
