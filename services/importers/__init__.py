"""The registry of import services: which kind of file each one takes.

Adding a kind in code is a new module with an `IMPORTER` and one line in `IMPORTERS`; a declared
kind (a TOML file in services/kinds/) needs no code at all: `importers_for` adds its service.
"""

from typing import Final

from services.declarations import KindDeclaration
from services.importers import job_titles, nem12, nem13
from services.importers.base import Importer
from services.importers.declared import DeclaredImporter
from services.importers.sqlite_tables import SqliteImporter

IMPORTERS: Final[tuple[Importer, ...]] = (
    job_titles.IMPORTER,
    nem12.IMPORTER,
    nem13.IMPORTER,
)


def importers_for(declarations: tuple[KindDeclaration, ...]) -> tuple[Importer, ...]:
    """The built-in services, one per declared kind, and the SQLite service when a kind takes SQLite."""
    declared = tuple(DeclaredImporter(declaration) for declaration in declarations)
    takes_sqlite = any("sqlite" in declaration.formats for declaration in declarations)
    return (*IMPORTERS, *declared, *((SqliteImporter(declarations),) if takes_sqlite else ()))


def known_kinds(importers: tuple[Importer, ...] = IMPORTERS) -> list[str]:
    """The names of every registered kind (a SQLite file is a container of declared kinds, not a kind)."""
    return [importer.kind for importer in importers if importer.kind != "sqlite"]


def detect_kind(file_name: str, head: bytes, importers: tuple[Importer, ...] = IMPORTERS) -> Importer | None:
    """The first import service that takes a file with this name and these first bytes."""
    return next((importer for importer in importers if importer.accepts(file_name, head)), None)
