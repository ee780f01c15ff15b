"""Revision 0009 (leads keyed by partner) on a database that already holds leads, and the start-up check that
names a declared table or column whose migration is missing."""

import asyncio

import pytest
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.db import alembic_config, missing_tables
from tests.support.databases import connect

BEFORE_PARTNERS = "0008"
LEGACY_ROWS = (
    "INSERT INTO staging.file_loads (id, file_name, kind, status, worker) OVERRIDING SYSTEM VALUE "
    "VALUES (1, 'leads-week1.csv', 'leads', 'loaded', 'test')",
    "INSERT INTO staging.leads (file_id, line_no, lead_id, company) VALUES (1, 2, 'L1', 'Little Acorns')",
    "INSERT INTO datawarehouse.dim_lead (lead_id, company, valid_from, is_current, opened_by_file_id) "
    "VALUES ('L1', 'Little Acorns', now(), true, 1)",
    "INSERT INTO datawarehouse.fact_lead_change (file_id, lead_id, change) VALUES (1, 'L1', 'new')",
)


async def _migrate(settings: Settings, url: str, action: str, revision: str) -> None:
    config = alembic_config(settings, url)
    await asyncio.to_thread(command.upgrade if action == "upgrade" else command.downgrade, config, revision)


async def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    conn = await connect(url)
    try:
        return [tuple(row.values()) for row in await conn.fetch(query)]
    finally:
        await conn.close()


async def _execute(url: str, *statements: str) -> None:
    conn = await connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_existing_leads_become_leads_of_no_named_partner_and_come_back_on_downgrade(
    empty_database: str, settings: Settings
) -> None:
    await _migrate(settings, empty_database, "upgrade", BEFORE_PARTNERS)
    await _execute(empty_database, *LEGACY_ROWS)

    await _migrate(settings, empty_database, "upgrade", "head")

    assert await _rows(empty_database, "SELECT partner, lead_id FROM datawarehouse.dim_lead") == [("", "L1")]
    assert await _rows(empty_database, "SELECT partner, change FROM datawarehouse.fact_lead_change") == [("", "new")]
    assert await _rows(empty_database, "SELECT partner, lead_id FROM staging.leads") == [(None, "L1")]
    assert await _rows(empty_database, "SELECT staged_into FROM staging.file_loads") == [(None,)]

    await _migrate(settings, empty_database, "downgrade", BEFORE_PARTNERS)

    assert await _rows(empty_database, "SELECT lead_id, is_current FROM datawarehouse.dim_lead") == [("L1", True)]
    assert await _rows(empty_database, "SELECT lead_id FROM staging.leads") == [("L1",)]


async def test_the_downgrade_refuses_while_two_partners_current_leads_share_an_id(
    empty_database: str, settings: Settings
) -> None:
    await _migrate(settings, empty_database, "upgrade", "head")
    await _execute(
        empty_database,
        "INSERT INTO datawarehouse.dim_lead (partner, lead_id, valid_from, is_current, opened_by_file_id) "
        "VALUES ('Nevada DPBH', '1106-22', now(), true, 1), ('Texas DHHS', '1106-22', now(), true, 2)",
    )

    with pytest.raises(RuntimeError, match=r"current leads of different partners share lead ids \(1106-22"):
        await _migrate(settings, empty_database, "downgrade", BEFORE_PARTNERS)


async def test_a_declared_table_or_column_without_its_migration_is_named(
    engine: AsyncEngine, settings: Settings
) -> None:
    staging = settings.staging_schema
    tables = {(staging, "leads"): ["lead_id", "partner", "licence_type"], (staging, "widgets"): ["sku"]}

    missing = await missing_tables(engine, tables)

    assert missing == ["widgets", "leads.licence_type"]
