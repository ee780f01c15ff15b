"""core/files.py: an output file is replaced whole or not at all, and no temporary file is left behind."""

from pathlib import Path

import pytest

from core.files import replaced_atomically, write_text_atomically


def test_the_new_content_replaces_the_old_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    write_text_atomically(target, "new")

    assert target.read_text(encoding="utf-8") == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]


def test_an_error_while_writing_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old", encoding="utf-8")

    with pytest.raises(RuntimeError, match="disk trouble"), replaced_atomically(target) as temporary:
        temporary.write_text("half of the n", encoding="utf-8")
        raise RuntimeError("disk trouble")

    assert target.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["export.csv"]
