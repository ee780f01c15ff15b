"""Every command the README shows exists: main.py flags parse, pipenv scripts are defined, files are there."""

import importlib.util
import re
import shlex
import tomllib
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BENCH_README = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
FENCED = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
COMMANDS = [
    command.strip()
    for block in FENCED
    for line in block.splitlines()
    if line.strip() and not line.startswith("#")
    for command in line.split("&&")
]


def _words(command: str) -> list[str]:
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        words = words[1:]  # leading VAR=value assignments
    return words


def test_the_readme_shows_both_first_commands() -> None:
    assert "docker compose up -d" in COMMANDS
    assert "pipenv run test" in COMMANDS


@pytest.mark.parametrize("command", [c for c in COMMANDS if "main.py" in c])
def test_every_main_py_command_parses(command: str) -> None:
    words = _words(command)
    arguments = words[words.index("main.py") + 1 :]

    parsed = main.parse_args(arguments)

    assert parsed is not None


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("pipenv run ")])
def test_every_pipenv_run_names_a_script_or_a_program(command: str) -> None:
    scripts = tomllib.loads((ROOT / "Pipfile").read_text(encoding="utf-8"))["scripts"]
    target = _words(command)[2]

    assert target in scripts or target in {"python", "alembic", "pytest"}


def test_every_file_the_readme_names_exists() -> None:
    named = set(re.findall(r"`((?:services|sql|models|core|bench|tests)/[\w./<>-]+?)`", README))
    concrete = {name for name in named if "<" not in name and "*" not in name}

    missing = [name for name in sorted(concrete) if not (ROOT / name.split(" ")[0]).exists()]

    assert concrete and not missing


@pytest.mark.parametrize("module", sorted(set(re.findall(r"python -m ([\w.]*\w)", README + BENCH_README))))
def test_every_python_m_command_names_a_module_that_exists(module: str) -> None:
    assert importlib.util.find_spec(module) is not None
