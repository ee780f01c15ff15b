"""Declared kinds: file kinds described in a TOML file in `services/kinds/` (or `kinds_dir`) instead of code.

A declaration names the kind, the formats it takes, its columns (canonical name, type, required,
aliases), its key, and whether each file is a full snapshot; a kind may also say which cell values mean
null and whether a later file's row replaces an earlier one with the same key. A partner's kind can also
name the partner, the kind whose staging table its rows go into (`stage_into`), and values it takes out
of a cell by a pattern (`[[derive]]`). It is validated at start-up; a broken one stops the service with
the file, the field and the reason. Kinds that belong together (with their views and exports) live in a
bundle folder: services/bundles.py.
"""

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Self

import phonenumbers
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Column, Text

from core.errors import ConfigError
from models.base import Base
from models.declared import (
    CURRENT_TABLE_PREFIX,
    EXTRA_COLUMN,
    LINEAGE_COLUMNS,
    PARTNER_COLUMN,
    current_table,
    declared_model,
)
from services.column_matching import header_key
from services.column_types import COLUMN_TYPES
from services.derivations import check_pattern

SHIPPED_KINDS_DIR: Final = Path(__file__).resolve().parent / "kinds"
MAX_IDENTIFIER_CHARS: Final = 63  # Postgres truncates longer names
BUILT_IN_KINDS: Final = frozenset({"job_titles", "nem12", "sqlite"})
RESERVED_COLUMNS: Final = frozenset({*LINEAGE_COLUMNS, EXTRA_COLUMN, PARTNER_COLUMN})


def _known_column_type(name: str) -> str:
    if name not in COLUMN_TYPES:
        *others, last = map(repr, COLUMN_TYPES)
        expected = f"{', '.join(others)} or {last}"
        raise PydanticCustomError("column_type", "Input should be {expected}", {"expected": expected})
    return name


def _safe_pattern(text: str) -> str:
    try:
        check_pattern(text)
    except ValueError as exc:
        raise PydanticCustomError("derive_pattern", "{reason}", {"reason": str(exc)}) from exc
    return text


def _names(value: object) -> object:
    return (value,) if isinstance(value, str) else value


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
ColumnTypeName = Annotated[str, AfterValidator(_known_column_type)]  # a name in column_types.COLUMN_TYPES
# A header as a partner writes it ("Type License"): anything with a letter or digit (see header_key).
HeaderName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"[^\W_]")]
# Whose files a kind is, kept beside every row: "Nevada DPBH".
PartnerName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S(?:.*\S)?$")]
# The file formats a declared kind can take: read by importers/records.py (text) and importers/sqlite_tables.py.
SourceFormat = Literal["csv", "json", "ndjson", "sqlite"]


class ColumnDeclaration(BaseModel):
    """One canonical column of a declared kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Identifier
    type: ColumnTypeName
    required: bool = False
    aliases: tuple[str, ...] = ()


class Derivation(BaseModel):
    """Columns filled from one cell by a pattern: each named group fills the declared column of its name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Annotated[tuple[HeaderName, ...], BeforeValidator(_names)] = Field(alias="from", min_length=1)
    pattern: Annotated[str, AfterValidator(_safe_pattern)]

    @property
    def compiled(self) -> re.Pattern[str]:
        """The pattern, compiled (re caches it)."""
        return re.compile(self.pattern)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns it fills: its named groups, in pattern order."""
        return tuple(self.compiled.groupindex)


class KindDeclaration(BaseModel):
    """A declared kind, as validated from its TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Identifier
    formats: tuple[SourceFormat, ...] = Field(min_length=1)
    columns: tuple[ColumnDeclaration, ...] = Field(min_length=1)
    key: tuple[str, ...] = ()
    snapshot: bool = False
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")

    # ---- Partner files (issue #17): whose rows, which table, values taken out of cells ----------------------
    # The partner whose files these are ("Nevada DPBH"): kept in the `partner` column of every row, and the
    # scope of a snapshot (a file lists every lead of its own partner). Only snapshot kinds have that column.
    partner: PartnerName | None = None
    # Stage into another declared kind's table (which owns its shape) instead of one of the kind's own.
    stage_into: Identifier | None = None
    derive: tuple[Derivation, ...] = ()

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
        self._check_partner_fields()
        return self

    def _check_partner_fields(self) -> None:
        if self.partner is not None and not self.snapshot:
            raise ValueError("partner is kept in the partner column of snapshot kinds only: set snapshot = true")
        if self.stage_into == self.kind:
            raise ValueError("stage_into names the kind itself; leave it out to stage into a table of its own")
        if self.stage_into and self.replace_by_key:
            raise ValueError("replace_by_key belongs to the kind that owns the table (stage_into's), not to this one")
        derived: set[str] = set()
        for number, derivation in enumerate(self.derive):
            for name in derivation.columns:
                column = next((c for c in self.columns if c.name == name), None)
                if column is None:
                    raise ValueError(f"derive.{number}: group {name!r} names no declared column")
                if column.aliases:
                    raise ValueError(f"column {name!r} is derived, so it is never read from a header: drop its aliases")
                if name in derived:
                    raise ValueError(f"column {name!r} is derived twice")
                derived.add(name)
        unnamed = [c.name for c in self.columns if self.stage_into and not c.aliases and c.name not in derived]
        if unnamed:
            raise ValueError(
                f"column {unnamed[0]!r} has no alias: a kind that stages into another's table reads its columns by "
                "their aliases only (the partner's own headers), so give it one or derive it"
            )

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

    @property
    def table(self) -> str:
        """The staging table its rows go into: its own (named after it), or the one of `stage_into`."""
        return self.stage_into or self.kind

    @property
    def derived(self) -> frozenset[str]:
        """The columns filled by a pattern (never read from a header)."""
        return frozenset(name for derivation in self.derive for name in derivation.columns)

    @property
    def read_columns(self) -> tuple[ColumnDeclaration, ...]:
        """The columns read from a header (by name or alias): all but the derived ones."""
        return tuple(column for column in self.columns if column.name not in self.derived)


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
    """Every `*.toml` declaration directly in the folders, in name order; ConfigError on the first bad one
    (naming its file), including a `stage_into` that names no kind of these folders able to take its rows."""
    declarations: dict[str, KindDeclaration] = {}
    sources: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            declaration = parse_declaration(path.read_text(encoding="utf-8"), str(path))
            if declaration.kind in declarations:
                raise ConfigError(f"{path}: kind {declaration.kind!r} is declared twice")
            declarations[declaration.kind] = declaration
            sources[declaration.kind] = path
    for kind, declaration in declarations.items():
        problem = stage_target_problem_among(declaration, declarations)
        if problem:
            raise ConfigError(f"{sources[kind]}: stage_into: {problem}")
    return tuple(declarations.values())


