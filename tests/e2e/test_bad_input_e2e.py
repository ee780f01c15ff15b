"""The worst inputs dropped on a running watcher at once, and the database password kept out of every output."""

import gzip
import json
import os
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.logfmt import logfmt_value
from tests.e2e.conftest import run_main
from tests.helpers import error_report, ledger, staged_rows
from tests.support.databases import admin_execute
from tests.support.samples.job_titles import GeneratedRow, generate_rows, write_job_titles
from tests.support.service import Service
from tests.support.waiting import eventually

HEADER = b"title,pdl count,top related titles 1\n"
UNRECOGNISED = "no import service recognises this file"
GOOD_PLAIN = "good one.csv"
GOOD_GZIP = "good; two ✓.csv.gz"


def _bad_files() -> dict[str, tuple[bytes, str]]:
    """name -> (content, part of the reason the service must give)."""
    rows = [b"t%d,%d,r%d\n" % (i, i, i) for i in range(2000)]
    compressed = gzip.compress(HEADER + b"".join(rows), mtime=0)  # the same bytes each time it is built
    return {
        "empty.csv": (b"", "the file is empty (0 bytes)"),
        "garbage.csv": (random.Random(5).randbytes(8192), UNRECOGNISED),
        "unclosed.csv": (
            HEADER + b"".join(rows[:20]) + b'"open,1,r\n' + b"".join(rows[20:40]),
            "line 22 opens a quote that is never closed",
        ),
        "broken.csv.gz": (compressed[: len(compressed) // 2], "the gzip data is truncated or corrupt"),
        "titles.xlsx": (b"PK\x03\x04" + random.Random(6).randbytes(2000), "the zip is corrupt or truncated"),
        "one-line.csv": (b"abc," * (10 * 1024 * 1024 // 4), UNRECOGNISED),
        "mixed.csv": (HEADER + "café,1,r\n".encode() + b"caf\xe9,2,r\n", "the file mixes encodings"),
    }


@dataclass(frozen=True)
class _Outside:
    """A valid file outside the drop folder that a symlink inside it points to."""

    path: Path
    content: bytes


def _prepare(ready: Path) -> _Outside:
    """Write everything beside the drop folder first, so that it can all arrive at once."""
    ready.mkdir()
    for name, (content, _) in _bad_files().items():
        (ready / name).write_bytes(content)
    write_job_titles(ready / GOOD_PLAIN, generate_rows(500, seed=11))
    write_job_titles(ready / "plain-two.tmp", generate_rows(300, seed=12))
    (ready / GOOD_GZIP).write_bytes(gzip.compress((ready / "plain-two.tmp").read_bytes()))
    (ready / "plain-two.tmp").unlink()
    target = ready.parent / "outside" / "secret.csv"
    target.parent.mkdir()
    write_job_titles(target, generate_rows(5, seed=13))
    return _Outside(target, target.read_bytes())


async def test_the_worst_inputs_dropped_together_are_quarantined_while_the_good_files_load_and_the_service_lives(
    service: Service, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"
    outside = _prepare(ready)
    bad = _bad_files()

    for entry in sorted(os.listdir(ready)):
        os.rename(ready / entry, settings.imports_dir / entry)
    (settings.imports_dir / "linked.csv").symlink_to(outside.path)
    (settings.imports_dir / "a folder.csv").mkdir()

    for name in (GOOD_PLAIN, GOOD_GZIP):
        await eventually(_has_line(service, "file_loaded", name), what=f"{name} loaded")
    for name in [*bad, "linked.csv"]:
        await eventually(_has_line(service, "file_quarantined", name), what=f"{name} quarantined")

    assert service.process.poll() is None, "the service must still be running"
    assert await _rows_of(engine, GOOD_PLAIN) == list(generate_rows(500, seed=11))
    assert await _rows_of(engine, GOOD_GZIP) == list(generate_rows(300, seed=12))
    assert sorted(os.listdir(settings.processed_dir)) == sorted([GOOD_PLAIN, GOOD_GZIP])
    for name, (content, reason) in bad.items():
        assert (settings.failed_dir / name).read_bytes() == content, name
        assert reason in error_report(settings.failed_dir, name)["reason"], name
    assert "symbolic links are refused" in error_report(settings.failed_dir, "linked.csv")["reason"]
    assert outside.path.read_bytes() == outside.content
    assert sorted(os.listdir(settings.imports_dir)) == ["a folder.csv", "failed", "processed"]
    statuses = {entry["file_name"]: entry["status"] for entry in await ledger(engine)}
    assert statuses == {GOOD_PLAIN: "loaded", GOOD_GZIP: "loaded"} | {name: "failed" for name in [*bad, "linked.csv"]}
    log = service.log()
    assert "event=unexpected_error" not in log and "Traceback" not in log


def _has_line(service: Service, event: str, name: str) -> Callable[[], Awaitable[bool]]:
    """A check for `eventually`: has the service logged `event` for the file `name`?"""
    line = f"event={event} file={logfmt_value(name)} "

    async def check() -> bool:
        return line in service.log()

    return check


async def _rows_of(engine: AsyncEngine, name: str) -> list[GeneratedRow]:
    [entry] = [entry for entry in await ledger(engine) if entry["file_name"] == name]
    return await staged_rows(engine, entry["id"])


@dataclass(frozen=True)
class SecretRole:
    """A login role with a password, and the service URL that carries both."""

    name: str
    password: str
    url: str


@pytest.fixture
async def secret_role(server_url: str, database_url: str) -> AsyncIterator[SecretRole]:
    """A superuser role with a password on the test server; dropped afterwards."""
    name = f"secret_{secrets.token_hex(4)}"
    password = f"s3cret-{secrets.token_hex(8)}"
    await admin_execute(server_url, f"CREATE ROLE {name} LOGIN PASSWORD '{password}' SUPERUSER")
    try:
        url = make_url(database_url).set(username=name, password=password).render_as_string(hide_password=False)
        assert password in url
        yield SecretRole(name, password, url)
    finally:
        await admin_execute(server_url, f"DROP ROLE IF EXISTS {name}")


async def test_the_database_password_never_appears_in_logs_status_output_or_error_files(
    engine: AsyncEngine, settings: Settings, secret_role: SecretRole
) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    write_job_titles(settings.imports_dir / "good.csv", generate_rows(20))
    (settings.imports_dir / "bad.csv").write_bytes(b"not a job title file\n")
    (settings.imports_dir / "empty.csv").write_bytes(b"")
    url = secret_role.url

    done = run_main(settings, "--once", str(settings.imports_dir), DB_STRING_ASYNC=url, DEBUG_LOGS="true")
    table = run_main(settings, "--status", DB_STRING_ASYNC=url, DEBUG_LOGS="true")
    as_json = run_main(settings, "--status", "--json", DB_STRING_ASYNC=url, DEBUG_LOGS="true")

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"db=postgresql+asyncpg://{secret_role.name}:***@" in done.stdout  # the URL was used, masked
    assert {(e["file_name"], e["status"]) for e in json.loads(as_json.stdout)} == {
        ("good.csv", "loaded"), ("bad.csv", "failed"), ("empty.csv", "failed")
    }  # fmt: skip
    assert "good.csv" in table.stdout
    outputs = {
        "--once stdout": done.stdout,
        "--once stderr": done.stderr,
        "--status": table.stdout + table.stderr,
        "--status --json": as_json.stdout + as_json.stderr,
        **_files_text(settings.logs_dir),
        **_files_text(settings.failed_dir),
    }
    assert any(name.endswith(".error.json") for name in outputs)
    assert [name for name, text in outputs.items() if secret_role.password in text] == []


@pytest.mark.parametrize(
    ("where", "exit_code", "event"),
    [
        pytest.param({"host": "127.0.0.1", "port": 1, "database": "nothing"}, 1, "service_failed", id="unreachable"),
        pytest.param({"database": "no_such_database"}, 2, "bad_configuration", id="database-missing"),
    ],
)
async def test_the_database_password_stays_out_of_the_output_when_connecting_fails(
    settings: Settings, secret_role: SecretRole, where: dict[str, Any], exit_code: int, event: str
) -> None:
    settings.imports_dir.mkdir(parents=True, exist_ok=True)
    url = make_url(secret_role.url).set(**where).render_as_string(hide_password=False)
    assert secret_role.password in url

    done = run_main(settings, "--once", str(settings.imports_dir), DB_STRING_ASYNC=url, DB_CONNECT_ATTEMPTS="1")

    assert done.returncode == exit_code  # 1: the service could not work; 2: the configuration cannot work
    assert f"event={event}" in done.stdout and "Traceback" not in done.stdout  # one clear line
    outputs = {"stdout": done.stdout, "stderr": done.stderr, **_files_text(settings.logs_dir)}
    assert [name for name, text in outputs.items() if secret_role.password in text] == []


def _files_text(folder: Path) -> dict[str, str]:
    """Every file in `folder` (recursively) as text, by path."""
    return {
        str(path): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
