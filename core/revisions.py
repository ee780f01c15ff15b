"""The head revisions of the migration folders, read from the revision files without importing alembic.

Every command checks at start that the database is migrated. When its version table already names
these heads there is nothing to do, and alembic (a tenth of a second to import, and its env.py to
run) is not needed. Anything this cannot read plainly gives None, and the caller asks alembic.
"""

import ast
from collections.abc import Iterable
from pathlib import Path

_IDS = ("revision", "down_revision")


def _assignment(node: ast.stmt) -> tuple[str, ast.expr] | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    return None


def _as_ids(value: object) -> tuple[str, ...] | None:
    items = () if value is None else (value,) if isinstance(value, str) else value
    if isinstance(items, tuple | list) and all(isinstance(item, str) for item in items):
        return tuple(items)
    return None


def revision_ids(source: str) -> tuple[str, tuple[str, ...]] | None:
    """A revision file's id and the ids it revises, or None when they are not written as plain literals."""
    try:
        assignments = [found for node in ast.parse(source).body if (found := _assignment(node))]
        values = {name: ast.literal_eval(value) for name, value in assignments if name in _IDS}
    except (SyntaxError, ValueError):
        return None
    revision, downs = values.get("revision"), _as_ids(values.get("down_revision"))
    return (revision, downs) if isinstance(revision, str) and downs is not None else None


def script_heads(folders: Iterable[Path]) -> frozenset[str] | None:
    """The revisions no other revision revises, over every `*.py` revision file in `folders`; None if unreadable."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            if path.name == "__init__.py":
                continue
            ids = revision_ids(path.read_text(encoding="utf-8"))
            if ids is None:
                return None
            revisions.add(ids[0])
            revised.update(ids[1])
    return frozenset(revisions - revised) if revisions else None
