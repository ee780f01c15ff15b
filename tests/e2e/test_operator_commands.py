"""The operator's commands as real processes: --check, --requeue, and --once stopped before it is done."""

import json
import threading
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import launch_main, run_main
from tests.helpers import fetch_all, ledger

HEADER = "title,pdl count,top related titles 1\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def test_check_exits_0_for_a_good_file_and_1_naming_a_line_for_a_bad_one(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    good = _write(tmp_path / "good.csv", HEADER + "a,1,b\nc,2,d\n")
    bad = _write(tmp_path / "bad.csv", HEADER + "a,x,b\nc,y,d\ne,1,f\n")

    passed = run_main(settings, "--check", str(good))
    failed = run_main(settings, "--check", str(good), str(bad))
    as_json = run_main(settings, "--check", str(bad), "--json")

    assert passed.returncode == 0, passed.stderr
    assert passed.stdout == "good.csv: would load as job_titles: 2 rows, 0 rejected\n"
    assert failed.returncode == 1
    assert "bad.csv: would be quarantined (line 2): 2 of 3 rows were rejected" in failed.stdout
    assert json.loads(as_json.stdout)[0]["verdict"] == "would be quarantined"
    assert await ledger(engine) == []
    assert good.exists() and bad.exists()


async def test_requeue_puts_a_quarantined_file_back_and_it_loads_once_the_cause_is_fixed(
    engine: AsyncEngine, settings: Settings
) -> None:
    _write(settings.imports_dir / "strict.csv", HEADER + "a,x,b\nc,1,d\n")  # half its rows are bad
    first = run_main(settings, "--once", str(settings.imports_dir))
    assert first.returncode == 0 and (settings.failed_dir / "strict.csv.error.json").exists()

    unknown = run_main(settings, "--requeue", "nope.csv")
    again = run_main(settings, "--requeue", "strict.csv", "--once", str(settings.imports_dir), MAX_REJECT_RATIO="0.5")

    assert unknown.returncode == 1 and "nope.csv" in unknown.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    assert "event=file_requeued file=strict.csv" in again.stdout
    assert list(settings.failed_dir.iterdir()) == []
    assert [(e["file_name"], e["status"]) for e in await ledger(engine)] == [
        ("strict.csv", "failed"),
        ("strict.csv", "loaded"),
    ]
    assert await fetch_all(engine, "SELECT title FROM staging.job_titles") == [{"title": "c"}]


def test_once_stopped_before_its_files_are_handled_exits_non_zero(settings: Settings) -> None:
    growing = _write(settings.imports_dir / "growing.csv", HEADER)
    stop_writing = threading.Event()

    def keep_writing() -> None:  # the file never settles
        while not stop_writing.wait(0.1):
            with open(growing, "a", encoding="utf-8") as stream:
                stream.write("a,1,b\n")

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    once = launch_main(settings, "--once", str(settings.imports_dir))
    try:
        once.wait_for_event("startup")
        time.sleep(0.5)
        assert once.stop() == 1  # SIGTERM, then the exit code
    finally:
        stop_writing.set()
        writer.join()
        if once.process.poll() is None:
            once.kill()
    assert growing.exists()


async def test_reload_loads_an_archived_file_again_in_place_of_its_earlier_load(
    engine: AsyncEngine, settings: Settings
) -> None:
    _write(settings.imports_dir / "titles.csv", HEADER + "a,1,b\nc,2,d\n")
    assert run_main(settings, "--once", str(settings.imports_dir)).returncode == 0

    reloaded = run_main(settings, "--reload", "titles.csv")
    unknown = run_main(settings, "--reload", "nope.csv")

    assert reloaded.returncode == 0, reloaded.stderr
    assert "event=file_reloaded file=titles.csv" in reloaded.stdout
    assert unknown.returncode == 1 and "'nope.csv' is not a file in" in unknown.stderr
    assert [e["status"] for e in await ledger(engine)] == ["replaced", "loaded"]
    assert await fetch_all(engine, "SELECT count(*) AS n FROM staging.job_titles") == [{"n": 2}]
