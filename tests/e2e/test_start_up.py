"""Start-up without a database: a container (EMBEDDED_POSTGRES=false) refuses with one line and exit code 2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAIN = Path(__file__).resolve().parents[2] / "main.py"
DATABASE_VARIABLES = {"db_string", "db_string_async", "database_url", "embedded_postgres"}


@pytest.mark.parametrize("mode", [["--once", "imports"], ["--status"], ["--pipeline"]])
def test_without_a_database_and_the_embedded_one_off_start_up_fails_in_one_line(
    tmp_path: Path, mode: list[str]
) -> None:
    (tmp_path / "imports").mkdir()
    env = {key: value for key, value in os.environ.items() if key.lower() not in DATABASE_VARIABLES}

    done = subprocess.run(
        [sys.executable, str(MAIN), *mode],
        cwd=tmp_path,  # no .env here
        env={**env, "EMBEDDED_POSTGRES": "false", "LOGS_DIR": str(tmp_path / "logs")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2
    assert len(lines) == 1, lines
    assert "event=bad_configuration" in lines[0]
    assert "set DB_STRING" in lines[0] and "EMBEDDED_POSTGRES=true" in lines[0]
    assert not (tmp_path / ".pgdata").exists()
