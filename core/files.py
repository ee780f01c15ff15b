"""Writing output files so that a reader never sees half of one, and a crash never leaves a torn one."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; flushed to disk and renamed onto `path` when the block
    ends without error. On an error the temporary file is removed and `path` is left as it was."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_text_atomically(path: Path, content: str) -> None:
    """Write `content` (UTF-8) to a temporary file beside `path`, then rename it into place."""
    with replaced_atomically(path) as temporary:
        temporary.write_text(content, encoding="utf-8")


def _fsync(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: the directory entry lives in the folder)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
