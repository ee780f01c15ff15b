"""The drop folder: which names to consider, when a file is ready, and the archive and quarantine moves."""

import errno
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from core.errors import BadFileError
from core.files import write_text_atomically
from services.importers.sources import Source

IGNORED_SUFFIXES: Final = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", ".filepart", "~")
COMPRESSED_SUFFIXES: Final = (".gz", ".zip", ".bz2", ".xz")
ERROR_REPORT_SUFFIX: Final = ".error.json"
# File names are limited to 255 bytes, and a quarantined file gets `.<name>.error.json.tmp` beside it.
MAX_ARCHIVE_NAME_BYTES: Final = 255 - len(ERROR_REPORT_SUFFIX) - len(".tmp") - 1
_MAX_EXTENSION_BYTES: Final = 32
_MAX_NAME_ATTEMPTS: Final = 1000


@dataclass(frozen=True)
class FileStat:
    """The parts of a stat that change while a file is being written."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Observation:
    """A file's last seen stat and since when it has not changed."""

    stat: FileStat
    stable_since: float


def is_candidate_name(name: str) -> bool:
    """Whether a name in the drop folder may be a finished file (not hidden, temporary or partial)."""
    return bool(name) and not name.startswith(".") and not name.lower().endswith(IGNORED_SUFFIXES)


def observe(previous: Observation | None, current: FileStat, now: float) -> Observation:
    """Record a new stat: the stable-since clock restarts whenever size or mtime changed."""
    if previous is None or previous.stat != current:
        return Observation(current, now)
    return previous


def is_settled(observation: Observation, now: float, settle_seconds: float) -> bool:
    """A file is ready when its size and mtime have not changed for `settle_seconds`."""
    return now - observation.stable_since >= settle_seconds


def processing_order(name: str, observation: Observation) -> tuple[int, str]:
    """Oldest first (mtime, then name), so "latest file wins" follows the order files were written."""
    return (observation.stat.mtime_ns, name)


def archive_name(name: str, attempt: int, stamp: str) -> str:
    """The name to archive under: as dropped, then with a timestamp and a counter on a clash.

    A name too long for its error report beside it is shortened, keeping its extension and adding
    a short hash of the whole name so that shortened names stay distinct.
    """
    stem, extension = _split_extension(name)
    counter = "" if attempt <= 1 else f"-{attempt}"
    tail = (f".{stamp}{counter}" if attempt else "") + extension
    if len((stem + tail).encode()) <= MAX_ARCHIVE_NAME_BYTES:
        return stem + tail
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    budget = MAX_ARCHIVE_NAME_BYTES - len(tail.encode()) - len(digest) - 1
    return f"{stem.encode()[:budget].decode('utf-8', errors='ignore')}~{digest}{tail}"


def _split_extension(name: str) -> tuple[str, str]:
    suffix_count = 2 if name.lower().endswith(COMPRESSED_SUFFIXES) and name.count(".") >= 2 else 1
    parts = name.rsplit(".", suffix_count) if "." in name.lstrip(".") else [name]
    extension = "".join(f".{part}" for part in parts[1:])
    if len(extension.encode()) > _MAX_EXTENSION_BYTES:
        return name, ""
    return parts[0], extension


def timestamp(moment: datetime) -> str:
    """A compact UTC-style stamp for archive names: 20261127T235941Z."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def error_report(
    file_name: str, reason: str, *, detail: str, line: int | None, kind: str | None, sha256: str | None, at: datetime
) -> dict[str, object]:
    """What goes into `<file>.error.json` beside a quarantined file."""
    return {
        "file": file_name,
        "reason": reason,
        "detail": detail,
        "line": line,
        "kind": kind,
        "sha256": sha256,
        "quarantined_at": at.isoformat(timespec="seconds"),
    }


def stat_file(path: Path) -> FileStat | None:
    """Size and mtime of a regular file or symlink; None for anything else or when it is gone."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        return None
    return FileStat(info.st_size, info.st_mtime_ns)


def move_without_overwrite(source: Path, folder: Path, moment: datetime) -> Path:
    """Move `source` into `folder`, never replacing a file there; returns where it went."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timestamp(moment)
    for attempt in range(_MAX_NAME_ATTEMPTS):
        target = folder / archive_name(source.name, attempt, stamp)
        if _is_same_file(source, target):
            source.unlink()  # an earlier move linked it and stopped before removing the original
            return target
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                raise
            if target.exists() or target.is_symlink():
                continue
            os.replace(source, target)  # no hard links here: check-then-rename, under our file claim
            return target
        source.unlink()
        return target
    raise FileExistsError(f"no free archive name for {source.name} in {folder}")


def _is_same_file(source: Path, target: Path) -> bool:
    try:
        return os.path.samestat(os.lstat(source), os.lstat(target))
    except FileNotFoundError:
        return False


def write_error_report(path: Path, report: dict[str, object]) -> None:
    """Write the report beside the quarantined file, atomically (temp file, then rename)."""
    write_text_atomically(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def quarantine_file(
    path: Path, failed_dir: Path, error: BadFileError, *, kind: str | None, sha256: str | None, moment: datetime
) -> Path:
    """Move a bad file into `failed_dir` with `<name>.error.json` beside it; returns its new path."""
    target = move_without_overwrite(path, failed_dir, moment)
    report = error_report(
        path.name, error.reason, detail=error.detail, line=error.line, kind=kind, sha256=sha256, at=moment
    )
    write_error_report(target.with_name(f"{target.name}{ERROR_REPORT_SUFFIX}"), report)
    return target


def hash_file(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of the file's bytes as dropped, streamed."""
    with open(path, "rb") as stream:
        digest = hashlib.file_digest(stream, "sha256")
        return digest.hexdigest(), stream.tell()


def hash_source(source: Source) -> tuple[str, int]:
    """sha256 (hex) and size of a source's content (an archive member, decompressed), streamed."""
    digest = hashlib.sha256()
    size = 0
    with source.open_binary() as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def quarantined_files(failed_dir: Path) -> list[Path]:
    """The quarantined files in `failed_dir` (not their error reports), by name."""
    if not failed_dir.is_dir():
        return []
    return sorted(
        path
        for path in failed_dir.iterdir()
        if not path.name.endswith(ERROR_REPORT_SUFFIX) and not path.name.startswith(".") and stat_file(path)
    )


def requeue_file(path: Path, imports_dir: Path, moment: datetime) -> Path:
    """Move a quarantined file back into the drop folder (never over a waiting file), then drop its error report."""
    target = move_without_overwrite(path, imports_dir, moment)
    path.with_name(f"{path.name}{ERROR_REPORT_SUFFIX}").unlink(missing_ok=True)
    return target


def expired_archives(processed_dir: Path, max_age_seconds: float, now: float) -> list[Path]:
    """Archived files whose archiving (their inode change time, set by the move) is older than `max_age_seconds`."""
    if not processed_dir.is_dir():
        return []
    expired = []
    with os.scandir(processed_dir) as entries:
        for entry in entries:
            if (
                entry.is_file(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_ctime > max_age_seconds
            ):
                expired.append(Path(entry.path))
    return sorted(expired)
