"""core/files.py: an output file is replaced whole or not at all, and no temporary file is left behind."""

import os
from pathlib import Path

import pytest

from core.files import replaced_atomically, replaced_if_changed, write_text_atomically


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


def test_an_export_with_the_same_content_leaves_the_file_and_its_time_alone(tmp_path: Path) -> None:
    target = tmp_path / "stats_2024.json"
    target.write_text("[]\n")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    changed: set[Path] = set()

    with replaced_if_changed(target, changed) as temporary:
        temporary.write_text("[]\n")
    with replaced_if_changed(tmp_path / "stats_2023.json", changed) as temporary:
        temporary.write_text("[]\n")

    assert target.stat().st_mtime_ns == 1_000_000_000 and changed == {tmp_path / "stats_2023.json"}
    with replaced_if_changed(target, changed) as temporary:
        temporary.write_text('[{"a":1}]\n')
    assert target.read_text() == '[{"a":1}]\n' and target in changed
    assert sorted(path.name for path in tmp_path.iterdir()) == ["stats_2023.json", "stats_2024.json"]
