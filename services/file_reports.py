"""What became of a dropped file: its outcome, the report the watcher's metrics and alerts read, and the file's
one final log line (`event=file_loaded`, `file_duplicate` or `file_quarantined`)."""

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.errors import BadFileError
from core.logfmt import Event, log_event
from services.importers.base import LoadResult
from services.ledger import FileFacts, LoadedFile

logger = logging.getLogger("services.ingest")  # the line operators grep for keeps its logger name


class Outcome(StrEnum):
    """What became of a file."""

    LOADED = "loaded"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"  # another process has it, or it is gone


@dataclass(frozen=True)
class FileReport:
    """What became of one file, with what the watcher's metrics and alerts need to know about it."""

    outcome: Outcome
    file_name: str
    kind: str | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0
    seconds: float | None = None
    reason: str | None = None
    moved_to: str | None = None


def log_quarantined(file_name: str, kind: str | None, error: BadFileError, moved_to: str) -> None:
    """The file's one final line when it was quarantined."""
    log_event(
        logger,
        "file_quarantined",
        logging.WARNING,
        file=file_name,
        kind=kind,
        reason=error.reason,
        line=error.line,
        moved_to=moved_to,
    )


def log_duplicate(facts: FileFacts, earlier: LoadedFile) -> None:
    log_event(
        logger,
        "file_duplicate",
        file=facts.file_name,
        sha256=facts.sha256,
        duplicate_of=earlier.id,
        original=earlier.shown_name,
    )


def log_loaded(path: Path, kind: str, result: LoadResult, seconds: float, file_id: int) -> None:
    rows_per_s = result.rows_loaded / seconds if seconds > 0 else 0.0
    fields: dict[str, object] = {
        "file": path.name,
        "kind": kind,
        "rows": result.rows_loaded,
        "rejected": result.rows_rejected,
        "seconds": seconds,
        "rows_per_s": round(rows_per_s),
        "encoding": result.encoding,
        "file_id": file_id,
    }
    logger.info("%s", Event("file_loaded", fields | result.notes))
