"""Writing output files so that a reader never sees half of one."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block ends without error."""
    temporary = path.with_name(f".{path.name}.tmp")
    yield temporary
    os.replace(temporary, path)


def write_text_atomically(path: Path, content: str) -> None:
    """Write `content` (UTF-8) to a temporary file beside `path`, then rename it into place."""
    with replaced_atomically(path) as temporary:
        temporary.write_text(content, encoding="utf-8")
