"""Import services for declared kinds: CSV, JSON and NDJSON files mapped onto a declaration's columns.

Pure mapping first (fields in, a typed row or a Reject out); the readers and the async `load` at
the bottom. Column names are matched by name or alias (case, spaces and punctuation ignored);
columns the declaration does not know go to `extra`; a required column missing from the file
quarantines it, naming the names tried.
"""

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import driver_connection
from core.errors import BadFileError
from models.declared import EXTRA_COLUMN, LINEAGE_COLUMNS, PARTNER_COLUMN
from services.column_matching import ColumnMatch, match_columns
from services.column_types import standardise
from services.declarations import KindDeclaration, SourceFormat
from services.excerpts import MAX_REJECT_CHARS, excerpt
from services.importers.base import LoadJob, LoadResult, Reject
from services.importers.copying import CopyCounts, CopyTarget, copy_rows, text_row
from services.importers.derived_columns import DerivationMap
from services.importers.encodings import DISPLAY_NAMES
from services.importers.key_guard import KeyGuard
from services.importers.records import ReadNotes, SourceRecord, iter_source_records, sniff_format, source_fields

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
    derivations: DerivationMap = field(init=False)

    def __post_init__(self) -> None:
        self.derivations = DerivationMap(self.declaration)

    def column_for(self, name: str) -> str | None:
        """The canonical column a source field name stands for, if any (cached); derived columns never are."""
        if name not in self.canonical_of:
            matched = match_read_columns(self.declaration, [name]).positions
            self.canonical_of[name] = next(iter(matched), None)
            canonical = self.canonical_of[name]
            if canonical is not None and canonical not in self.present:
                self.present[canonical] = name
        return self.canonical_of[name]

    def as_record(self) -> dict[str, object]:
        """The file's column mapping, for the ledger and for drift (a derived column names its source field)."""
        unknown = sorted(name for name, canonical in self.canonical_of.items() if canonical is None)
        record: dict[str, object] = {"columns": self.present | self.derivations.present, "unknown": unknown}
        if self.declaration.partner is not None:
            record["partner"] = self.declaration.partner
        return record


def map_fields(fields: Mapping[str, object], line_no: int, field_map: FieldMap) -> Mapped | Reject:
    """Standardise one record's fields; a required value that does not fit rejects the row.

    An optional value that does not fit is null with a warning, and its cell as written goes to `extra`.
    """
    declaration = field_map.declaration
    raw, read_from, extra = _split_fields(fields, field_map)
    derived = field_map.derivations.apply(fields) if declaration.derive else None
    problems = derived.problems if derived else {}
    raw.update(derived.values if derived else {})
    values: dict[str, object] = {}
    warnings = list(derived.warnings if derived else ())
    for column in declaration.columns:
        try:
            value = standardise(column.type, _text(raw.get(column.name)), phone_region=declaration.phone_region)
        except ValueError as exc:
            if column.required:
                return Reject(line_no, _raw_text(fields), f"{column.name}: {exc}")
            value = None
            warnings.append(f"{column.name}: {exc}")
            if column.name in read_from:
                extra.setdefault(read_from[column.name], raw[column.name])
        if column.required and value is None:
            problem = problems.get(column.name)
            reason = f"{column.name}: {problem}" if problem else f"{column.name} is required but empty"
            return Reject(line_no, _raw_text(fields), reason)
        values[column.name] = value
    return Mapped(line_no, values, extra, tuple(warnings))


def _split_fields(
    fields: Mapping[str, object], field_map: FieldMap
) -> tuple[dict[str, object], dict[str, str], dict[str, object]]:
    """The values of declared columns, the field each was read from, and the other fields (non-blank): extra."""
    raw: dict[str, object] = {}
    read_from: dict[str, str] = {}
    extra: dict[str, object] = {}
    for name, written in fields.items():
        value = _unless_null_marker(written, field_map.declaration.null_markers)
        canonical = field_map.column_for(name)
        if canonical is None:
            if value not in (None, ""):
                extra[name] = value
        elif canonical not in raw:
            raw[canonical] = value
            read_from[canonical] = name
    return raw, read_from, extra


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
    partner = (declaration.partner,) if declaration.snapshot else ()
    extra = json.dumps(mapped.extra, ensure_ascii=False, default=str) if mapped.extra else None
    return text_row((file_id, mapped.line_no, source_table, *partner, *values, extra))


def _copy_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def copy_columns(declaration: KindDeclaration) -> tuple[str, ...]:
    """The staging columns in the order `copy_line` writes them (a snapshot kind's table has `partner`)."""
    partner = (PARTNER_COLUMN,) if declaration.snapshot else ()
    return (*LINEAGE_COLUMNS, *partner, *(c.name for c in declaration.columns), EXTRA_COLUMN)


