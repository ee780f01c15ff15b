"""The registry of import services: which kind of file each one takes.

Adding a kind in code is a new module with an `IMPORTER` and one line in `IMPORTERS`; a declared
kind (a TOML file in services/kinds/) needs no code at all: `importers_for` adds its service.
Container files (a SQLite file's tables) are split into parts in services/importers/containers.py.
"""

from typing import Final

from services.declarations import KindDeclaration
from services.importers import job_titles, nem12, nem13
from services.importers.base import Importer
from services.importers.declared import DeclaredImporter

IMPORTERS: Final[tuple[Importer, ...]] = (
    job_titles.IMPORTER,
    nem12.IMPORTER,
    nem13.IMPORTER,
)


def importers_for(declarations: tuple[KindDeclaration, ...]) -> tuple[Importer, ...]:
    """The built-in services and one per declared kind (SQLite files are planned from the declared ones)."""
    return (*IMPORTERS, *(DeclaredImporter(declaration) for declaration in declarations))


def known_kinds(importers: tuple[Importer, ...] = IMPORTERS) -> list[str]:
    """The names of every registered kind."""
    return [importer.kind for importer in importers]


def detect_kind(file_name: str, head: bytes, importers: tuple[Importer, ...] = IMPORTERS) -> Importer | None:
    """The import service that takes a file with this name and these first bytes: the first that accepts it, or,
    when that is a declared kind, the declared kind that fits it best (every required column, then the most
    columns; the first declared of equals), so that `results.csv` is not taken for races because it has `raceId`."""
    accepting = (importer for importer in importers if importer.accepts(file_name, head))
    first = next(accepting, None)
    if not isinstance(first, DeclaredImporter):
        return first
    declared = [first, *(importer for importer in accepting if isinstance(importer, DeclaredImporter))]
    return max(declared, key=lambda importer: importer.fit(head))
