"""Names of export files: a plain name (`half_hourly_consumption.csv`) or a template with a placeholder per column
of the view (`stats_{year}.json`: one file per value of `year`). Pure: no I/O, logging or settings.

A template's columns give each file its name and are left out of the rows written into it (they are the same
in every row of a file). `{{` and `}}` are literal braces. A value becomes part of a file name as the database
writes it as text; one that is null, empty, starts with a dot or holds a path separator is refused, so no
value can name a file outside the exports folder or a hidden one.
"""

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

ExportFormat = Literal["csv", "json"]
_UNSAFE_IN_NAME: Final = re.compile(r"[/\\\x00-\x1f]")


@dataclass(frozen=True)
class FileTemplate:
    """An export file's name, with the view columns whose values fill it (none for a plain name)."""

    text: str
    columns: tuple[str, ...]

    @property
    def is_split(self) -> bool:
        """Whether the view is written as one file per value of its template's columns."""
        return bool(self.columns)

    def render(self, values: Mapping[str, str | None]) -> str:
        """The file name for one group's values (as text); ValueError for a value that cannot be part of a name."""
        parts = []
        for literal, column, _, _ in string.Formatter().parse(self.text):
            parts.append(literal)
            if column is not None:
                parts.append(name_part(values.get(column), column))
        return "".join(parts)


def name_part(value: str | None, column: str) -> str:
    """A column value as part of a file name; ValueError when it is null, empty or not safe in a name."""
    if value is None or not value.strip():
        raise ValueError(f"column {column!r} is null or empty in some rows, so those rows have no file name")
    if value.startswith(".") or _UNSAFE_IN_NAME.search(value):
        raise ValueError(f"column {column!r} has the value {value!r}, which cannot be part of a file name")
    return value


def parse_file_template(text: str, file_format: ExportFormat) -> FileTemplate:
    """Check an export file name or template; ValueError says what is wrong with it."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"file {text!r} is not a valid name template ({exc}; write {{{{ for a brace)") from exc
    columns: list[str] = []
    for _, column, spec, conversion in fields:
        if column is None:
            continue
        if not column or spec or conversion or any(char in column for char in ".[]"):
            raise ValueError(f"file {text!r}: a placeholder is a view column's name in braces, like {{year}}")
        columns.append(column)
    literal = "".join(part for part, *_ in fields)
    if literal.startswith(".") or _UNSAFE_IN_NAME.search(literal) or not text.endswith(f".{file_format}"):
        raise ValueError(f"file {text!r} must be a plain file name ending in .{file_format}, not hidden or in a folder")
    return FileTemplate(text, tuple(dict.fromkeys(columns)))
