"""The derived columns of a declared kind's rows: values its `[[derive]]` patterns take out of source cells.

Pure: no I/O, logging or settings. A source field is found by the header-key rule (case, spaces and
punctuation ignored), like any column. A blank source leaves its columns null; a source that does not
match leaves them null with one warning, which rejects the row when one of those columns is required.
The source cell itself stays in the row's `extra` (or in its own column, when it is one).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.column_matching import header_key
from services.declarations import KindDeclaration
from services.derivations import derive_values
from services.excerpts import excerpt


@dataclass(frozen=True)
class Derived:
    """One row's derived values (raw text, before their column type) and what did not match, by column."""

    values: dict[str, str | None]
    problems: dict[str, str]  # column -> why it is null although its source had a value
    warnings: tuple[str, ...]  # one per source that did not match


@dataclass
class DerivationMap:
    """Which source field feeds which derivation, learnt from field names as they come."""

    declaration: KindDeclaration
    present: dict[str, str] = field(default_factory=dict)  # derived column -> the source field as written
    _keys: dict[str, int] = field(default_factory=dict)  # header key of a source name -> derivation index
    _index_of: dict[str, int | None] = field(default_factory=dict)  # field name as written -> derivation index
    _patterns: list[tuple[re.Pattern[str], tuple[str, ...]]] = field(default_factory=list)  # compiled, columns

    def __post_init__(self) -> None:
        for index, derivation in enumerate(self.declaration.derive):
            self._patterns.append((derivation.compiled, derivation.columns))
            for name in derivation.source:
                self._keys.setdefault(header_key(name), index)

    def sources(self, names: list[str]) -> dict[int, str]:
        """Derivation index -> the first of `names` that feeds it."""
        found: dict[int, str] = {}
        for name in names:
            if name not in self._index_of:
                self._index_of[name] = self._keys.get(header_key(name))
            index = self._index_of[name]
            if index is not None:
                found.setdefault(index, name)
        return found

    def apply(self, fields: Mapping[str, object]) -> Derived:
        """The row's derived values; learns which source each derived column came from."""
        values: dict[str, str | None] = {}
        problems: dict[str, str] = {}
        warnings: list[str] = []
        for index, name in self.sources(list(fields)).items():
            pattern, columns = self._patterns[index]
            for column in columns:
                self.present.setdefault(column, name)
            cell = fields[name]
            values.update(dict.fromkeys(columns))
            if cell is None or not str(cell).strip():
                continue
            try:
                values.update(derive_values(pattern, str(cell)))
            except ValueError as exc:
                problem = f"{name!r} {excerpt(str(cell))!r} {exc}"
                problems.update(dict.fromkeys(columns, problem))
                warnings.append(f"{','.join(columns)}: {problem}")
        return Derived(values, problems, tuple(warnings))
