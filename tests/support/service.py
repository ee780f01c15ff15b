"""`main.py` as a real process on scratch folders, for the end-to-end tests and the benchmark.

The process runs in its scratch root, so no project `.env` is read, and gets a clean environment: the
database URL, its folders, the settings the caller names, and only PATH, HOME, LANG, LC_ALL and TMPDIR of ours.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

from tests.support.log_lines import events_in
from tests.support.waiting import wait_until

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
MAIN: Final = PROJECT_ROOT / "main.py"
KEPT_ENV: Final = frozenset({"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"})
LOG_FILE: Final = "service.log"
WATCHING_EVENT: Final = "watching"  # logged once the watch is armed: a file dropped after it is seen
START_TIMEOUT_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Folders:
    """A service's scratch root (its working directory) and the imports/, exports/ and logs/ in it."""

    root: Path

    @property
    def imports(self) -> Path:
        """The drop folder."""
        return self.root / "imports"

    @property
    def exports(self) -> Path:
        """Where --analysis writes."""
        return self.root / "exports"

    @property
    def logs(self) -> Path:
        """Where the service writes its log file."""
        return self.root / "logs"

    def create(self) -> Self:
        """Make the folders (keeping what is there) and return self."""
        for folder in (self.imports, self.exports, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def service_env(database_url: str, folders: Folders, **settings: str) -> dict[str, str]:
    """The environment of a service process: the database, the folders and `settings` (env names), nothing else."""
    kept = {key: value for key, value in os.environ.items() if key in KEPT_ENV}
    return (
        kept
        | {
            "DB_STRING_ASYNC": database_url,
            "IMPORTS_DIR": str(folders.imports),
            "EXPORTS_DIR": str(folders.exports),
            "LOGS_DIR": str(folders.logs),
            "PYTHONUNBUFFERED": "1",
        }
        | settings
    )


def _read_log(log_file: Path) -> str:
    return log_file.read_text(encoding="utf-8") if log_file.exists() else ""


@dataclass
class Service:
    """A running `main.py`, where it logs, and where its stdout and stderr go."""

    process: subprocess.Popen[bytes]
    log_file: Path
    output_file: Path

    def log(self) -> str:
        """Everything logged to its log file so far (a restarted service shares the file)."""
        return _read_log(self.log_file)

    def output(self) -> str:
        """Its stdout and stderr so far."""
        return self.output_file.read_text(errors="replace")

    def events(self, event: str) -> list[dict[str, str]]:
        """Every `event=EVENT` line of the log file, parsed."""
        return events_in(self.log(), event)

    def wait_for_event(
        self, event: str, *, file: str | None = None, after: int = 0, timeout: float = 60.0
    ) -> dict[str, str]:
        """The last `event=EVENT` line (of `file`, if given) past the first `after` such lines, once logged
        (blocks); RuntimeError if the process exits first, TimeoutError after `timeout` seconds."""

        def logged() -> dict[str, str] | None:
            found = [fields for fields in self.events(event)[after:] if file is None or fields.get("file") == file]
            if not found and self.process.poll() is not None:
                raise RuntimeError(
                    f"the service exited ({self.process.returncode}) before event={event}:\n{self.output()}"
                )
            return found[-1] if found else None

        return wait_until(logged, timeout=timeout, what=f"event={event}" + (f" file={file}" if file else ""))

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit code (blocks)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        self.process.kill()
        self.process.wait(timeout=10)


def launch(
    database_url: str,
    folders: Folders,
    *args: str,
    prefix: Sequence[str] = (),
    log_name: str = LOG_FILE,
    **settings: str,
) -> Service:
    """Start `main.py ARGS` (behind `prefix`, e.g. setpriv) in `folders.root`, its output to a file of its own there."""
    output = folders.root / f"service-{time.monotonic_ns()}.out"
    env = service_env(database_url, folders, LOG_FILE_NAME=log_name, **settings)
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            [*prefix, sys.executable, str(MAIN), *args],
            cwd=folders.root,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Service(process, folders.logs / log_name, output)


def start_watcher(
    database_url: str,
    folders: Folders,
    *args: str,
    imports: Path | None = None,
    prefix: Sequence[str] = (),
    log_name: str = LOG_FILE,
    wait: bool = True,
    **settings: str,
) -> Service:
    """Start `main.py --watch` on `imports` (default: its own) and, unless `wait` is False, return once it logs
    `event=watching` (blocks)."""
    watched = imports or folders.imports
    earlier = len(events_in(_read_log(folders.logs / log_name), WATCHING_EVENT))  # a restart shares the log file
    settings = {"IMPORTS_DIR": str(watched)} | settings
    service = launch(
        database_url, folders, "--watch", str(watched), *args, prefix=prefix, log_name=log_name, **settings
    )
    if wait:
        service.wait_for_event(WATCHING_EVENT, after=earlier, timeout=START_TIMEOUT_SECONDS)
    return service


def run_main(
    database_url: str, folders: Folders, *args: str, timeout: float = 120, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run `main.py ARGS` to completion (--once, --status, --pipeline, ...), its output captured (blocks)."""
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=folders.root,
        env=service_env(database_url, folders, **settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
