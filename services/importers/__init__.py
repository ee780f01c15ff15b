"""The registry of import services: which kind of file each one takes.

Adding a kind is a new module with an `IMPORTER` and one line in `IMPORTERS`.
"""

from typing import Final

from services.importers import job_titles, nem12
from services.importers.base import Importer

IMPORTERS: Final[tuple[Importer, ...]] = (
    job_titles.IMPORTER,
    nem12.IMPORTER,
)


def known_kinds() -> list[str]:
    """The names of every registered kind."""
    return [importer.kind for importer in IMPORTERS]


def detect_kind(file_name: str, head: bytes) -> Importer | None:
    """The first import service that takes a file with this name and these first bytes."""
    return next((importer for importer in IMPORTERS if importer.accepts(file_name, head)), None)
