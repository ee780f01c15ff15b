"""Declared kinds: file kinds described in a TOML file in `services/kinds/` (or `kinds_dir`) instead of code.

A declaration names the kind, the formats it takes, its columns (canonical name, type, required,
aliases), its key, and whether each file is a full snapshot; a kind may also say which cell values mean
null and whether a later file's row replaces an earlier one with the same key. It is validated at
start-up; a broken one stops the service with the file, the field and the reason. Kinds that belong
together (with their views and exports) live in a bundle folder: services/bundles.py.
"""

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Self

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Column

from core.errors import ConfigError
from models.base import Base
from models.declared import CURRENT_TABLE_PREFIX, EXTRA_COLUMN, LINEAGE_COLUMNS, current_table, declared_model
from services.column_matching import header_key
from services.column_types import COLUMN_TYPES

SHIPPED_KINDS_DIR: Final = Path(__file__).resolve().parent / "kinds"
MAX_IDENTIFIER_CHARS: Final = 63  # Postgres truncates longer names
BUILT_IN_KINDS: Final = frozenset({"job_titles", "nem12", "sqlite"})
RESERVED_COLUMNS: Final = frozenset({*LINEAGE_COLUMNS, EXTRA_COLUMN})


def _known_column_type(name: str) -> str:
    if name not in COLUMN_TYPES:
        *others, last = map(repr, COLUMN_TYPES)
        expected = f"{', '.join(others)} or {last}"
        raise PydanticCustomError("column_type", "Input should be {expected}", {"expected": expected})
    return name


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
ColumnTypeName = Annotated[str, AfterValidator(_known_column_type)]  # a name in column_types.COLUMN_TYPES
# The file formats a declared kind can take: read by importers/records.py (text) and importers/sqlite_tables.py.
SourceFormat = Literal["csv", "json", "ndjson", "sqlite"]


class ColumnDeclaration(BaseModel):
    """One canonical column of a declared kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Identifier
    type: ColumnTypeName
    required: bool = False
    aliases: tuple[str, ...] = ()


class KindDeclaration(BaseModel):
    """A declared kind, as validated from its TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Identifier
    formats: tuple[SourceFormat, ...] = Field(min_length=1)
    columns: tuple[ColumnDeclaration, ...] = Field(min_length=1)
    key: tuple[str, ...] = ()
    snapshot: bool = False
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")

    @model_validator(mode="after")
    def _check_names(self) -> Self:
        if self.kind in BUILT_IN_KINDS:
            raise ValueError(f"kind {self.kind!r} is built in; choose another name")
        names = [column.name for column in self.columns]
        for name in names:
            if names.count(name) > 1 or name in RESERVED_COLUMNS:
                raise ValueError(f"column {name!r} is declared twice or is a reserved lineage column")
        for name in self.key:
            column = next((c for c in self.columns if c.name == name), None)
            if column is None or not column.required:
                raise ValueError(f"key column {name!r} must be a declared, required column")
        self._check_aliases()
        if self.phone_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"phone_region {self.phone_region!r} is not a region phonenumbers knows")
        return self

    def _check_aliases(self) -> None:
        owners: dict[str, str] = {}
        for column in self.columns:
            for spelling in (column.name, *column.aliases):
                owner = owners.setdefault(header_key(spelling), column.name)
                if owner != column.name:
                    raise ValueError(f"alias {spelling!r} of {column.name!r} also names column {owner!r}")

    # ---- Bundles (issue #16): null markers, keys that replace --------------------------------------------------
    # Cell values that mean null in this kind's files, compared with the trimmed value (`null`, `\N`, `NA`);
    # an empty or blank cell is null already.
    null_markers: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    # A later file's row replaces an earlier row with the same key: `--pipeline` keeps the current rows in
    # `<dw_schema>.current_<kind>` (and, with `snapshot`, removes the keys a newer file no longer lists).
    replace_by_key: bool = False

    @model_validator(mode="after")
    def _check_replacing(self) -> Self:
        if self.replace_by_key and not self.key:
            raise ValueError("replace_by_key needs a key: the columns that identify a row across files")
        if self.replace_by_key and len(CURRENT_TABLE_PREFIX + self.kind) > MAX_IDENTIFIER_CHARS:
            raise ValueError(f"kind {self.kind!r} is too long for replace_by_key (its current table's name)")
        if any(marker != marker.strip() for marker in self.null_markers):
            raise ValueError("null_markers are compared with trimmed values: write them without surrounding spaces")
        return self

    @property
    def required(self) -> tuple[ColumnDeclaration, ...]:
        """The columns every row must have."""
        return tuple(column for column in self.columns if column.required)


def parse_declaration(text: str, source: str) -> KindDeclaration:
    """Validate one TOML declaration; ConfigError names the file, the field and the reason."""
    try:
        return KindDeclaration.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'declaration'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{source}: {problems}") from exc


def load_declarations(folders: Sequence[Path]) -> tuple[KindDeclaration, ...]:
    """Every `*.toml` declaration in the folders, in name order; ConfigError on the first bad one."""
    declarations: dict[str, KindDeclaration] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            declaration = parse_declaration(path.read_text(encoding="utf-8"), str(path))
            if declaration.kind in declarations:
                raise ConfigError(f"{path}: kind {declaration.kind!r} is declared twice")
            declarations[declaration.kind] = declaration
    return tuple(declarations.values())


def register_declared_models(declarations: Sequence[KindDeclaration]) -> list[type[Base]]:
    """Add every declared kind's staging model, typed from the column-type registry, to the models' metadata
    (and the table of current rows of a kind whose key replaces)."""
    for declaration in declarations:
        if declaration.replace_by_key:
            current_table(declaration.kind, staging_columns(declaration), declaration.key)
    return [declared_model(declaration.kind, staging_columns(declaration)) for declaration in declarations]


def staging_columns(declaration: KindDeclaration) -> list[Column[Any]]:
    """The declared columns as staging-table columns: SQL type from the registry, NOT NULL when required."""
    return [
        Column(column.name, COLUMN_TYPES[column.type].sql_type, nullable=not column.required)
        for column in declaration.columns
    ]
