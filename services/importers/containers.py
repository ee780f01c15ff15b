"""What to load from a dropped file: the file itself with the service that takes it, or its parts.

A container holds several things to load: a SQLite file its tables (each satisfying a declared
kind), a zip its members (each recognised by its own content, whatever its name; a SQLite member
gives its tables). Each part is loaded by its own service under a ledger row of its own (its kind,
rows and rejects; a member's content hash, so content loaded before is a duplicate), all in the
dropped file's one transaction: a zip loads whole or not at all. Planning reads the file (blocking:
run it in a thread) and raises BadFileError when anything in it cannot be loaded.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from core.errors import BadFileError
from services.importers import detect_kind, known_kinds
from services.importers.archives import (
    ArchiveKind,
    ArchiveLimits,
    ZipArchive,
    ZipMember,
    archive_kind,
    open_zip,
    shown_name,
)
from services.importers.base import Importer
from services.importers.declared import DeclaredImporter
from services.importers.records import SQLITE_MAGIC
from services.importers.sources import FileSource, Source, ZipMemberSource
from services.importers.sqlite_tables import CONTAINER_KIND as SQLITE_KIND
from services.importers.sqlite_tables import table_importers

ZIP_KIND: Final = "zip"  # the ledger kind of a zip; its members are parts with kinds of their own
# What archiving tools add beside the files (macOS resource forks, Finder and Explorer metadata).
_JUNK_MEMBERS: Final = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})

EMPTY_REASON: Final = "the file is empty (0 bytes); drop it again once it has content"


@dataclass(frozen=True)
class Part:
    """One thing to load: the whole file (no name), or one named part of a container."""

    importer: Importer
    source: Source
    head: bytes
    name: str | None = None
    is_member: bool = False  # an archive member: its content hash tells whether it was loaded before


@dataclass(frozen=True)
class Plan:
    """What loading a dropped file means: its ledger kind and the parts to load."""

    kind: str
    parts: tuple[Part, ...]

    @property
    def is_container(self) -> bool:
        """Whether the file's parts get ledger rows of their own."""
        return any(part.name is not None for part in self.parts)


def plan_parts(source: FileSource, head: bytes, importers: tuple[Importer, ...]) -> Plan:
    """The plan for a dropped file with these first bytes; BadFileError when it is empty or nothing takes it."""
    if not head:
        raise BadFileError(EMPTY_REASON)
    if archive_kind(head) is ArchiveKind.ZIP:
        return Plan(ZIP_KIND, _zip_parts(source, importers))
    if head.startswith(SQLITE_MAGIC):
        return Plan(SQLITE_KIND, _table_parts(source, head, importers))
    importer = detect_kind(source.name, head, importers)
    if importer is None:
        raise BadFileError(unrecognised_reason(importers))
    return Plan(importer.kind, (Part(importer, source, head),))


def _table_parts(source: Source, head: bytes, importers: tuple[Importer, ...], prefix: str = "") -> tuple[Part, ...]:
    declarations = [
        importer.declaration
        for importer in importers
        if isinstance(importer, DeclaredImporter) and "sqlite" in importer.declaration.formats
    ]
    if not declarations:
        raise BadFileError(unrecognised_reason(importers))
    with source.local_path() as path:
        tables = table_importers(path, declarations)
    return tuple(Part(table, source, head, f"{prefix}{table.plan.table}") for table in tables)


def _zip_parts(source: FileSource, importers: tuple[Importer, ...]) -> tuple[Part, ...]:
    with open_zip(source.path, source.limits) as archive:
        members = [member for member in archive.members if not is_junk_member(member.name)]
        if not members:
            raise BadFileError("the zip holds no files to load, only folders or system files")
        return tuple(
            part for member in members for part in _member_parts(archive, source, member, source.limits, importers)
        )


def _member_parts(
    archive: ZipArchive, source: FileSource, member: ZipMember, limits: ArchiveLimits, importers: tuple[Importer, ...]
) -> tuple[Part, ...]:
    head = archive.read_head(member)
    shown = shown_name(member.name)
    if not head:
        raise BadFileError(f"zip member {shown} is empty (0 bytes); remove it from the zip or fill it")
    if archive_kind(head) is not None:
        raise BadFileError(f"zip member {shown} is itself an archive; zip the files themselves, not archives")
    member_source = ZipMemberSource(source.path, member, limits)
    if head.startswith(SQLITE_MAGIC):
        return _table_parts(member_source, head, importers, prefix=f"{member.name}:")
    importer = detect_kind(member.name, head, importers)
    if importer is None:
        raise BadFileError(f"zip member {shown}: {unrecognised_reason(importers)}")
    return (Part(importer, member_source, head, member.name, is_member=True),)


def is_junk_member(name: str) -> bool:
    """Whether a zip member is what archiving tools add beside the files (never loaded, never refused)."""
    path = PurePosixPath(name)
    return path.parts[:1] == ("__MACOSX",) or path.name in _JUNK_MEMBERS or path.name.startswith("._")


def unrecognised_reason(importers: tuple[Importer, ...]) -> str:
    """Why a file was not taken, naming the kinds that are known."""
    kinds = ", ".join(known_kinds(importers))
    return f"no import service recognises this file (known kinds: {kinds}); check it is the right file and its header"
