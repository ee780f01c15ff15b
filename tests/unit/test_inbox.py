"""The drop folder's decisions (which names, when settled, in what order, under which archive name) and its moves."""

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.inbox import (
    MAX_ARCHIVE_NAME_BYTES,
    FileStat,
    Observation,
    archive_name,
    error_report,
    is_candidate_name,
    is_settled,
    move_without_overwrite,
    observe,
    processing_order,
    timestamp,
    write_error_report,
)

MOMENT = datetime(2026, 11, 27, 23, 59, 41, tzinfo=UTC)
STAMP = "20261127T235941Z"


@pytest.mark.parametrize(
    "name", ["titles.csv", "TITLES.CSV", "titles.csv.gz", "README", "a", "titles tmp.csv", "x.tmp.csv", "part"]
)
def test_finished_looking_names_are_candidates(name: str) -> None:
    assert is_candidate_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".titles.csv",
        ".~lock.titles.csv#",
        "titles.csv.tmp",
        "titles.csv.TMP",
        "titles.csv.part",
        "titles.csv.Part",
        "titles.csv.partial",
        "titles.csv.crdownload",
        "titles.csv.CRDOWNLOAD",
        "titles.csv.download",
        ".titles.csv.swp",
        "titles.csv.swp",
        "titles.csv.filepart",
        "titles.csv~",
    ],
)
def test_hidden_temporary_and_partial_names_are_ignored(name: str) -> None:
    assert not is_candidate_name(name)


def test_a_first_sighting_starts_the_settle_clock() -> None:
    assert observe(None, FileStat(10, 5), now=100.0) == Observation(FileStat(10, 5), 100.0)


def test_an_unchanged_stat_keeps_the_settle_clock_running() -> None:
    first = observe(None, FileStat(10, 5), now=100.0)
    assert observe(first, FileStat(10, 5), now=103.0) is first


@pytest.mark.parametrize("changed", [FileStat(11, 5), FileStat(10, 6), FileStat(0, 5)])
def test_a_changed_size_or_mtime_restarts_the_settle_clock(changed: FileStat) -> None:
    first = observe(None, FileStat(10, 5), now=100.0)
    assert observe(first, changed, now=103.0) == Observation(changed, 103.0)


@pytest.mark.parametrize(
    ("now", "settled"), [(100.0, False), (100.99, False), (101.0, True), (105.0, True), (99.0, False)]
)
def test_a_file_is_settled_once_unchanged_for_the_settle_seconds(now: float, settled: bool) -> None:
    assert is_settled(Observation(FileStat(10, 5), 100.0), now, settle_seconds=1.0) is settled


def test_a_file_changing_on_every_look_never_settles() -> None:
    observation = None
    for tick, size in enumerate(range(1, 20)):
        observation = observe(observation, FileStat(size, size), now=float(tick))
        assert not is_settled(observation, float(tick) + 0.5, settle_seconds=1.0)


def test_files_are_processed_oldest_first_then_by_name() -> None:
    seen = {
        "b.csv": Observation(FileStat(1, 200), 0.0),
        "a.csv": Observation(FileStat(1, 200), 0.0),
        "z.csv": Observation(FileStat(1, 100), 0.0),
        "c.csv": Observation(FileStat(1, 300), 0.0),
    }
    assert sorted(seen, key=lambda name: processing_order(name, seen[name])) == ["z.csv", "a.csv", "b.csv", "c.csv"]


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("titles.csv", f"titles.{STAMP}.csv", f"titles.{STAMP}-2.csv"),
        ("titles.csv.gz", f"titles.{STAMP}.csv.gz", f"titles.{STAMP}-2.csv.gz"),
        ("TITLES.CSV.GZ", f"TITLES.{STAMP}.CSV.GZ", f"TITLES.{STAMP}-2.CSV.GZ"),
        ("titles.gz", f"titles.{STAMP}.gz", f"titles.{STAMP}-2.gz"),
        ("titles.csv.zip", f"titles.{STAMP}.csv.zip", f"titles.{STAMP}-2.csv.zip"),
        ("my.titles.csv", f"my.titles.{STAMP}.csv", f"my.titles.{STAMP}-2.csv"),
        ("README", f"README.{STAMP}", f"README.{STAMP}-2"),
    ],
)
def test_a_name_clash_adds_a_stamp_and_a_counter_before_the_extension(name: str, first: str, second: str) -> None:
    assert [archive_name(name, attempt, STAMP) for attempt in range(3)] == [name, first, second]


