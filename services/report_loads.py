"""The report's loads section: per kind what was loaded, duplicate and quarantined, and each quarantined file with
its reason and what to do about it.

Every query of the report against the ledger (`staging.file_loads`) is in `read_loads`, at the bottom.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from models import FileLoad, LoadStatus
from services.display import format_value
from services.report_html import breakable, cards, escape, note, section, table

MAX_QUARANTINED: Final = 50  # newest first; `--status` lists every file
NO_KIND: Final = "unknown kind"  # a file quarantined before any import service took it
_UNRECOGNISED: Final = "no import service recognises"
_UNEXPECTED: Final = "unexpected error"


@dataclass(frozen=True)
class KindLoads:
    """One kind's files in the ledger: how many ended how, the rows loaded, and the latest load."""

    kind: str | None
    loaded: int
    duplicate: int
    quarantined: int
    interrupted: int
    rows_loaded: int
    rows_rejected: int
    latest_file: str | None = None
    latest_at: datetime | None = None


@dataclass(frozen=True)
class QuarantinedFile:
    """A quarantined attempt; `is_resolved` when a file of the same name was loaded (or found duplicate) later."""

    file_name: str
    kind: str | None
    reason: str
    at: datetime | None
    is_resolved: bool


@dataclass(frozen=True)
class LoadsSummary:
    """What the ledger says, for the report."""

    kinds: tuple[KindLoads, ...]
    quarantined: tuple[QuarantinedFile, ...]  # the newest MAX_QUARANTINED
    quarantined_count: int
    waiting_count: int  # quarantined and not loaded since


@dataclass(frozen=True)
class Hint:
    """What to do about a quarantined file: advice, then the commands that do it."""

    advice: str
    commands: tuple[str, ...]


def quarantine_hint(reason: str, file_name: str, failed_folder: str) -> Hint:
    """The next step for a quarantined file, from its reason (our reasons end with what to do after a `;`)."""
    requeue = f"python main.py --requeue {file_name}"
    if reason.startswith(_UNRECOGNISED):
        advice = (
            "If it is a new kind of file, declare its kind (services/kinds/ or KINDS_DIR) and put it back; "
            "if it came by mistake, delete it"
        )
        return Hint(advice, (requeue,))
    if reason.startswith(_UNEXPECTED):
        return Hint(
            "A fault of the service, not necessarily of the file: see logs/ and report it; once fixed", (requeue,)
        )
    _, separator, instruction = reason.rpartition(";")
    advice = instruction.strip() if separator and instruction.strip() else "Fix the file as the reason says"
    advice = advice[0].upper() + advice[1:]
    return Hint(
        f"{advice}; try the fixed file without loading it, then put it back",
        (f"python main.py --check {failed_folder}/{file_name}", requeue),
    )


def render_loads(summary: LoadsSummary, failed_folder: str) -> str:
    """The loads section: cards, a table per kind, and the quarantined files with their reasons and hints."""
    loaded = sum(kind.loaded for kind in summary.kinds)
    if not summary.kinds:
        body = note("No files have been taken yet: drop one into the imports folder.")
        return section("loads", "Loads", "", body)
    latest = max((kind.latest_at for kind in summary.kinds if kind.latest_at), default=None)
    figures = [
        ("Files loaded", format_value(loaded, "count")),
        ("Rows loaded", format_value(sum(kind.rows_loaded for kind in summary.kinds), "count")),
        ("Quarantined, waiting", format_value(summary.waiting_count, "count")),
        ("Latest load", format_value(latest, "datetime") if latest else "never"),
    ]
    body = cards(figures, bad=["Quarantined, waiting"] if summary.waiting_count else [])
    body += _kinds_table(summary.kinds) + _quarantined(summary, failed_folder)
    about = "What the service took from the drop folder, per kind, and what it refused and why."
    return section("loads", "Loads", about, body, source="From the load ledger (staging.file_loads).")


def _kinds_table(kinds: Sequence[KindLoads]) -> str:
    headers = [
        "Kind",
        "Loaded",
        "Duplicate",
        "Quarantined",
        "Interrupted",
        "Rows loaded",
        "Rows rejected",
        "Latest load",
    ]
    rows = [
        [
            breakable(kind.kind or NO_KIND),
            *(format_value(count, "count") for count in (kind.loaded, kind.duplicate, kind.quarantined)),
            format_value(kind.interrupted, "count"),
            format_value(kind.rows_loaded, "count"),
            format_value(kind.rows_rejected, "count"),
            _latest(kind),
        ]
        for kind in kinds
    ]
    return table(headers, rows, numeric=[False, *[True] * 6, False])


def _latest(kind: KindLoads) -> str:
    if kind.latest_file is None:
        return format_value(None)
    return f"{breakable(kind.latest_file)}<br>{escape(format_value(kind.latest_at, 'datetime'))}"