def match_read_columns(declaration: KindDeclaration, names: list[str]) -> ColumnMatch:
    """The field names matched to the columns read from headers: by name or alias, or, for a kind that stages into
    another's table (whose column names are not the partner's headers), by alias only."""
    return match_columns(names, declaration.read_columns, by_name=declaration.stage_into is None)


def missing_required(declaration: KindDeclaration, names: list[str]) -> dict[str, list[str]]:
    """Each required column the field names cannot fill, with the names tried (a derived one: its sources)."""
    missing = match_read_columns(declaration, names).missing_required
    sources = DerivationMap(declaration).sources(names)
    for index, derivation in enumerate(declaration.derive):
        if index not in sources:
            required = [c.name for c in declaration.required if c.name in derivation.columns]
            missing.update({name: [f"{source} (derived)" for source in derivation.source] for name in required})
    return missing


def check_required(declaration: KindDeclaration, names: list[str], where: str) -> None:
    """BadFileError naming every required column the file lacks and the names tried for it."""
    missing_columns = missing_required(declaration, names)
    if missing_columns:
        missing = "; ".join(f"{name} (tried: {', '.join(tried)})" for name, tried in missing_columns.items())
        raise BadFileError(
            f"{where} has no column for the required {missing}; rename the column or add an alias to "
            f"services/kinds/{declaration.kind}.toml"
        )


def claims(declaration: KindDeclaration, names: list[str]) -> bool:
    """Whether source field names look like this kind: every key column and at least two columns match."""
    matched = match_read_columns(declaration, names)
    derived = DerivationMap(declaration).sources(names)
    filled = set(matched.positions) | {c for i in derived for c in declaration.derive[i].columns}
    has_keys = all(key in filled for key in declaration.key)
    return has_keys and len(filled) >= min(MIN_MATCHED_COLUMNS, len(declaration.columns))


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
        names = source_fields(head, sniff_format(head))
        return (
            not missing_required(self.declaration, names),
            len(match_read_columns(self.declaration, names).positions),
        )

    async def load(self, conn: AsyncConnection, job: LoadJob) -> LoadResult:
        """Stream the file's records into the kind's staging table inside the caller's transaction."""
        source_format = _format_of(job)
        read = ReadNotes()
        staged = await stage_records(
            conn,
            job,
            self.declaration,
            lambda: iter_source_records(job.source, source_format, self.declaration, check_required, read),
        )
        return LoadResult(
            staged.counts.rows,
            staged.counts.rejected,
            encoding=DISPLAY_NAMES.get(read.encoding or "", source_format),  # windows-1252 shows
            first_rejects=staged.counts.first_rejects,
            column_map=staged.column_map,
            notes={"format": source_format} | staged.notes,
            staged_into=self.declaration.table,
        )


@dataclass(frozen=True)
class StagedRecords:
    """What staging a declared kind's records gave: the counts, the column mapping and the warnings' log fields."""

    counts: CopyCounts
    column_map: dict[str, object]
    notes: dict[str, object]


async def stage_records(
    conn: AsyncConnection,
    job: LoadJob,
    declaration: KindDeclaration,
    records: Callable[[], Iterator[SourceRecord | Reject]],
    source_table: str | None = None,
) -> StagedRecords:
    """Map the records onto the declaration and COPY them into its staging table, one row per key, inside the
    caller's transaction (`records` is called in the COPY's producer; a SQLite table names its `source_table`)."""
    field_map = FieldMap(declaration)
    warnings = WarningCounter()
    guard = KeyGuard(declaration)
    target = CopyTarget(job.staging_schema, declaration.table, copy_columns(declaration))

    def rows() -> Iterator[str | Reject]:
        yield from _mapped_lines(job.file_id, source_table, field_map, records(), warnings, guard)

    copier = await driver_connection(conn)
    counts = await copy_rows(
        copier, target, rows, file_id=job.file_id, chunk_bytes=job.copy_chunk_bytes, on_progress=job.on_progress
    )
    counts = await guard.finish(conn, target, job.file_id, counts)
    return StagedRecords(counts, field_map.as_record(), warnings.notes())


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


def _mapped_lines(
    file_id: int,
    source_table: str | None,
    field_map: FieldMap,
    records: Iterator[SourceRecord | Reject],
    warnings: WarningCounter,
    guard: KeyGuard,
) -> Iterator[str | Reject]:
    """COPY lines for the records, with rejects for rows that cannot be typed or repeat a key."""
    for item in records:
        if isinstance(item, Reject):
            yield item
            continue
        mapped = map_fields(item[1], item[0], field_map)
        if isinstance(mapped, Mapped):
            repeated = guard.check(mapped.line_no, mapped.values)
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