def test_archive_names_for_successive_attempts_are_all_different() -> None:
    names = [archive_name("titles.csv.gz", attempt, STAMP) for attempt in range(50)]
    assert len(set(names)) == 50


@pytest.mark.parametrize(
    ("moment", "stamp"),
    [(MOMENT, STAMP), (datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC), "20260102T030405Z")],
)
def test_the_archive_stamp_is_compact_and_drops_fractions(moment: datetime, stamp: str) -> None:
    assert timestamp(moment) == stamp


def test_an_error_report_says_what_where_and_when() -> None:
    moment = datetime(2026, 11, 27, 23, 59, 41, 123456, tzinfo=timezone(timedelta(hours=1)))
    report = error_report("t.csv", "bad", detail="more", line=3, kind="job_titles", sha256="ab", at=moment)
    assert report == {
        "file": "t.csv",
        "reason": "bad",
        "detail": "more",
        "line": 3,
        "kind": "job_titles",
        "sha256": "ab",
        "quarantined_at": "2026-11-27T23:59:41+01:00",
    }


def drop(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def test_a_move_creates_the_folder_and_keeps_the_name(tmp_path: Path) -> None:
    source = drop(tmp_path, "titles.csv", b"new")
    target = move_without_overwrite(source, tmp_path / "processed" / "deep", MOMENT)
    assert target == tmp_path / "processed" / "deep" / "titles.csv"
    assert target.read_bytes() == b"new"
    assert not source.exists()


def test_a_move_never_overwrites_and_adds_a_suffix_on_each_clash(tmp_path: Path) -> None:
    archive = tmp_path / "processed"
    drop(archive, "titles.csv.gz", b"first")
    drop(archive, f"titles.{STAMP}.csv.gz", b"second")
    target = move_without_overwrite(drop(tmp_path, "titles.csv.gz", b"third"), archive, MOMENT)
    assert target.name == f"titles.{STAMP}-2.csv.gz"
    assert {path.name: path.read_bytes() for path in archive.iterdir()} == {
        "titles.csv.gz": b"first",
        f"titles.{STAMP}.csv.gz": b"second",
        f"titles.{STAMP}-2.csv.gz": b"third",
    }
    assert list(tmp_path.glob("*.gz")) == []


def test_a_move_interrupted_after_linking_is_finished_without_a_copy(tmp_path: Path) -> None:
    archive = tmp_path / "processed"
    archive.mkdir()
    source = drop(tmp_path, "titles.csv", b"data")
    os.link(source, archive / "titles.csv")  # the earlier move linked it, then stopped
    assert move_without_overwrite(source, archive, MOMENT) == archive / "titles.csv"
    assert not source.exists()
    assert [path.name for path in archive.iterdir()] == ["titles.csv"]


def test_an_error_report_is_written_as_json_without_leftovers(tmp_path: Path) -> None:
    report = error_report("données.csv", 'line 3: "bad" ☹', detail="", line=None, kind=None, sha256=None, at=MOMENT)
    path = tmp_path / "données.csv.error.json"
    write_error_report(path, report)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == report
    assert "☹" in text
    assert text.endswith("}\n")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_error_report_replaces_a_stale_report_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.error.json"
    path.write_text('{"reason": "old", "detail": "a much longer old detail that must not linger"}\n')
    write_error_report(path, {"reason": "new"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"reason": "new"}


@pytest.mark.parametrize("attempt", [0, 1, 7])
@pytest.mark.parametrize("name", ["t" * 251 + ".csv", "é" * 120 + ".csv.gz", "x" * 300, "a." + "b" * 240])
def test_archive_names_always_leave_room_for_the_error_report(name: str, attempt: int) -> None:
    archived = archive_name(name, attempt, "20261127T235941Z")
    assert len(archived.encode()) <= MAX_ARCHIVE_NAME_BYTES
    assert len(f".{archived}.error.json.tmp".encode()) <= 255


def test_shortened_archive_names_of_different_files_differ() -> None:
    first, second = ("t" * 250 + "1.csv", "t" * 250 + "2.csv")
    assert archive_name(first, 0, "S") != archive_name(second, 0, "S")
    assert archive_name(first, 0, "S").endswith(".csv")
