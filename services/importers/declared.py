"""Import services for declared kinds: CSV, JSON and NDJSON files mapped onto a declaration's columns.

Pure mapping first (fields in, a typed row or a Reject out); the readers and the async `load` at
the bottom. Column names are matched by name or alias (case, spaces and punctuation ignored);
columns the declaration does not know go to `extra`; a required column missing from the file
quarantines it, naming the names tried.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from models.declared import EXTRA_COLUMN, LINEAGE_COLUMNS
from services.column_matching import ColumnMatch, match_columns
from services.column_types import standardise
from services.declarations import KindDeclaration, SourceFormat
from services.excerpts import MAX_REJECT_CHARS, excerpt
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyTarget, copy_rows, text_row
from services.importers.records import iter_source_records, sniff_format, source_fields

MIN_MATCHED_COLUMNS: Final = 2


@dataclass(frozen=True)
class Mapped:
    """A row mapped onto the declaration: values by canonical column, unknown fields, and warnings."""

    line_no: int
    values: dict[str, object]
    extra: dict[str, object]
    warnings: tuple[str, ...] = ()


@dataclass
class FieldMap:
    """Which source field feeds which canonical column, learnt from headers or JSON keys as they come."""

    declaration: KindDeclaration
    canonical_of: dict[str, str | None] = field(default_factory=dict)
    present: dict[str, str] = field(default_factory=dict)  # canonical -> the source name as written

    def column_for(self, name: str) -> str | None:
        """The canonical column a source field name stands for, if any (cached)."""
        if name not in self.canonical_of:
            matched = match_columns([name], self.declaration.columns).positions
            self.canonical_of[name] = next(iter(matched), None)
            canonical = self.canonical_of[name]
            if canonical is not None and canonical not in self.present:
                self.present[canonical] = name
        return self.canonical_of[name]

    def as_record(self) -> dict[str, object]:
        """The file's column mapping, for the ledger and for drift."""
        unknown = sorted(name for name, canonical in self.canonical_of.items() if canonical is None)
        return {"columns": dict(self.present), "unknown": unknown}


def map_fields(fields: Mapping[str, object], line_no: int, field_map: FieldMap) -> Mapped | Reject:
    """Standardise one record's fields; a required value that does not fit rejects the row."""
    declaration = field_map.declaration
    raw: dict[str, object] = {}
    extra: dict[str, object] = {}
    for name, written in fields.items():
        value = _unless_null_marker(written, declaration.null_markers)
        canonical = field_map.column_for(name)
        if canonical is None:
            if value not in (None, ""):
                extra[name] = value
        elif canonical not in raw:
            raw[canonical] = value
    values: dict[str, object] = {}
    warnings = []
    for column in declaration.columns:
        try:
            values[column.name] = standardise(
                column.type, _text(raw.get(column.name)), phone_region=declaration.phone_region
            )
        except ValueError as exc:
            if column.required:
                return Reject(line_no, _raw_text(fields), f"{column.name}: {exc}")
            values[column.name] = None
            warnings.append(f"{column.name}: {exc}")
        if column.required and values[column.name] is None:
            return Reject(line_no, _raw_text(fields), f"{column.name} is required but empty")
    return Mapped(line_no, values, extra, tuple(warnings))


def _unless_null_marker(value: object, null_markers: tuple[str, ...]) -> object:
    """None for a text value that is one of the kind's null markers (`null`, `\\N`), else the value."""
    return None if null_markers and isinstance(value, str) and value.strip() in null_markers else value


# A JSON number is exact as written; beyond this exponent, plain notation would be absurdly long.
_MAX_PLAIN_EXPONENT: Final = 1000


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):  # a JSON number: in plain notation, so `1E+2` reads as the whole number 100
        exponent = value.as_tuple().exponent
        return format(value, "f") if isinstance(exponent, int) and abs(exponent) <= _MAX_PLAIN_EXPONENT else str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)


def _raw_text(fields: Mapping[str, object]) -> str:
    return excerpt(json.dumps(dict(fields), ensure_ascii=False, default=str), MAX_REJECT_CHARS)


def copy_line(file_id: int, source_table: str | None, declaration: KindDeclaration, mapped: Mapped) -> str:
    """The mapped row as a COPY text line in the staging table's column order."""
    values = [_copy_value(mapped.values[c.name]) for c in declaration.columns]
    extra = json.dumps(mapped.extra, ensure_ascii=False, default=str) if mapped.extra else None
    return text_row((file_id, mapped.line_no, source_table, *values, extra))


def _copy_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def copy_columns(declaration: KindDeclaration) -> tuple[str, ...]:
    """The staging columns in the order `copy_line` writes them."""
    return (*LINEAGE_COLUMNS, *(c.name for c in declaration.columns), EXTRA_COLUMN)


