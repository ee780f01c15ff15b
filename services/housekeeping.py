"""The operator's chores on the folders: put quarantined files back, and prune old archived copies.

Quarantined files are never deleted by the service; archived copies are, once older than the
retention the operator chose. The ledger keeps the record of every file either way.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.logfmt import log_event
from services.inbox import expired_archives, quarantined_files, requeue_file

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Requeued:
    """What `--requeue` did: the files put back (name in failed/ -> name in the drop folder) and names not found."""

    moved: dict[str, str]
    not_found: tuple[str, ...]


def requeue(failed_dir: Path, imports_dir: Path, names: Sequence[str]) -> Requeued:
    """Move the named quarantined files (all when `names` is empty) back into the drop folder."""
    waiting = {path.name: path for path in quarantined_files(failed_dir)}
    wanted = list(names) or sorted(waiting)
    moved: dict[str, str] = {}
    imports_dir.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        if name in waiting:
            target = requeue_file(waiting[name], imports_dir, datetime.now(UTC))
            moved[name] = target.name
            log_event(logger, "file_requeued", file=name, moved_to=target.name)
    return Requeued(moved, tuple(name for name in wanted if name not in waiting))


def prune_archive(processed_dir: Path, retention_days: float) -> list[str]:
    """Delete archived copies older than `retention_days`; returns their names (each one is logged)."""
    pruned = []
    for path in expired_archives(processed_dir, retention_days * SECONDS_PER_DAY, time.time()):
        path.unlink(missing_ok=True)
        pruned.append(path.name)
        log_event(logger, "archive_pruned", file=path.name, retention_days=retention_days)
    return pruned
