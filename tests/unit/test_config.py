"""Settings: which database URL wins, what is refused, and how secrets are masked."""

import os
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.config import Settings, mask_url, with_database, with_scheme
from core.db import resolve_database_url
from core.errors import ConfigError

ENV_NAMES = {*Settings.model_fields, "database_url"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests."""
    for name in list(os.environ):
        if name.lower() in ENV_NAMES:
            monkeypatch.delenv(name)


def settings() -> Settings:
    return Settings(_env_file=None)


def test_without_any_url_the_embedded_database_is_used() -> None:
    config = settings()
    assert not config.has_database_url
    with pytest.raises(ValueError, match="no database URL is configured"):
        _ = config.async_database_url


@pytest.mark.parametrize(
    ("url", "async_url"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgres://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+psycopg2://u@db/app?sslmode=require", "postgresql+asyncpg://u@db/app?sslmode=require"),
        ("postgresql+psycopg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
    ],
)
def test_the_async_url_is_derived_from_db_string(monkeypatch: pytest.MonkeyPatch, url: str, async_url: str) -> None:
    monkeypatch.setenv("DB_STRING", url)
    config = settings()
    assert config.has_database_url
    assert config.async_database_url == async_url


def test_db_string_async_alone_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_STRING_ASYNC", "postgresql+asyncpg://u@db/app")
    config = settings()
    assert config.db_string is None
    assert config.has_database_url
    assert config.async_database_url == "postgresql+asyncpg://u@db/app"


def test_db_string_async_wins_over_db_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_STRING", "postgresql://u@sync-host/app")
    monkeypatch.setenv("DB_STRING_ASYNC", "postgresql+asyncpg://u@async-host/app")
    assert settings().async_database_url == "postgresql+asyncpg://u@async-host/app"


@pytest.mark.parametrize("name", ["DB_STRING", "db_string", "Db_String", "DATABASE_URL", "database_url"])
def test_env_names_match_whatever_their_case(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "postgresql://u@db/app")
    assert settings().db_string == "postgresql://u@db/app"


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("STAGING_SCHEMA", "stage_2", "staging_schema", "stage_2"),
        ("Settle_Seconds", "2.5", "settle_seconds", 2.5),
        ("imports_dir", "/drop", "imports_dir", Path("/drop")),
        ("FORCE_POLLING", "true", "force_polling", True),
        ("max_reject_ratio", "0", "max_reject_ratio", 0.0),
    ],
)
def test_other_fields_come_from_the_environment_too(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(settings(), field) == expected


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("DB_STRING", "mysql://u@db/app"),
        ("DB_STRING", "sqlite:///x.db"),
        ("DB_STRING", "db:5432/app"),
        ("DB_STRING_ASYNC", "postgresql+aiopg://u@db/app"),
        ("DB_STRING_ASYNC", "http://db/app"),
    ],
)
def test_a_url_that_is_not_postgres_is_refused(monkeypatch: pytest.MonkeyPatch, field: str, url: str) -> None:
    monkeypatch.setenv(field, url)
    with pytest.raises(ValidationError, match="must start with postgresql://"):
        settings()


@pytest.mark.parametrize("schema", ["staging", "_x", "Stage_2", "s" * 63])
def test_plain_identifiers_are_accepted_as_schema_names(schema: str) -> None:
    config = Settings(_env_file=None, staging_schema=schema, dw_schema=schema)
    assert config.schema_translate_map == {"staging": schema, "datawarehouse": schema}


@pytest.mark.parametrize(
    "schema", ["", "1stage", "stage-2", "stage 2", 'a"b', "a;drop schema x", "staging\n", "s" * 64, "schéma"]
)
@pytest.mark.parametrize("name", ["STAGING_SCHEMA", "DW_SCHEMA"])
def test_schema_names_must_be_identifiers(monkeypatch: pytest.MonkeyPatch, name: str, schema: str) -> None:
    monkeypatch.setenv(name, schema)
    with pytest.raises(ValidationError):
        settings()


@pytest.mark.parametrize("value", ["", ".", "..", ".hidden", "a/b", "a\\b", "/abs"])
@pytest.mark.parametrize("name", ["PROCESSED_DIR_NAME", "FAILED_DIR_NAME"])
def test_archive_folder_names_stay_inside_the_imports_folder(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        settings()


def test_archive_folders_sit_inside_the_imports_folder() -> None:
    config = Settings(_env_file=None, imports_dir=Path("/drop"), failed_dir_name="bad")
    assert (config.processed_dir, config.failed_dir) == (Path("/drop/processed"), Path("/drop/bad"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SETTLE_SECONDS", "0"),
        ("TICK_SECONDS", "-0.1"),
        ("COPY_CHUNK_BYTES", "-1"),
        ("DB_CONNECT_ATTEMPTS", "0"),
        ("MAX_REJECT_RATIO", "1.5"),
        ("MAX_REJECT_RATIO", "-0.1"),
        ("LOG_FILE_BACKUPS", "-1"),
        ("SETTLE_SECONDS", "soon"),
    ],
)
def test_out_of_range_numbers_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        settings()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:secret@db:5432/app", "postgresql://u:***@db:5432/app"),
        ("postgresql+asyncpg://u:p@ss:w@rd@db/app", "postgresql+asyncpg://u:***@db/app"),
        ("postgresql://:secret@db/app", "postgresql://:***@db/app"),
        ("postgresql://u:secret@db/app?sslmode=require", "postgresql://u:***@db/app?sslmode=require"),
        ("postgresql://u@db/app", "postgresql://u@db/app"),
        ("postgresql://db/app", "postgresql://db/app"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url_hides_the_password_and_keeps_the_rest(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_url_hides_a_password_given_as_a_query_parameter() -> None:
    assert "secret" not in mask_url("postgresql://u@db/app?password=secret")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u@db/app?password=secret&sslmode=require", "postgresql://u@db/app?password=***&sslmode=require"),
        ("postgresql://u@db/app?PASSWORD=secret", "postgresql://u@db/app?PASSWORD=***"),
        ("postgresql://u:p%40ss%3Aw@db/app", "postgresql://u:***@db/app"),
        ("postgresql://u:secret@[::1]:5432/app", "postgresql://u:***@[::1]:5432/app"),
        ("postgresql://u:a:b@db/app?password=x", "postgresql://u:***@db/app?password=***"),
    ],
)
def test_mask_url_keeps_the_masked_url_readable(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_an_unencoded_at_sign_in_the_password_is_refused_without_echoing_the_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_STRING", "postgresql://u:p@ss:w@rd@db/app")
    with pytest.raises(ValidationError, match="percent-encoded") as refused:
        settings()
    assert "w@rd" not in str(refused.value)


def test_a_refused_scheme_does_not_echo_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_STRING", "mysql://u:secret@db/app")
    with pytest.raises(ValidationError) as refused:
        settings()
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "result"),
    [
        ("postgresql://u:p@db:5432/postgres", "postgresql://u:p@db:5432/test_1"),
        ("postgresql+asyncpg://u@db/app?sslmode=require", "postgresql+asyncpg://u@db/test_1?sslmode=require"),
        ("postgresql://u:p%40ss@db", "postgresql://u:p%40ss@db/test_1"),
    ],
)
def test_with_database_swaps_only_the_database(url: str, result: str) -> None:
    assert with_database(url, "test_1") == result


@pytest.mark.parametrize(
    ("url", "result"),
    [
        ("postgresql://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        (
            "postgres://u:p%40ss@db:5432/app?sslmode=require",
            "postgresql+asyncpg://u:p%40ss@db:5432/app?sslmode=require",
        ),
    ],
)
def test_with_scheme_replaces_only_the_scheme(url: str, result: str) -> None:
    assert with_scheme(url, "postgresql+asyncpg") == result


def test_with_scheme_refuses_a_url_without_a_scheme() -> None:
    with pytest.raises(ValueError, match="no scheme"):
        with_scheme("db:5432/app", "postgresql")


def test_a_configured_url_is_used_without_starting_anything() -> None:
    config = Settings(_env_file=None, db_string="postgresql://u@db/app", embedded_postgres=False)
    assert resolve_database_url(config) == "postgresql+asyncpg://u@db/app"


def test_without_a_url_and_with_the_embedded_database_off_start_up_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"set DB_STRING .*EMBEDDED_POSTGRES=true"):
        resolve_database_url(Settings(_env_file=None, embedded_postgres=False))


def test_without_a_url_and_without_the_embedded_package_start_up_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres.postgres_server", None)  # what `import` sees when absent
    with pytest.raises(ConfigError, match=r"set DB_STRING .*dev dependency"):
        resolve_database_url(Settings(_env_file=None, embedded_pgdata_dir=Path("/nonexistent/pgdata")))


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("0", False), ("TRUE", True)])
def test_the_embedded_database_is_switched_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("EMBEDDED_POSTGRES", value)
    assert settings().embedded_postgres is expected
