"""Archives as they are delivered: zip and gzip recognised by content, their contents read as bounded streams.

Every archive is treated as hostile. Zip members are read as streams (`ZipFile.open`), never
extracted, and their names are only ever shown, never used as paths (a member called `../../x`
goes nowhere). Decompressed bytes are counted as they are read: past `ArchiveLimits.max_bytes`
(all of an archive's members together) or `max_ratio` times a member's compressed size, reading
stops with BadFileError, so a zip or gzip bomb is refused in bounded memory and time. Encrypted
members and compression methods Python cannot read are refused with a reason before any is read.
"""

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Final, cast

from core.errors import BadFileError

ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06")  # a member's local header; the end record of an empty zip
GZIP_MAGIC: Final = b"\x1f\x8b"
HEAD_BYTES: Final = 64 * 1024
_BUFFER_BYTES: Final = 256 * 1024
# A member this small is judged as if it were this big: a few hundred bytes of a short file can
# expand far more than 500-fold without being a bomb, and expanding to 500 KiB costs nothing.
_RATIO_FLOOR_BYTES: Final = 1024
_READABLE_METHODS: Final = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
_SHOWN_NAME_CHARS: Final = 120
_CORRUPT: Final = (zlib.error, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, NotImplementedError)


class ArchiveKind(StrEnum):
    """The archive formats recognised by content."""

    ZIP = "zip"
    GZIP = "gzip"


@dataclass(frozen=True)
class ArchiveLimits:
    """How far an archive may expand: in decompressed bytes (all members together), and per member as a
    multiple of its compressed size. Real meter data compresses 5 to 40-fold, a year of zeros about 270-fold;
    a single-layer deflate bomb about 1000-fold."""

    max_bytes: int = 8 << 30
    max_ratio: int = 500
    max_members: int = 10_000


@dataclass(frozen=True)
class ZipMember:
    """A file inside a zip: its name as written (for messages only), where it is, and its sizes."""

    name: str
    index: int
    compressed_bytes: int
    declared_bytes: int


def archive_kind(head: bytes) -> ArchiveKind | None:
    """Zip or gzip, judged from the first bytes whatever the file is called; None for anything else."""
    if head.startswith(ZIP_MAGICS):
        return ArchiveKind.ZIP
    if is_gzip(head):
        return ArchiveKind.GZIP
    return None


def is_gzip(head: bytes) -> bool:
    """Whether the first bytes are a gzip header."""
    return head.startswith(GZIP_MAGIC)


def shown_name(name: str) -> str:
    """A member name fit for a message: quoted, control characters escaped, cut short."""
    text = repr(name)
    return text if len(text) <= _SHOWN_NAME_CHARS else text[: _SHOWN_NAME_CHARS - 1] + "…"


class _Budget:
    """Decompressed bytes an archive may still give, shared by all its members."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0


class _BoundedStream(io.RawIOBase):
    """Reads a decompressing stream, refusing it once it gives more than it may; corrupt data is a bad file."""

    def __init__(self, inner: IO[bytes], what: str, allowed_bytes: int, budget: _Budget, limits: ArchiveLimits):
        super().__init__()
        self._inner = inner
        self._what = what
        self._allowed = allowed_bytes
        self._given = 0
        self._budget = budget
        self._limits = limits

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # io's own signature is looser
        try:
            data = self._inner.read(len(buffer))
        except _CORRUPT as exc:
            raise BadFileError(
                f"{self._what} is truncated or corrupt; compress the file again and drop it again", detail=str(exc)
            ) from exc
        self._given += len(data)
        self._budget.used += len(data)
        if self._given > self._allowed:
            raise BadFileError(
                f"{self._what} expands to more than {self._limits.max_ratio} times its compressed size: "
                "a zip bomb, or not meter data; it is refused"
            )
        if self._budget.used > self._budget.max_bytes:
            raise BadFileError(
                f"{self._what} takes the archive past {self._budget.max_bytes:,} bytes decompressed: "
                "too big to load (or a zip bomb); split it into smaller archives"
            )
        buffer[: len(data)] = data
        return len(data)


def _bounded(inner: IO[bytes], what: str, compressed_bytes: int, budget: _Budget, limits: ArchiveLimits) -> IO[bytes]:
    allowed = limits.max_ratio * max(compressed_bytes, _RATIO_FLOOR_BYTES)
    return io.BufferedReader(_BoundedStream(inner, what, allowed, budget, limits), buffer_size=_BUFFER_BYTES)


@contextmanager
def open_gzip(raw: IO[bytes], compressed_bytes: int, limits: ArchiveLimits) -> Iterator[IO[bytes]]:
    """The decompressed content of a gzip stream of `compressed_bytes`, bounded by `limits`."""
    with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
        stream = cast(IO[bytes], unzipped)  # a GzipFile reads like any binary stream
        yield _bounded(stream, "the gzip data", compressed_bytes, _Budget(limits.max_bytes), limits)


class ZipArchive:
    """An open zip: its file members, each opened as a bounded stream on demand."""

    def __init__(self, archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
        self._archive = archive
        self._limits = limits
        self._budget = _Budget(limits.max_bytes)
        self._infos = [info for info in archive.infolist() if not info.is_dir()]
        self.members = tuple(
            ZipMember(info.filename, index, info.compress_size, info.file_size)
            for index, info in enumerate(self._infos)
        )

    @contextmanager
    def open(self, member: ZipMember) -> Iterator[IO[bytes]]:
        """The member's content as a bounded stream; BadFileError when it is corrupt or expands too far."""
        what = f"zip member {shown_name(member.name)}"
        try:
            inner = self._archive.open(self._infos[member.index])
        except _CORRUPT as exc:
            raise BadFileError(f"{what} cannot be read: {exc}; zip it again and drop it again") from exc
        with inner:
            yield _bounded(inner, what, member.compressed_bytes, self._budget, self._limits)

    def read_head(self, member: ZipMember, size: int = HEAD_BYTES) -> bytes:
        """The member's first bytes, for recognising its kind."""
        with self.open(member) as stream:
            return stream.read(size)


@contextmanager
def open_zip(path: Path, limits: ArchiveLimits) -> Iterator[ZipArchive]:
    """The zip at `path`, checked before anything is read; BadFileError when it is corrupt, holds no file,
    holds too many, or holds one that is encrypted or compressed in a way Python cannot read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        reason = "the zip is corrupt or truncated; zip the files again and drop it again"
        raise BadFileError(reason, detail=str(exc)) from exc
    with archive:
        opened = ZipArchive(archive, limits)
        check_members(archive.infolist(), limits)
        yield opened


def check_members(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    """Refuse a zip whose members cannot all be read safely, naming the first such member."""
    files = [info for info in infos if not info.is_dir()]
    if not files:
        raise BadFileError("the zip holds no files: there is nothing to load")
    if len(files) > limits.max_members:
        raise BadFileError(f"the zip holds {len(files):,} files, more than {limits.max_members:,}; split it")
    for info in files:
        name = shown_name(info.filename)
        if info.flag_bits & 0x1:
            raise BadFileError(f"zip member {name} is encrypted: send it without a password")
        if info.compress_type not in _READABLE_METHODS:
            raise BadFileError(
                f"zip member {name} uses compression method {info.compress_type}, which cannot be read: "
                f"zip it again with one of {', '.join(_READABLE_METHODS.values())}"
            )
    declared = sum(info.file_size for info in files)
    if declared > limits.max_bytes:
        raise BadFileError(f"the zip says it expands to {declared:,} bytes, more than {limits.max_bytes:,}; split it")
