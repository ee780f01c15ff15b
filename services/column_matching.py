"""Declared columns against a file's field names: the header-key rule, matching, and drift between files.

Pure: no I/O, logging or settings.
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


def header_key(name: str) -> str:
    """The comparison key of a header or alias: NFKC, casefolded, letters and digits only (`E-mail` -> `email`)."""
    return "".join(char for char in unicodedata.normalize("NFKC", name).casefold() if char.isalnum())


class DeclaredColumn(Protocol):
    """What matching needs of a declared column (services.declarations.ColumnDeclaration is one)."""

    @property
    def name(self) -> str:
        """The canonical name."""
        ...

    @property
    def required(self) -> bool:
        """Whether every file must have it."""
        ...

    @property
    def aliases(self) -> tuple[str, ...]:
        """The other names it goes by."""
        ...


@dataclass(frozen=True)
class ColumnMatch:
    """Which header each declared column is read from, and what did not fit."""

    positions: dict[str, int]  # canonical name -> header index
    headers: dict[str, str]  # canonical name -> header as written
    unknown: list[str]  # headers matching no column, in file order: extra data
    missing_required: dict[str, list[str]]  # required canonical name -> the names tried, as declared
    duplicates: dict[str, list[str]]  # canonical name -> later headers that matched it too (ignored)


def _column_by_key(columns: Sequence[DeclaredColumn], *, by_name: bool) -> dict[str, str]:
    """Key -> canonical name. Canonical names (unless left out) come before aliases; else the first column wins."""
    by_key: dict[str, str] = {}
    for column in columns if by_name else ():
        by_key.setdefault(header_key(column.name), column.name)
    for column in columns:
        for alias in column.aliases:
            by_key.setdefault(header_key(alias), column.name)
    by_key.pop("", None)  # a blank or all-punctuation header is never a column
    return by_key


def match_columns(headers: Sequence[str], columns: Sequence[DeclaredColumn], *, by_name: bool = True) -> ColumnMatch:
    """Match headers to declared columns by `header_key` of the name or an alias; the first of duplicates wins.

    Without `by_name` only aliases match: a partner's kind that stages into another kind's table shares that
    kind's column names, which are not the partner's headers.
    """
    by_key = _column_by_key(columns, by_name=by_name)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: dict[str, list[str]] = {}
    for index, header in enumerate(headers):
        name = by_key.get(header_key(header))
        if name is None:
            unknown.append(header)
        elif name in positions:
            duplicates.setdefault(name, []).append(header)
        else:
            positions[name] = index
    missing = {c.name: [c.name, *c.aliases] for c in columns if c.required and c.name not in positions}
    written = {name: headers[index] for name, index in positions.items()}
    return ColumnMatch(positions, written, unknown, missing, duplicates)


# ---- drift between two files of a kind ----------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """How the columns differ from the previous file's: canonical names added, missing, or read from renamed headers."""

    added: tuple[str, ...]
    missing: tuple[str, ...]
    renamed: dict[str, tuple[str, str]]  # canonical name -> (old header, new header)

    @property
    def has_changes(self) -> bool:
        """Whether anything was added, went missing or was renamed."""
        return bool(self.added or self.missing or self.renamed)


def mapped_columns(column_map: object) -> dict[str, str] | None:
    """The `columns` part (canonical name -> header as written) of a stored column map, when it has one."""
    columns = column_map.get("columns") if isinstance(column_map, dict) else None
    return columns if isinstance(columns, dict) else None


def column_drift(previous: Mapping[str, str] | None, current: Mapping[str, str]) -> Drift:
    """Compare two files' mappings (canonical name -> header as written); with no previous file all is added."""
    before = previous or {}
    return Drift(
        added=tuple(sorted(name for name in current if name not in before)),
        missing=tuple(sorted(name for name in before if name not in current)),
        renamed={
            name: (before[name], current[name])
            for name in sorted(current)
            if name in before and before[name] != current[name]
        },
    )


def render_drift(drift: Drift) -> str:
    """One line: `added=[a,b] missing=[c] renamed={d: 'Old' -> 'New'}`; names sorted, headers as Python reprs."""
    renamed = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in drift.renamed.items())
    return f"added=[{','.join(drift.added)}] missing=[{','.join(drift.missing)}] renamed={{{renamed}}}"