def stage_target_problem_among(declaration: KindDeclaration, kinds: Mapping[str, KindDeclaration]) -> str | None:
    """Why `declaration` cannot stage into its `stage_into` among these kinds (None when it can, or has none)."""
    if declaration.stage_into is None:
        return None
    return staging_target_problem(declaration, kinds.get(declaration.stage_into))


def check_stage_targets(declarations: Sequence[KindDeclaration]) -> None:
    """ConfigError naming the first kind whose `stage_into` cannot take its rows, checked across every folder
    and bundle (a bundle's kinds are read apart from the loose ones)."""
    by_kind = {declaration.kind: declaration for declaration in declarations}
    for declaration in declarations:
        problem = stage_target_problem_among(declaration, by_kind)
        if problem:
            raise ConfigError(f"kind {declaration.kind!r}: stage_into: {problem}")


def staging_target_problem(declaration: KindDeclaration, target: KindDeclaration | None) -> str | None:
    """Why `declaration` cannot stage into `target` (None when it can): the target owns the table's shape."""
    name = declaration.stage_into
    if target is None or target.stage_into is not None:
        return f"{name!r} is not a declared kind with a staging table of its own"
    if (declaration.snapshot, declaration.key) != (target.snapshot, target.key):
        shown = f"snapshot = {str(target.snapshot).lower()}, key = {list(target.key)}"
        return f"snapshot and key must be those of {name!r} ({shown})"
    types = {column.name: column.type for column in target.columns}
    for column in declaration.columns:
        if types.get(column.name) != column.type:
            return f"column {column.name!r} must be one of {name!r}'s columns, with its type ({types.get(column.name)})"
    mine = {column.name for column in declaration.required}
    missing = [column.name for column in target.required if column.name not in mine]
    if missing:
        return f"{name!r} requires {', '.join(missing)}: declare them here too, required"
    return None


def register_declared_models(declarations: Sequence[KindDeclaration]) -> list[type[Base]]:
    """Add the staging model of every declared kind with a table of its own, typed from the column-type
    registry, to the models' metadata (and the table of current rows of a kind whose key replaces)."""
    for declaration in declarations:
        if declaration.replace_by_key and declaration.stage_into is None:
            current_table(declaration.kind, staging_columns(declaration), declaration.key)
    return [
        declared_model(declaration.kind, staging_columns(declaration))
        for declaration in declarations
        if declaration.stage_into is None
    ]


def staging_columns(declaration: KindDeclaration) -> list[Column[Any]]:
    """The declared columns as staging-table columns: SQL type from the registry, NOT NULL when required;
    a snapshot kind's table starts with `partner` (whose full list the row is part of)."""
    partner = [Column(PARTNER_COLUMN, Text(), nullable=True)] if declaration.snapshot else []
    return partner + [
        Column(column.name, COLUMN_TYPES[column.type].sql_type, nullable=not column.required)
        for column in declaration.columns
    ]


def staging_tables(declarations: Sequence[KindDeclaration]) -> dict[str, list[str]]:
    """Each declared staging table and its declared columns (kinds that stage into another's write a subset)."""
    return {d.kind: [c.name for c in staging_columns(d)] for d in declarations if d.stage_into is None}