def _quarantined(summary: LoadsSummary, failed_folder: str) -> str:
    if not summary.quarantined:
        return "<h3>Quarantined files</h3>" + note("None: every file taken was loaded or was a duplicate.")
    rows = [_quarantined_row(item, failed_folder) for item in summary.quarantined]
    classes = ["resolved" if item.is_resolved else "" for item in summary.quarantined]
    html = "<h3>Quarantined files</h3>" + table(
        ["File", "Kind", "When", "Reason", "What to do"], rows, row_classes=classes
    )
    if summary.quarantined_count > len(summary.quarantined):
        html += note(
            f"The newest {len(summary.quarantined)} of {summary.quarantined_count}; python main.py --status lists all."
        )
    return html


def _quarantined_row(item: QuarantinedFile, failed_folder: str) -> list[str]:
    if item.is_resolved:
        todo = "Nothing: a file of this name was loaded later."
    else:
        hint = quarantine_hint(item.reason, item.file_name, failed_folder)
        todo = escape(hint.advice) + ":" + "".join(f"<br><code>{escape(command)}</code>" for command in hint.commands)
    return [
        f"<code>{escape(item.file_name)}</code>",
        breakable(item.kind or NO_KIND),
        escape(format_value(item.at, "datetime")),
        escape(item.reason),
        todo,
    ]


async def read_loads(conn: AsyncConnection) -> LoadsSummary:
    """The ledger's counts per kind, the latest load of each kind, and the newest quarantined files."""
    latest = {
        row.kind: (shown_name(row.file_name, row.part_name), row.finished_at)
        for row in await conn.execute(_latest_per_kind())
    }
    kinds = []
    for row in (await conn.execute(_counts_per_kind())).mappings():
        latest_file, latest_at = latest.get(row["kind"], (None, None))
        kinds.append(KindLoads(**row, latest_file=latest_file, latest_at=latest_at))
    return await _with_quarantined(conn, tuple(kinds))


def _is_container() -> ColumnElement[bool]:
    # A container file (a SQLite file, a zip) whose parts were loaded: the parts carry the kinds and the rows.
    part = aliased(FileLoad)
    return exists().where(part.part_of == FileLoad.id)


def _counts_per_kind() -> Select[str, int, int, int, int, int, int]:
    original = aliased(FileLoad)  # a duplicate's row has no kind of its own: it is the kind of what it duplicates
    kind = func.coalesce(FileLoad.kind, original.kind).label("kind")
    by_status = {status: func.count().filter(FileLoad.status == status) for status in LoadStatus}
    is_loaded = FileLoad.status == LoadStatus.LOADED
    return (
        select(
            kind,
            by_status[LoadStatus.LOADED].label("loaded"),
            by_status[LoadStatus.DUPLICATE].label("duplicate"),
            by_status[LoadStatus.FAILED].label("quarantined"),
            by_status[LoadStatus.INTERRUPTED].label("interrupted"),
            func.coalesce(func.sum(FileLoad.rows_loaded).filter(is_loaded), 0).label("rows_loaded"),
            func.coalesce(func.sum(FileLoad.rows_rejected).filter(is_loaded), 0).label("rows_rejected"),
        )
        .outerjoin(original, FileLoad.duplicate_of == original.id)
        .where(~_is_container())
        .group_by(kind)
        .order_by(kind.asc().nulls_last())
    )


def _latest_per_kind() -> Select[str | None, str, str | None, datetime | None]:
    return (
        select(FileLoad.kind, FileLoad.file_name, FileLoad.part_name, FileLoad.finished_at)
        .where(FileLoad.status == LoadStatus.LOADED, ~_is_container())
        .ext(distinct_on(FileLoad.kind))
        .order_by(FileLoad.kind, FileLoad.finished_at.desc(), FileLoad.id.desc())
    )


def shown_name(file_name: str, part_name: str | None) -> str:
    """A part of a container as `container/part` (a SQLite file's table), as `--status` shows it."""
    return f"{file_name}/{part_name}" if part_name else file_name


async def _with_quarantined(conn: AsyncConnection, kinds: tuple[KindLoads, ...]) -> LoadsSummary:
    later = aliased(FileLoad)
    is_resolved = exists().where(
        and_(
            later.file_name == FileLoad.file_name,
            later.id > FileLoad.id,
            later.status.in_([LoadStatus.LOADED, LoadStatus.DUPLICATE]),
        )
    )
    is_failed = FileLoad.status == LoadStatus.FAILED
    newest = (
        select(FileLoad.file_name, FileLoad.kind, FileLoad.error, FileLoad.finished_at, is_resolved)
        .where(is_failed)
        .order_by(FileLoad.id.desc())
        .limit(MAX_QUARANTINED)
    )
    quarantined = tuple(QuarantinedFile(n, k, e or "", at, bool(r)) for n, k, e, at, r in await conn.execute(newest))
    total, waiting = (
        await conn.execute(select(func.count(), func.count().filter(~is_resolved)).where(is_failed))
    ).one()
    return LoadsSummary(kinds, quarantined, int(total), int(waiting))
