"""Opening a dropped file for reading: plain or gzip-compressed, as bytes or as decoded lines."""

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

from services.importers.archives import GZIP_MAGIC, ArchiveLimits, open_gzip

HEAD_BYTES: Final = 64 * 1024
_TEXT_CHUNK_BYTES: Final = 256 * 1024


def is_gzip(head: bytes) -> bool:
    """Whether the first bytes are a gzip header."""
    return head.startswith(GZIP_MAGIC)


@contextmanager
def open_binary(path: Path, limits: ArchiveLimits | None = None) -> Iterator[IO[bytes]]:
    """Open `path` for reading bytes, decompressing gzip as a stream bounded by `limits` (a gzip bomb is a bad file)."""
    with open(path, "rb") as raw:
        if not is_gzip(raw.read(2)):
            raw.seek(0)
            yield raw
            return
        raw.seek(0)
        with open_gzip(raw, os.fstat(raw.fileno()).st_size, limits or ArchiveLimits()) as unzipped:
            yield unzipped


@contextmanager
def open_text(path: Path, encoding: str) -> Iterator[IO[str]]:
    """Open `path` as text lines with their line ends kept as written (what the csv module wants)."""
    with open_binary(path) as stream:
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        text._CHUNK_SIZE = _TEXT_CHUNK_BYTES  # type: ignore[attr-defined]  # larger reads, fewer calls
        try:
            yield text
        finally:
            text.detach()


def read_head(path: Path) -> bytes:
    """The first bytes of the file's content (decompressed when it is gzip), for recognising its kind."""
    with open_binary(path) as stream:
        return stream.read(HEAD_BYTES)
