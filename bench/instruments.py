"""What the benchmark measures with: dropping a file so that it is complete at a known instant, the time stamp of a
log line, and the resident memory of a process tree sampled in the background."""

import asyncio
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints and types-psutil is not in the Pipfile

RSS_SAMPLE_SECONDS: Final = 0.05


def stage(source: Path, imports: Path, name: str) -> Path:
    """Copy `source` into the drop folder under a hidden temporary name the watcher ignores."""
    hidden = imports / f".{name}.tmp"
    shutil.copyfile(source, hidden)
    return hidden


@dataclass(frozen=True)
class Instant:
    """One moment on both clocks: monotonic for intervals, wall (epoch seconds) to compare with log stamps."""

    monotonic: float
    wall: float


def publish(hidden: Path, name: str) -> Instant:
    """Rename a staged file to its real name; returns the instant just after, when it is complete."""
    os.rename(hidden, hidden.with_name(name))
    return Instant(time.monotonic(), time.time())


def log_stamp(fields: dict[str, str]) -> float:
    """The `ts=` of a parsed log line as epoch seconds (millisecond resolution)."""
    return datetime.strptime(fields["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its children, summed (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += int(member.memory_info().rss)
        except psutil.NoSuchProcess:
            continue
    return total


class RssSampler:
    """Samples a process tree's RSS every 50 ms in the background and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_bytes = tree_rss_bytes(pid)
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    def __enter__(self) -> "RssSampler":
        self._task = asyncio.create_task(self._sample())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))
