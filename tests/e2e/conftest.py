"""End-to-end fixtures: `main.py` as a real process on the test's folders and database (tests/support/service.py)."""

import subprocess
from collections.abc import Iterator, Sequence
from typing import Final

import pytest

from core.config import Settings
from tests.support import service as harness
from tests.support.service import Folders, Service

# Settings of every service process of these tests, unless a test names others.
E2E_SETTINGS: Final = {"SETTLE_SECONDS": "1.0", "TICK_SECONDS": "0.1", "PROGRESS_SECONDS": "1"}


def _folders(settings: Settings) -> Folders:
    return Folders(settings.imports_dir.parent)  # the `settings` fixture puts all three folders there


def run_main(settings: Settings, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `main.py` to completion (for --once, --status, --pipeline, ...)."""
    return harness.run_main(
        settings.async_database_url, _folders(settings), *args, timeout=timeout, **(E2E_SETTINGS | env)
    )


def launch_main(settings: Settings, *args: str, **env: str) -> Service:
    """Start `main.py ARGS` and return at once (for a process a test stops or kills itself)."""
    return harness.launch(settings.async_database_url, _folders(settings), *args, **(E2E_SETTINGS | env))


def start_service(
    settings: Settings,
    *args: str,
    prefix: Sequence[str] = (),
    log_name: str = "service.log",
    wait: bool = True,
    **env: str,
) -> Service:
    """Start `main.py --watch` (behind `prefix`, e.g. setpriv); unless `wait` is False, wait until it is watching."""
    url, folders = settings.async_database_url, _folders(settings)
    return harness.start_watcher(
        url, folders, *args, imports=settings.imports_dir, prefix=prefix, log_name=log_name, wait=wait,
        **(E2E_SETTINGS | env),
    )  # fmt: skip


@pytest.fixture
def service(settings: Settings, engine: object) -> Iterator[Service]:
    """A watcher on the test's imports folder; stopped with SIGTERM afterwards, which must exit 0."""
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    running = start_service(settings)
    yield running
    assert running.stop() == 0, running.output()
    assert "event=shutdown" in running.log()
