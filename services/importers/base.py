"""What every import service shares: the protocol, rejected rows and load results."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from services.importers.sources import Source


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not be typed: where it is, what it said, and why."""

    line_no: int
    raw_text: str
    reason: str


@dataclass(frozen=True)
class LoadJob:
    """What an import service needs to load one file (or one member of an archive)."""

    source: Source
    head: bytes  # the first bytes of the content, as the service was recognised by
    file_id: int
    staging_schema: str
    copy_chunk_bytes: int
    on_progress: Callable[[int], None]


@dataclass(frozen=True)
class LoadResult:
    """What an import service reports after loading a file (before the transaction commits)."""

    rows_loaded: int
    rows_rejected: int
    encoding: str | None = None
    first_rejects: tuple[Reject, ...] = ()
    # Records read, when one record gives many rows (a NEM12 300 record gives 48): the reject ratio
    # compares rejected records with records, not with rows.
    source_records: int | None = None
    notes: dict[str, object] = field(default_factory=dict)
    column_map: dict[str, object] | None = None  # declared kinds: which column fed which canonical one
    staged_into: str | None = None  # declared kinds: the staging table the rows went into (stage_into)


class Importer(Protocol):
    """An import service: recognises its files and streams them into its staging table."""

    @property
    def kind(self) -> str:
        """The kind's one name: module, staging table and log field."""
        ...

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Whether this service takes the file, judged from its name and first bytes (decompressed)."""
        ...

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Load the file inside the caller's transaction; raise BadFileError when it cannot be used."""
        ...
