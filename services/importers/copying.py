"""Stream parsed rows into Postgres with COPY, parsing in a thread so parsing and the server overlap.

A producer thread runs the importer's row generator, encodes rows as CSV in chunks of about
`chunk_bytes` and hands them over a small bounded queue, so memory stays bounded whatever the
file size. Rejected rows are spooled (to disk past a few MB) and copied after the good rows.
"""

import asyncio
import csv
import io
import queue
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from services.importers.base import Reject

CopyRow = tuple[object, ...]
RowSource = Callable[[], Iterator[CopyRow | Reject]]

_QUEUE_CHUNKS: Final = 4
_BATCH_ROWS: Final = 2048
_POLL_SECONDS: Final = 0.2
_REJECT_SPOOL_BYTES: Final = 4 << 20
_KEPT_REJECTS: Final = 5
_REJECT_COLUMNS: Final = ("file_id", "line_no", "raw_text", "reason")
_DONE: Final = object()


class _StoppedError(Exception):
    """The consumer went away (COPY failed or was cancelled): stop parsing."""


@dataclass(frozen=True)
class CopyTarget:
    """Where rows go: table, columns in row order, and text columns where an empty value is ''."""

    schema: str
    table: str
    columns: tuple[str, ...]
    force_not_null: tuple[str, ...] = ()


@dataclass(frozen=True)
class CopyCounts:
    """Rows copied and rows rejected."""

    rows: int
    rejected: int
    first_rejects: tuple[Reject, ...]


class _Producer(threading.Thread):
    """Runs the row generator, encoding rows as CSV chunks and spooling rejects."""

    def __init__(self, source: RowSource, file_id: int, chunk_bytes: int) -> None:
        super().__init__(name="copy-producer", daemon=True)
        self.chunks: queue.Queue[object] = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self.stop = threading.Event()
        self.rows = 0
        self.rejected = 0
        self.first_rejects: list[Reject] = []
        self.rejects: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_REJECT_SPOOL_BYTES)  # noqa: SIM115 - closed by copy_rows
        self._source = source
        self._file_id = file_id
        self._chunk_bytes = chunk_bytes

    def run(self) -> None:
        try:
            self._produce()
            self._put(_DONE)
        except _StoppedError:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the event loop, which re-raises it
            try:
                self._put(exc)
            except _StoppedError:
                return

    def _produce(self) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        reject_text = io.TextIOWrapper(self.rejects, encoding="utf-8", newline="", write_through=True)
        reject_writer = csv.writer(reject_text, lineterminator="\n")
        batch: list[CopyRow] = []
        for item in self._source():
            if item.__class__ is Reject:
                assert isinstance(item, Reject)
                reject_writer.writerow((self._file_id, item.line_no, item.raw_text, item.reason))
                self.rejected += 1
                if len(self.first_rejects) < _KEPT_REJECTS:
                    self.first_rejects.append(item)
                continue
            batch.append(item)  # type: ignore[arg-type]  # not a Reject, so a row
            if len(batch) == _BATCH_ROWS:
                writer.writerows(batch)
                self.rows += len(batch)
                batch.clear()
                if buffer.tell() >= self._chunk_bytes:
                    self._put(buffer.getvalue().encode())
                    buffer.seek(0)
                    buffer.truncate()
        writer.writerows(batch)
        self.rows += len(batch)
        if buffer.tell():
            self._put(buffer.getvalue().encode())
        reject_text.detach()

    def _put(self, item: object) -> None:
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise _StoppedError

    def take(self) -> object:
        """Next chunk, `_DONE` or an exception; `_DONE` too once stopped, so no getter waits forever."""
        while not self.stop.is_set():
            try:
                return self.chunks.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
        return _DONE


async def _chunks(producer: _Producer, on_progress: Callable[[int], None]) -> AsyncIterator[bytes]:
    while True:
        item = await asyncio.to_thread(producer.take)
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, bytes)
        on_progress(producer.rows)
        yield item


async def copy_rows(
    conn: Any,
    target: CopyTarget,
    source: RowSource,
    *,
    file_id: int,
    chunk_bytes: int,
    on_progress: Callable[[int], None],
) -> CopyCounts:
    """COPY the rows from `source` into `target` and its rejects into `rejected_rows`, on asyncpg `conn`."""
    producer = _Producer(source, file_id, chunk_bytes)
    producer.start()
    try:
        await conn.copy_to_table(
            target.table,
            schema_name=target.schema,
            columns=list(target.columns),
            source=_chunks(producer, on_progress),
            format="csv",
            force_not_null=list(target.force_not_null) or None,
        )
        if producer.rejected:
            producer.rejects.seek(0)
            await conn.copy_to_table(
                "rejected_rows",
                schema_name=target.schema,
                columns=list(_REJECT_COLUMNS),
                source=producer.rejects,
                format="csv",
                force_not_null=["raw_text", "reason"],
            )
        return CopyCounts(producer.rows, producer.rejected, tuple(producer.first_rejects))
    finally:
        producer.stop.set()
        await asyncio.to_thread(producer.join)
        producer.rejects.close()
