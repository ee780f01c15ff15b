"""Reading revision ids and heads from the migration files without alembic, as alembic itself reads them."""

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from core.config import Settings
from core.db import alembic_config, migration_folders
from core.revisions import revision_ids, script_heads


def _revision(revision: str, down: str) -> str:
    return f'"""A revision."""\n\nrevision: str = "{revision}"\ndown_revision: str | None = {down}\n'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_revision("0002", '"0001"'), ("0002", ("0001",))),
        (_revision("0001", "None"), ("0001", ())),
        (_revision("m1", '("a", "b")'), ("m1", ("a", "b"))),
        ("revision = 'x'\ndown_revision = 'w'\n", ("x", ("w",))),
        (_revision("0002", "PARENT"), None),  # not a literal: let alembic decide
        ("revision = 'x'\ndown_revision = 3\n", None),
        ("down_revision = None\n", None),
        ("def broken(:\n", None),
    ],
)
def test_revision_ids_are_read_only_when_written_as_literals(
    source: str, expected: tuple[str, tuple[str, ...]] | None
) -> None:
    assert revision_ids(source) == expected


def test_the_heads_are_the_revisions_nothing_revises(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(_revision("1", "None"), encoding="utf-8")
    (tmp_path / "b.py").write_text(_revision("2", '"1"'), encoding="utf-8")
    (tmp_path / "c.py").write_text(_revision("3", '"1"'), encoding="utf-8")
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    (kinds / "d.py").write_text(_revision("4", '"3"'), encoding="utf-8")

    assert script_heads([tmp_path]) == frozenset({"2", "3"})
    assert script_heads([tmp_path, kinds, tmp_path / "missing"]) == frozenset({"2", "4"})
    (tmp_path / "e.py").write_text(_revision("5", "PARENT"), encoding="utf-8")
    assert script_heads([tmp_path]) is None
    assert script_heads([tmp_path / "missing"]) is None


def test_the_projects_heads_are_alembics() -> None:
    settings = Settings(_env_file=None, db_string_async="postgresql+asyncpg://nobody@localhost/none")
    config = alembic_config(settings, settings.async_database_url)

    assert script_heads(migration_folders(settings)) == frozenset(ScriptDirectory.from_config(config).get_heads())
