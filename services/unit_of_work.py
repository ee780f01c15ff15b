"""Where transactions on the ingest path begin and end: `transaction` is the only place that commits.

(`rolled_back` is its dry-run twin for `--check`: the same work, never kept.)

The ledger's functions only execute statements; the caller decides what belongs together by
running them inside one `transaction`. A file's staged rows and its ledger row therefore commit
together or not at all, and nothing called inside a load can commit half a file.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from core.db import short_error
from core.logfmt import log_event

logger = logging.getLogger(__name__)
T = TypeVar("T")


@asynccontextmanager
async def transaction(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """Run the block in one transaction: committed when it ends, rolled back when it raises.

    Once the block has ended, the commit runs to its end even if the task is cancelled meanwhile
    (the cancellation is honoured afterwards), so a stop request never leaves the outcome unknown.
    """
    started = await conn.begin()
    try:
        yield conn
    except BaseException:
        await _rollback(started)
        raise
    await finish_uninterrupted(started.commit())


@asynccontextmanager
async def rolled_back(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """Run the block in one transaction that is always rolled back: a dry run that writes nothing."""
    started = await conn.begin()
    try:
        yield conn
    finally:
        await _rollback(started)


async def finish_uninterrupted(step: Awaitable[T]) -> T:
    """Run `step` to its end even if we are cancelled meanwhile, then honour the cancellation."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def _rollback(started: AsyncTransaction) -> None:
    try:
        await started.rollback()
    except Exception as exc:  # noqa: BLE001 - the original error matters more; a dead link rolls back anyway
        log_event(logger, "rollback_failed", logging.DEBUG, reason=short_error(exc))