def check_required(declaration: KindDeclaration, names: list[str], where: str) -> None:
    """BadFileError naming every required column the file lacks and the names tried for it."""
    matched = match_columns(names, declaration.columns)
    if matched.missing_required:
        missing = "; ".join(f"{name} (tried: {', '.join(tried)})" for name, tried in matched.missing_required.items())
        raise BadFileError(
            f"{where} has no column for the required {missing}; rename the column or add an alias to "
            f"services/kinds/{declaration.kind}.toml"
        )


def claims(declaration: KindDeclaration, names: list[str]) -> bool:
    """Whether source field names look like this kind: every key column and at least two columns match."""
    return claims_match(declaration, match_columns(names, declaration.columns))


def claims_match(declaration: KindDeclaration, matched: ColumnMatch) -> bool:
    """`claims` for names already matched against the declaration's columns."""
    has_keys = all(key in matched.positions for key in declaration.key)
    return has_keys and len(matched.positions) >= min(MIN_MATCHED_COLUMNS, len(declaration.columns))


@dataclass
class KeyGuard:
    """Inside one file the first row of a key wins; later ones are rejected naming the first line."""

    declaration: KindDeclaration
    first_line: dict[tuple[object, ...], int] = field(default_factory=dict)

    def check(self, mapped: Mapped) -> Reject | None:
        """None for the first row of its key, else the Reject for this one."""
        if not self.declaration.key:
            return None
        key = tuple(mapped.values[name] for name in self.declaration.key)
        first = self.first_line.setdefault(key, mapped.line_no)
        if first == mapped.line_no:
            return None
        shown = ", ".join(f"{name} {value!r}" for name, value in zip(self.declaration.key, key, strict=True))
        return Reject(mapped.line_no, "", f"{shown} was already on line {first}; the first row of a key wins")


class DeclaredImporter:
    """Loads CSV, JSON and NDJSON files of one declared kind into `staging.<kind>`."""

    def __init__(self, declaration: KindDeclaration) -> None:
        self.declaration = declaration

    @property
    def kind(self) -> str:
        """The declared kind's name."""
        return self.declaration.kind

    def accepts(self, file_name: str, head: bytes) -> bool:
        """Recognised by its format (a declared one) and its field names, whatever the file is called."""
        source_format = sniff_format(head)
        if source_format == "sqlite" or source_format not in self.declaration.formats:
            return False
        return claims(self.declaration, source_fields(head, source_format))

    def fit(self, head: bytes) -> tuple[bool, int]:
        """How well the file's field names fit this kind, to choose among kinds that all accept it:
        whether it has every required column, then how many of the kind's columns it has."""
        matched = match_columns(source_fields(head, sniff_format(head)), self.declaration.columns)
        return (not matched.missing_required, len(matched.positions))

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the file's records into the kind's staging table inside the caller's transaction."""
        source_format = _format_of(job)
        field_map = FieldMap(self.declaration)
        warnings = WarningCounter()
        target = CopyTarget(job.staging_schema, self.kind, copy_columns(self.declaration))

        def rows() -> Iterator[str | Reject]:
            records = iter_source_records(job.source, source_format, self.declaration, check_required)
            yield from mapped_lines(job.file_id, None, field_map, records, warnings)

        copier = await driver_connection(conn)
        counts = await copy_rows(
            copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
        )
        return LoadResult(
            counts.rows,
            counts.rejected,
            encoding=source_format,
            first_rejects=counts.first_rejects,
            column_map=field_map.as_record(),
            notes=warnings.notes(),
        )


@dataclass
class WarningCounter:
    """Optional values that did not fit their type (they load as null): how many, and the first few."""

    count: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, line_no: int, warnings: tuple[str, ...]) -> None:
        """Count a row's warnings."""
        self.count += len(warnings)
        if len(self.first) < 3:
            self.first.extend(f"line {line_no}: {warning}" for warning in warnings[: 3 - len(self.first)])

    def notes(self) -> dict[str, object]:
        """The log fields for the file's final line."""
        return {"warnings": self.count, "first_warnings": "; ".join(self.first)} if self.count else {}


def mapped_lines(
    file_id: int,
    source_table: str | None,
    field_map: FieldMap,
    records: Iterator[tuple[int, Mapping[str, object]] | Reject],
    warnings: WarningCounter,
) -> Iterator[str | Reject]:
    """COPY lines for the records, with rejects for rows that cannot be typed or repeat a key."""
    guard = KeyGuard(field_map.declaration)
    for item in records:
        if isinstance(item, Reject):
            yield item
            continue
        mapped = map_fields(item[1], item[0], field_map)
        if isinstance(mapped, Mapped):
            repeated = guard.check(mapped)
            if repeated is not None:
                yield Reject(repeated.line_no, _raw_text(item[1]), repeated.reason)
                continue
            warnings.add(mapped.line_no, mapped.warnings)
            yield copy_line(file_id, source_table, field_map.declaration, mapped)
        else:
            yield mapped


def _format_of(job: LoadJob) -> SourceFormat:
    source_format = sniff_format(job.head)
    if source_format == "sqlite":
        raise BadFileError("a SQLite file reached a CSV/JSON import service")
    return source_format
