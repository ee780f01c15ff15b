"""Requeueing quarantined files and pruning old archived copies, on real folders."""

import time
from pathlib import Path

from services.housekeeping import prune_archive, requeue
from services.inbox import expired_archives, quarantined_files

DAY = 86_400.0


def _quarantine(failed: Path, name: str, content: bytes = b"x") -> Path:
    failed.mkdir(parents=True, exist_ok=True)
    (failed / name).write_bytes(content)
    (failed / f"{name}.error.json").write_text('{"reason": "bad"}', encoding="utf-8")
    return failed / name


def test_quarantined_files_are_listed_without_their_error_reports(tmp_path: Path) -> None:
    _quarantine(tmp_path, "b.csv")
    _quarantine(tmp_path, "a.csv")
    (tmp_path / ".a.csv.error.json.tmp").write_text("{}", encoding="utf-8")

    assert [path.name for path in quarantined_files(tmp_path)] == ["a.csv", "b.csv"]
    assert quarantined_files(tmp_path / "missing") == []


def test_requeue_moves_every_quarantined_file_back_and_removes_its_report(tmp_path: Path) -> None:
    failed, imports = tmp_path / "imports" / "failed", tmp_path / "imports"
    _quarantine(failed, "a.csv", b"a")
    _quarantine(failed, "b.csv", b"b")

    done = requeue(failed, imports, [])

    assert done.moved == {"a.csv": "a.csv", "b.csv": "b.csv"} and done.not_found == ()
    assert (imports / "a.csv").read_bytes() == b"a" and (imports / "b.csv").read_bytes() == b"b"
    assert list(failed.iterdir()) == []


def test_requeue_of_named_files_leaves_the_others_and_reports_unknown_names(tmp_path: Path) -> None:
    failed, imports = tmp_path / "failed", tmp_path / "imports"
    _quarantine(failed, "a.csv")
    _quarantine(failed, "b.csv")

    done = requeue(failed, imports, ["b.csv", "nope.csv"])

    assert done.moved == {"b.csv": "b.csv"} and done.not_found == ("nope.csv",)
    assert sorted(path.name for path in failed.iterdir()) == ["a.csv", "a.csv.error.json"]


def test_requeue_never_overwrites_a_file_waiting_under_the_same_name(tmp_path: Path) -> None:
    failed, imports = tmp_path / "failed", tmp_path / "imports"
    _quarantine(failed, "a.csv", b"old")
    imports.mkdir()
    (imports / "a.csv").write_bytes(b"new")

    done = requeue(failed, imports, ["a.csv"])

    assert (imports / "a.csv").read_bytes() == b"new"
    assert done.moved["a.csv"] != "a.csv" and (imports / done.moved["a.csv"]).read_bytes() == b"old"


def test_archives_expire_by_the_time_they_were_archived(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    now = time.time()

    assert expired_archives(tmp_path, 2 * DAY, now) == []
    assert expired_archives(tmp_path, 2 * DAY, now + 3 * DAY) == [tmp_path / "old.csv"]
    assert expired_archives(tmp_path / "missing", DAY, now) == []


def test_pruning_deletes_only_what_is_past_retention(tmp_path: Path) -> None:
    (tmp_path / "fresh.csv").write_bytes(b"x")

    assert prune_archive(tmp_path, retention_days=1.0) == []
    time.sleep(0.1)
    assert prune_archive(tmp_path, retention_days=0.05 / DAY) == ["fresh.csv"]
    assert list(tmp_path.iterdir()) == []
