"""What an importer reads: a dropped file or a member of a dropped zip, as bytes or decoded lines.

A `Source` can be opened as often as an importer needs (to sniff its format, to scan its encoding,
then to load it); every opening yields the content decompressed and bounded (services/importers/
archives.py: a gzip or zip bomb is a bad file), as a stream, so memory stays bounded whatever the
size. The functions below also take a plain `Path`, which is read as a `FileSource`.
"""

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final, Protocol

from services.importers.archives import HEAD_BYTES, ArchiveLimits, ZipMember, is_gzip, open_gzip, open_zip

_TEXT_CHUNK_BYTES: Final = 256 * 1024
__all__ = ["HEAD_BYTES", "FileSource", "Source", "ZipMemberSource", "open_binary", "open_text", "read_head"]


class Source(Protocol):
    """One input an importer reads."""

    @property
    def name(self) -> str:
        """The name to show in messages: the file's, or `archive.zip/member` for a member."""
        ...

    def open_binary(self) -> AbstractContextManager[IO[bytes]]:
        """The content as a stream of bytes (decompressed); BadFileError when it cannot be read whole."""
        ...

    def local_path(self) -> AbstractContextManager[Path]:
        """A file on disk holding the content, for readers that need one (SQLite)."""
        ...


@dataclass(frozen=True)
class FileSource:
    """A dropped file, plain or gzip-compressed."""

    path: Path
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.name

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        """Open the file for reading bytes, decompressing gzip as a bounded stream."""
        with open(self.path, "rb") as raw:
            is_compressed = is_gzip(raw.read(2))
            raw.seek(0)
            if not is_compressed:
                yield raw
                return
            with open_gzip(raw, os.fstat(raw.fileno()).st_size, self.limits) as unzipped:
                yield unzipped

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """The file itself, or a decompressed temporary copy of a gzip file (removed afterwards)."""
        with open(self.path, "rb") as raw:
            is_compressed = is_gzip(raw.read(2))
        if not is_compressed:
            yield self.path
            return
        with self.open_binary() as stream, temporary_copy(stream) as copy:
            yield copy


@dataclass(frozen=True)
class ZipMemberSource:
    """A member of a dropped zip; its name is only ever shown, never used as a path."""

    path: Path
    member: ZipMember
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)

    @property
    def name(self) -> str:
        """`archive.zip/member` as written in the zip."""
        return f"{self.path.name}/{self.member.name}"

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        """The member's content, decompressed as a bounded stream."""
        with open_zip(self.path, self.limits) as archive, archive.open(self.member) as stream:
            yield stream

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """A temporary copy of the member under a name of our own (removed afterwards)."""
        with self.open_binary() as stream, temporary_copy(stream) as copy:
            yield copy


@contextmanager
def temporary_copy(stream: IO[bytes]) -> Iterator[Path]:
    """The stream's bytes in a temporary file with a name of its own (never one taken from the input)."""
    with tempfile.TemporaryDirectory(prefix="dropfolder-") as folder:
        copy = Path(folder) / "content"
        with open(copy, "wb") as sink:
            shutil.copyfileobj(stream, sink, 1 << 20)
        yield copy


def as_source(source: Source | Path) -> Source:
    """A `Path` read as a `FileSource`; a source as itself."""
    return FileSource(source) if isinstance(source, Path) else source


def open_binary(source: Source | Path) -> AbstractContextManager[IO[bytes]]:
    """The source's content as bytes (decompressed)."""
    return as_source(source).open_binary()


@contextmanager
def open_text(source: Source | Path, encoding: str) -> Iterator[IO[str]]:
    """The source as text lines with their line ends kept as written (what the csv module wants)."""
    with open_binary(source) as stream:
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        text._CHUNK_SIZE = _TEXT_CHUNK_BYTES  # type: ignore[attr-defined]  # larger reads, fewer calls
        try:
            yield text
        finally:
            text.detach()


def read_head(source: Source | Path) -> bytes:
    """The first bytes of the content (decompressed), for recognising its kind and format."""
    with open_binary(source) as stream:
        return stream.read(HEAD_BYTES)
