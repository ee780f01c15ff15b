"""What an importer reads: a dropped file or a member of a dropped archive, as bytes or decoded lines.

A `Source` can be opened as often as an importer needs (to sniff its format, to scan its encoding,
then to load it); every opening yields the content decompressed (gzip here; zip members are sources of
their own), as a stream, so memory stays bounded whatever the size. The functions below also take a
plain `Path`, which is read as a `FileSource`.
"""

import gzip
import io
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Protocol, cast

from core.errors import BadFileError

GZIP_MAGIC: Final = b"\x1f\x8b"
HEAD_BYTES: Final = 64 * 1024
_TEXT_CHUNK_BYTES: Final = 256 * 1024


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


def is_gzip(head: bytes) -> bool:
    """Whether the first bytes are a gzip header."""
    return head.startswith(GZIP_MAGIC)


@dataclass(frozen=True)
class FileSource:
    """A dropped file, plain or gzip-compressed."""

    path: Path

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.name

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        """Open the file for reading bytes, decompressing gzip as a stream."""
        with open(self.path, "rb") as raw:
            if not is_gzip(raw.read(2)):
                raw.seek(0)
                yield raw
                return
            raw.seek(0)
            with _gunzipped(raw) as unzipped:
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


@contextmanager
def _gunzipped(raw: IO[bytes]) -> Iterator[IO[bytes]]:
    try:
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield cast(IO[bytes], unzipped)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BadFileError(
            "the gzip data is truncated or corrupt; compress the file again and drop it again", detail=str(exc)
        ) from exc


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
