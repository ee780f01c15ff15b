"""Alembic environment: async (asyncpg), URL and schema names from Settings, one locked transaction."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

from core.config import Settings
from core.db import resolve_database_url
from models import Base
from services.bundles import load_catalogue
from services.declarations import register_declared_models

# Any constant works; it only has to be the same for every process migrating this database.
MIGRATION_LOCK_KEY = 7_301_000_001

config = context.config
if "database_url" not in config.attributes:
    # Run from the `alembic` command line: configure from the environment like the service does.
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    _settings = Settings()
    config.attributes["database_url"] = resolve_database_url(_settings)
    config.attributes["schema_translate_map"] = _settings.schema_translate_map
    config.attributes["kind_folders"] = _settings.kind_folders

# Declared kinds' staging tables are models too (built from their TOML declarations); those of turned-off bundles
# too, since their tables exist and autogenerate must not drop them.
register_declared_models(load_catalogue(config.attributes["kind_folders"]).all_declarations)


def _run_migrations(connection: Connection) -> None:
    schema_map = config.attributes["schema_translate_map"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table_schema=schema_map["staging"],
        include_schemas=True,
        compare_type=True,
    )
    with context.begin_transaction():
        # Replicas starting together migrate one after the other, never side by side.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        # The version table lives in the staging schema, so that schema must exist first.
        connection.execute(CreateSchema(schema_map["staging"], if_not_exists=True))
        context.run_migrations()


async def _run_async_migrations() -> None:
    engine = create_async_engine(config.attributes["database_url"], poolclass=NullPool)
    try:
        async with engine.connect() as plain_connection:
            connection = await plain_connection.execution_options(
                schema_translate_map=config.attributes["schema_translate_map"]
            )
            await connection.run_sync(_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
asyncio.run(_run_async_migrations())
