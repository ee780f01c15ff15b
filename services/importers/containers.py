"""What to load from a dropped file: the file itself with the service that takes it, or its parts.

A container holds several things to load: a SQLite file its tables (each satisfying a declared
kind). Each part is loaded by its own service under a ledger row of its own (its kind, rows and
rejects), all in the dropped file's one transaction. Planning reads the file (blocking: run it in
a thread) and raises BadFileError when nothing in it can be loaded.
"""

from dataclasses import dataclass
from typing import Final

from core.errors import BadFileError
from services.importers import detect_kind, known_kinds
from services.importers.base import Importer
from services.importers.declared import DeclaredImporter
from services.importers.records import SQLITE_MAGIC
from services.importers.sources import Source
from services.importers.sqlite_tables import CONTAINER_KIND as SQLITE_KIND
from services.importers.sqlite_tables import table_importers

EMPTY_REASON: Final = "the file is empty (0 bytes); drop it again once it has content"


@dataclass(frozen=True)
class Part:
    """One thing to load: the whole file (no name), or one named part of a container."""

    importer: Importer
    source: Source
    head: bytes
    name: str | None = None


@dataclass(frozen=True)
class Plan:
    """What loading a dropped file means: its ledger kind and the parts to load."""

    kind: str
    parts: tuple[Part, ...]

    @property
    def is_container(self) -> bool:
        """Whether the file's parts get ledger rows of their own."""
        return any(part.name is not None for part in self.parts)


def plan_parts(source: Source, head: bytes, importers: tuple[Importer, ...]) -> Plan:
    """The plan for a file with these first bytes; BadFileError when it is empty or nothing takes it."""
    if not head:
        raise BadFileError(EMPTY_REASON)
    if head.startswith(SQLITE_MAGIC):
        return _sqlite_plan(source, head, importers)
    importer = detect_kind(source.name, head, importers)
    if importer is None:
        raise BadFileError(unrecognised_reason(importers))
    return Plan(importer.kind, (Part(importer, source, head),))


def _sqlite_plan(source: Source, head: bytes, importers: tuple[Importer, ...]) -> Plan:
    declarations = [
        importer.declaration
        for importer in importers
        if isinstance(importer, DeclaredImporter) and "sqlite" in importer.declaration.formats
    ]
    if not declarations:
        raise BadFileError(unrecognised_reason(importers))
    with source.local_path() as path:
        tables = table_importers(path, declarations)
    return Plan(SQLITE_KIND, tuple(Part(table, source, head, table.plan.table) for table in tables))


def unrecognised_reason(importers: tuple[Importer, ...]) -> str:
    """Why a file was not taken, naming the kinds that are known."""
    kinds = ", ".join(known_kinds(importers))
    return f"no import service recognises this file (known kinds: {kinds}); check it is the right file and its header"
