"""Daily (or per-interval) consumption per NMI as replayable SQL for the common `meter_readings` table.

The file holds multi-row `INSERT … ON CONFLICT (nmi, "timestamp") DO UPDATE` statements inside one
transaction, so running it twice changes nothing and a corrected resend updates rather than duplicates.
"""

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, TextIO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.files import replaced_atomically
from core.logfmt import log_event
from services.sql_steps import search_path_sql

logger = logging.getLogger(__name__)

ROWS_PER_STATEMENT: Final = 1000
TABLE_DDL: Final = """-- Target table (create it once if you do not have it):
-- CREATE TABLE meter_readings (
--     id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
--     nmi varchar(10) NOT NULL,
--     "timestamp" timestamp NOT NULL,
--     consumption numeric NOT NULL,
--     UNIQUE (nmi, "timestamp")
-- );
"""
_DAILY: Final = """
SELECT dim.nmi, daily.day::timestamp AS at, daily.consumption_kwh AS consumption
FROM fact_daily_consumption AS daily JOIN dim_nmi AS dim USING (nmi_key)
ORDER BY dim.nmi, daily.day
"""
_PER_INTERVAL: Final = """
SELECT dim.nmi, fact.reading_at AS at, sum(fact.consumption_kwh) AS consumption
FROM fact_meter_reading AS fact JOIN dim_nmi AS dim USING (nmi_key)
WHERE fact.nmi_suffix LIKE 'E%' AND fact.consumption_kwh IS NOT NULL
GROUP BY dim.nmi, fact.reading_at
ORDER BY dim.nmi, fact.reading_at
"""

MeterRow = tuple[str, datetime | date, Decimal]


def sql_string(value: str) -> str:
    """A SQL string literal: single quotes doubled, nothing else needs escaping."""
    return "'" + value.replace("'", "''") + "'"


def render_insert(rows: Sequence[MeterRow]) -> str:
    """One multi-row upsert statement for `meter_readings`."""
    values = ",\n".join(
        f"({sql_string(nmi)}, '{moment:%Y-%m-%d %H:%M:%S}', {format(consumption, 'f')})"
        for nmi, moment, consumption in rows
    )
    return (
        'INSERT INTO meter_readings (nmi, "timestamp", consumption) VALUES\n'
        f"{values}\n"
        'ON CONFLICT (nmi, "timestamp") DO UPDATE SET consumption = EXCLUDED.consumption;\n'
    )


def render_header(is_interval: bool, generated_at: str) -> str:
    """The comment and transaction start at the top of the file."""
    grain = "per NMI and interval end (import streams summed)" if is_interval else "per NMI and day (00:00)"
    return f"-- Consumption in kWh {grain}, generated {generated_at}. Safe to run again.\n{TABLE_DDL}BEGIN;\n"


def write_statements(stream: TextIO, rows: Iterable[MeterRow]) -> int:
    """Write the rows as statements of ROWS_PER_STATEMENT rows each; returns the rows written."""
    batch: list[MeterRow] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_STATEMENT:
            stream.write(render_insert(batch))
            written += len(batch)
            batch.clear()
    if batch:
        stream.write(render_insert(batch))
        written += len(batch)
    return written


async def export_meter_readings(engine: AsyncEngine, settings: Settings, path: Path, *, is_interval: bool) -> int:
    """Write the SQL file atomically (temp file, then rename); returns the number of rows."""
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    async with engine.connect() as conn:
        await conn.execute(text(search_path_sql(conn, settings.dw_schema, settings.staging_schema)))
        result = await conn.stream(text(_PER_INTERVAL if is_interval else _DAILY))
        with (
            replaced_atomically(path) as temporary,
            open(temporary, "w", encoding="utf-8", newline="\n") as stream,  # noqa: ASYNC230 - a one-shot command
        ):
            stream.write(render_header(is_interval, datetime.now(UTC).isoformat(timespec="seconds")))
            written = 0
            async for partition in result.partitions(ROWS_PER_STATEMENT):
                written += write_statements(stream, [(row[0], row[1], row[2]) for row in partition])
            stream.write("COMMIT;\n")
        await conn.rollback()
    log_event(
        logger,
        "meter_sql_exported",
        file=str(path),
        rows=written,
        interval=is_interval,
        seconds=time.monotonic() - started,
    )
    return written
