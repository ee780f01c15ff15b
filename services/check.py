"""`--check FILE...`: what taking each file would do, found by running the real import path and rolling it back.

Nothing is written: the ledger row and the staged rows live in one transaction that is always
rolled back, and the file is neither moved nor claimed. Only the ledger's id sequence advances.
"""

import asyncio
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from core.db import translate_db_error
from core.errors import BadFileError
from services import ledger
from services.importers.base import Reject
from services.inbox import hash_file
from services.ingest import Ingestor
from services.ledger import FileFacts
from services.unit_of_work import rolled_back

CHECK_WORKER = "check"


class Verdict(StrEnum):
    """What taking the file would do."""

    LOADS = "would load"
    DUPLICATE = "duplicate"  # its content was loaded before: it would be archived, not loaded again
    QUARANTINED = "would be quarantined"


@dataclass(frozen=True)
class CheckResult:
    """The dry run of one file."""

    file: str
    verdict: Verdict
    kind: str | None = None
    rows: int = 0
    rejected: int = 0
    rejects: tuple[Reject, ...] = ()
    duplicate_of: int | None = None
    original: str | None = None
    reason: str | None = None
    line: int | None = None
    notes: dict[str, object] = field(default_factory=dict)


async def check_files(ingestor: Ingestor, paths: Sequence[Path]) -> list[CheckResult]:
    """The dry run of every file, in the order given."""
    return [await check_file(ingestor, path) for path in paths]


async def check_file(ingestor: Ingestor, path: Path) -> CheckResult:
    """What the service would do with `path`; raises TransientError when the database cannot tell."""
    if path.is_symlink() or not path.is_file():
        return CheckResult(path.name, Verdict.QUARANTINED, reason="not a regular file (a symlink, folder or missing)")
    try:
        sha256, size = await asyncio.to_thread(hash_file, path)
    except PermissionError as exc:
        return CheckResult(path.name, Verdict.QUARANTINED, reason=f"the file cannot be read: {exc}")
    facts = FileFacts(path.name, sha256, size)
    async with ingestor.engine.connect() as conn, rolled_back(conn):
        earlier = await ledger.find_loaded(conn, sha256)
        if earlier is not None:
            return CheckResult(path.name, Verdict.DUPLICATE, duplicate_of=earlier.id, original=earlier.shown_name)
        try:
            plan = await ingestor.plan(path)
        except BadFileError as exc:
            return CheckResult(path.name, Verdict.QUARANTINED, reason=exc.reason, line=exc.line)
        file_id = await ledger.start_load(conn, facts, plan.kind, CHECK_WORKER)
        try:
            result = await ingestor.stage(conn, plan, facts, file_id)
        except Exception as exc:
            refused = translate_db_error(exc)  # a value the database refuses is the file's fault here too
            if not isinstance(refused, BadFileError):
                raise refused from exc
            return CheckResult(path.name, Verdict.QUARANTINED, kind=plan.kind, reason=refused.reason, line=refused.line)
    return CheckResult(
        path.name,
        Verdict.LOADS,
        kind=plan.kind,
        rows=result.rows_loaded,
        rejected=result.rows_rejected,
        rejects=result.first_rejects,
        notes=result.notes,
    )


def all_would_load(results: Sequence[CheckResult]) -> bool:
    """The exit status of `--check`: every file would load."""
    return all(result.verdict is Verdict.LOADS for result in results)


def render_text(results: Sequence[CheckResult]) -> str:
    """One paragraph per file: the verdict, then what supports it."""
    return "\n".join(_paragraph(result) for result in results)


def _paragraph(result: CheckResult) -> str:
    if result.verdict is Verdict.DUPLICATE:
        return (
            f"{result.file}: duplicate of file {result.duplicate_of} ({result.original}): "
            "it would be archived, not loaded again\n"
        )
    if result.verdict is Verdict.QUARANTINED:
        where = f" (line {result.line})" if result.line else ""
        return f"{result.file}: would be quarantined{where}: {result.reason}\n"
    head = f"{result.file}: would load as {result.kind}: {result.rows} rows, {result.rejected} rejected\n"
    shown = "".join(f"  line {reject.line_no}: {reject.reason}\n" for reject in result.rejects)
    more = result.rejected - len(result.rejects)
    return head + shown + (f"  … and {more} more rejected rows\n" if more > 0 else "")


def render_json(results: Sequence[CheckResult]) -> str:
    """The results as a JSON array."""
    return json.dumps([asdict(result) for result in results], indent=2, ensure_ascii=False, default=str)
