"""Writing output files so that a reader never sees half of one, and a crash never leaves a torn one."""

import filecmp
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


@contextmanager
def replaced_if_changed(path: Path, changed: set[Path]) -> Iterator[Path]:
    """`replaced_atomically`, except that a file whose content is already `path`'s is dropped, leaving `path` (and
    its modification time) untouched: a re-run that changes nothing rewrites nothing. Replaced paths go to `changed`.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        if path.is_file() and filecmp.cmp(temporary, path, shallow=False):
            temporary.unlink()
            return
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    changed.add(path)
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
