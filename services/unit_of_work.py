"""Where transactions on the ingest path begin and end: `transaction` is the only place that commits.

(`rolled_back` is its dry-run twin for `--check`: the same work, never kept. `autocommit` is for the
ledger's one-statement steps, which the server commits as they run, without BEGIN and COMMIT.)

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


@asynccontextmanager
async def autocommit(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """Run ONE statement that commits as it runs: one round trip instead of three (BEGIN, it, COMMIT).

    For a step that is a single statement, a transaction around it adds nothing but round trips, which
    are most of the cost of a small file. The connection is back in its usual mode afterwards.
    """
    usual = conn.sync_connection.default_isolation_level if conn.sync_connection else None
    await conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with transaction(conn):  # the server sees no BEGIN or COMMIT in this mode
            yield conn
    finally:
        await conn.execution_options(isolation_level=usual or "READ COMMITTED")


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
