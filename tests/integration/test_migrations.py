"""Migrations: the models and the revisions agree, and the schema names really are settings."""

from alembic import command

from core.config import Settings
from core.db import alembic_config, create_engine, migrate
from services.analysis import run_analysis
from services.ingest import Ingestor, Outcome
from services.warehouse import build_warehouse
from tests.helpers import fetch_all
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
