"""Migrations: the models and the revisions agree, and the schema names really are settings."""

import asyncio
import logging

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from core.config import SYNC_SCHEME, Settings, with_scheme
from core.db import alembic_config, create_engine, is_at_head, migrate
from services.analysis import run_analysis
from services.file_reports import Outcome
from services.ingest import Ingestor
from services.warehouse import build_warehouse
from tests.helpers import admin, fetch_all
from tests.support.samples.job_titles import generate_rows, write_job_titles


def test_the_models_and_the_migrations_agree(database_url: str) -> None:
    settings = Settings(_env_file=None, db_string_async=database_url)

    command.check(alembic_config(settings, database_url))  # raises when autogenerate would find changes


async def test_custom_schema_names_are_used_everywhere(empty_database: str, settings: Settings) -> None:
    custom = settings.model_copy(
        update={"db_string_async": empty_database, "staging_schema": "Stage One", "dw_schema": "dw"}
    )
    await migrate(custom, empty_database)
    engine = create_engine(custom, empty_database)
    try:
        custom.imports_dir.mkdir(parents=True, exist_ok=True)
        write_job_titles(custom.imports_dir / "a.csv", generate_rows(30))

        assert await Ingestor(engine, custom).ingest(custom.imports_dir / "a.csv") is Outcome.LOADED
        await build_warehouse(engine, custom)
        views = await run_analysis(engine, custom)
    finally:
        await engine.dispose()

    probe = create_engine(settings, empty_database)
    try:
        schemas = await fetch_all(probe, "SELECT schema_name FROM information_schema.schemata ORDER BY 1")
        staged = await fetch_all(probe, 'SELECT count(*) AS n FROM "Stage One".job_titles')
    finally:
        await probe.dispose()
    names = {row["schema_name"] for row in schemas}
    assert {"Stage One", "dw"} <= names and not {"staging", "datawarehouse"} & names
    assert staged == [{"n": 30}]
    assert len(views[1].rows) == 10


LINKS_BEFORE = [(1, 2, 1, 10), (1, 3, 2, 10), (4, 1, 1, 11)]  # a -> b, c (file 10); d -> a (file 11)


async def _sql(url: str, statements: list[str]) -> list[list[tuple[object, ...]]]:
    conn = await asyncpg.connect(with_scheme(url, SYNC_SCHEME))
    try:
        return [[tuple(row) for row in await conn.fetch(statement)] for statement in statements]
    finally:
        await conn.close()


def test_related_titles_move_into_key_arrays_and_back_without_losing_a_link(empty_database: str) -> None:
    settings = Settings(_env_file=None, db_string_async=empty_database, staging_schema="Stage_1", dw_schema="Dw_2")
    config = alembic_config(settings, empty_database)
    before = ScriptDirectory.from_config(config).get_revision("0011").down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    asyncio.run(
        _sql(
            empty_database,
            [
                """INSERT INTO "Dw_2".dim_job_title (title_key, title) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')""",
                """INSERT INTO "Dw_2".fact_title_popularity (title_key, pdl_count, file_id)
                   VALUES (1, 5, 10), (2, NULL, 10), (4, 7, 11)""",
                """INSERT INTO "Dw_2".bridge_related_title VALUES """ + ", ".join(map(str, LINKS_BEFORE)),
            ],
        )
    )

    command.upgrade(config, "0011")
    view, lists = asyncio.run(
        _sql(
            empty_database,
            [
                'SELECT * FROM "Dw_2".bridge_related_title ORDER BY 1, 3',
                'SELECT title_key, related_title_keys, file_id FROM "Dw_2".fact_related_titles ORDER BY 1',
            ],
        )
    )
    command.downgrade(config, before)
    [table, normalised] = asyncio.run(
        _sql(
            empty_database,
            [
                'SELECT * FROM "Dw_2".bridge_related_title ORDER BY 1, 3',
                """SELECT "Dw_2".normalize_title(E' Ａ\\t\\tb ')""",
            ],
        )
    )

    assert view == table == LINKS_BEFORE
    assert lists == [(1, [2, 3], 10), (2, [], 10), (4, [1], 11)]
    assert normalised == [("a b",)]


async def test_a_database_at_head_is_recognised_without_alembic(
    empty_database: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(settings, empty_database)
    caplog.set_level(logging.INFO)
    try:
        assert not await is_at_head(engine, settings)
        await migrate(settings, empty_database, engine)
        assert await is_at_head(engine, settings)
        [head] = await fetch_all(engine, "SELECT version_num FROM staging.alembic_version")
        await admin(engine, "UPDATE staging.alembic_version SET version_num = '0001'")
        assert not await is_at_head(engine, settings)
        await admin(engine, f"UPDATE staging.alembic_version SET version_num = '{head['version_num']}'")
        await migrate(settings, empty_database, engine)
    finally:
        await engine.dispose()

    migrated = [record.getMessage() for record in caplog.records if "event=db_migrated" in record.getMessage()]
    assert migrated == ["event=db_migrated revision=head", 'event=db_migrated revision=head note="already at head"']
