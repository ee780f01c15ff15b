"""Our service as a real process: `main.py` started on scratch folders with a clean environment, as the e2e tests do.

Also: dropping a file so that it is complete at a known instant, reading the service's logfmt lines,
and sampling the resident memory of its process tree.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import sys
import time
from asyncio.subprocess import Process
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import psutil  # type: ignore[import-untyped]  # psutil ships no type hints and types-psutil is not in the Pipfile

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
MAIN: Final = PROJECT_ROOT / "main.py"
KEPT_ENV: Final = frozenset({"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"})
LOG_FILE: Final = "service.log"
STARTUP_TIMEOUT_SECONDS: Final = 60.0
RSS_SAMPLE_SECONDS: Final = 0.05
_LOGFMT_FIELD: Final = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


@dataclass(frozen=True)
class Folders:
    """One service's scratch folders."""

    root: Path

    @property
    def imports(self) -> Path:
        """The drop folder."""
        return self.root / "imports"

    @property
    def logs(self) -> Path:
        """Where the service writes `service.log`."""
        return self.root / "logs"

    def create(self) -> "Folders":
        """Make the folders (empty) and return self."""
        shutil.rmtree(self.root, ignore_errors=True)
        for folder in (self.imports, self.logs, self.root / "exports"):
            folder.mkdir(parents=True)
        return self


def service_env(database_url: str, folders: Folders, settle_seconds: float) -> dict[str, str]:
    """The environment of a service process: the bench database and folders, nothing from the user's `.env`."""
    kept = {key: value for key, value in os.environ.items() if key in KEPT_ENV}
    return kept | {
        "DB_STRING_ASYNC": database_url,
        "IMPORTS_DIR": str(folders.imports),
        "LOGS_DIR": str(folders.logs),
        "EXPORTS_DIR": str(folders.root / "exports"),
        "SETTLE_SECONDS": str(settle_seconds),
        "PYTHONUNBUFFERED": "1",
    }


async def start(args: list[str], env: dict[str, str], folders: Folders) -> Process:
    """Start `main.py ARGS` in `folders.root` (so no project `.env` is read), output to `folders.root/out.txt`."""
    with open(folders.root / "out.txt", "ab") as sink:  # noqa: ASYNC230 - a local file, opened in microseconds
        return await asyncio.create_subprocess_exec(
            sys.executable, str(MAIN), *args, cwd=folders.root, env=env, stdout=sink, stderr=sink
        )


async def start_watcher(env: dict[str, str], folders: Folders, imports: Path | None = None) -> Process:
    """Start `main.py --watch` on `imports` (default: its own) and return once it logs `event=watching` (armed)."""
    process = await start(["--watch", str(imports or folders.imports)], env, folders)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not find_events(folders, "watching"):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the watcher did not start: {(folders.root / 'out.txt').read_text(errors='replace')}")
        await asyncio.sleep(0.05)
    return process


async def stop(process: Process, timeout_seconds: float = 60.0) -> None:
    """SIGTERM and wait; a non-zero exit is an error of the benchmark run."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), timeout_seconds)
    if code != 0:
        raise RuntimeError(f"service exited with {code}")


def stage(source: Path, folders: Folders, name: str) -> Path:
    """Copy `source` into the drop folder under a hidden temporary name the watcher ignores."""
    hidden = folders.imports / f".{name}.tmp"
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


def parse_logfmt(line: str) -> dict[str, str]:
    """The fields of one logfmt line, quoted values unquoted."""
    fields = {}
    for key, raw in _LOGFMT_FIELD.findall(line):
        fields[key] = json.loads(raw) if raw.startswith('"') else raw  # quoted values are JSON strings
    return fields


def events_in(text: str, event: str) -> list[dict[str, str]]:
    """Every `event=EVENT` line of a log text, parsed."""
    return [parse_logfmt(line) for line in text.splitlines() if f" event={event} " in f"{line} "]


def find_events(folders: Folders, event: str) -> list[dict[str, str]]:
    """Every `event=EVENT` line the service logged so far."""
    log = folders.logs / LOG_FILE
    return events_in(log.read_text(encoding="utf-8"), event) if log.exists() else []


async def wait_for_event(folders: Folders, event: str, file: str, timeout_seconds: float = 60.0) -> dict[str, str]:
    """The `event=EVENT file=FILE` line, once it is logged."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        found = [fields for fields in find_events(folders, event) if fields.get("file") == file]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no event={event} for {file} after {timeout_seconds}s")
        await asyncio.sleep(0.05)


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
