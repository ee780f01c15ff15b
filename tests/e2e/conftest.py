"""Run `main.py` as a real process on temporary folders and the test database."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from core.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAIN = PROJECT_ROOT / "main.py"
T = TypeVar("T")


@dataclass
class Service:
    """A running `main.py` and where it writes."""

    process: subprocess.Popen[bytes]
    log_file: Path
    output_file: Path

    def log(self) -> str:
        """Everything the service logged to its file in logs/."""
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        self.process.kill()
        self.process.wait(timeout=10)


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a service process: the test database and folders, nothing from the user's .env."""
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    return (
        keep
        | {
            "DB_STRING_ASYNC": settings.async_database_url,
            "IMPORTS_DIR": str(settings.imports_dir),
            "EXPORTS_DIR": str(settings.exports_dir),
            "LOGS_DIR": str(settings.logs_dir),
            "SETTLE_SECONDS": "1.0",
            "TICK_SECONDS": "0.1",
            "PROGRESS_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        | extra
    )


def run_main(settings: Settings, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `main.py` to completion (for --once, --status, --pipeline, ...)."""
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=settings.imports_dir.parent,
        env=service_env(settings, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_service(
    settings: Settings,
    *args: str,
    prefix: Sequence[str] = (),
    log_name: str = "service.log",
    wait: bool = True,
    **env: str,
) -> Service:
    """Start `main.py --watch` (behind `prefix`, e.g. setpriv) and wait until it says it is watching."""
    output = settings.logs_dir.parent / f"service-{time.monotonic_ns()}.out"
    log_file = settings.logs_dir / log_name
    earlier_starts = log_file.read_text(encoding="utf-8").count("event=watching") if log_file.exists() else 0
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            [*prefix, sys.executable, str(MAIN), "--watch", str(settings.imports_dir), *args],
            cwd=settings.imports_dir.parent,
            env=service_env(settings, LOG_FILE_NAME=log_name, **env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    service = Service(process, log_file, output)
    deadline = time.monotonic() + 60
    while wait and service.log().count("event=watching") <= earlier_starts:  # this process's own line
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"service did not start:\n{output.read_text(errors='replace')}")
        time.sleep(0.05)
    return service


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 60, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
def service(settings: Settings, engine: object) -> Iterator[Service]:
    """A watcher on the test's imports folder; stopped with SIGTERM afterwards, which must exit 0."""
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    running = start_service(settings)
    yield running
    assert running.stop() == 0, running.output_file.read_text(errors="replace")
    assert "event=shutdown" in running.log()


@pytest.fixture
async def no_service() -> AsyncIterator[None]:
    """For tests that start their own processes."""
    yield
