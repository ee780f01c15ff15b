"""The header of a job-title file: whether a first row is one, and the column layout it gives.

Header names are compared by their header key (services.column_matching), like declared kinds' columns:
`Title`, `PDL_Count`, `pdl-count` and `Top Related Titles 3` are all recognised. Pure: no I/O.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from core.errors import BadFileError
from services.column_matching import header_key
from services.excerpts import excerpt
from services.importers.csv_lines import CsvRecord

TITLE_COLUMN: Final = "title"
COUNT_COLUMN: Final = "pdl count"

_TITLE_KEY: Final = header_key(TITLE_COLUMN)
_COUNT_KEY: Final = header_key(COUNT_COLUMN)
_FIELD_KEYS: Final = (_TITLE_KEY, _COUNT_KEY)
_RELATED_KEY: Final = re.compile(r"toprelatedtitles?[0-9]*")  # `top related titles 1` by its header key


@dataclass(frozen=True)
class TitleLayout:
    """Where each field sits in a file's rows, read from its header."""

    title_index: int
    count_index: int
    width: int
    related_start: int | None  # set when the related columns are the header's tail (the usual shape)
    related_indexes: tuple[int, ...]
    extra_columns: tuple[tuple[int, str], ...]

    @property
    def is_usual(self) -> bool:
        """Title, count, then only related titles: the layout the fast COPY path handles."""
        is_plain_order = (self.title_index, self.count_index, self.related_start) == (0, 1, 2)
        return is_plain_order and not self.extra_columns


def _is_related_header(key: str) -> bool:
    return key == "" or _RELATED_KEY.fullmatch(key) is not None


def is_job_title_header(cells: Sequence[str]) -> bool:
    """Whether a first row looks like this kind's header: a pdl count, or a title with related titles.

    Either one is enough to claim the file, so that a header missing the other gets this kind's
    precise reason ("the header has no 'title' column") rather than "no import service recognises".
    """
    keys = {header_key(cell) for cell in cells}
    has_related = any(key and _RELATED_KEY.fullmatch(key) for key in keys)
    return _COUNT_KEY in keys or (_TITLE_KEY in keys and has_related)


def parse_header(cells: Sequence[str]) -> TitleLayout:
    """Read the column layout from the header row; raises BadFileError when it cannot be used."""
    keys = [header_key(cell) for cell in cells]
    named = [(index, key) for index, key in enumerate(keys) if not _is_related_header(key)]
    seen: dict[str, int] = {}
    for index, key in named:
        if key in seen:
            raise BadFileError(
                f"duplicate header name {cells[index].strip()!r} (columns {seen[key] + 1} and {index + 1}); "
                "rename or remove one of them and drop the file again",
                line=1,
            )
        seen[key] = index
    for required, required_key in ((TITLE_COLUMN, _TITLE_KEY), (COUNT_COLUMN, _COUNT_KEY)):
        if required_key not in seen:
            raise BadFileError(
                f"the header has no {required!r} column; expected columns like "
                "'title,pdl count,top related titles 1,…'",
                detail=f"header: {excerpt(','.join(cells))}",
                line=1,
            )
    related = tuple(index for index, key in enumerate(keys) if _is_related_header(key))
    is_tail = related == tuple(range(len(keys) - len(related), len(keys)))
    return TitleLayout(
        title_index=seen[_TITLE_KEY],
        count_index=seen[_COUNT_KEY],
        width=len(cells),
        related_start=(len(keys) - len(related)) if is_tail else None,
        related_indexes=related,
        extra_columns=tuple(
            (index, cells[index].strip()) for index, key in named if key not in (_TITLE_KEY, _COUNT_KEY)
        ),
    )


def read_layout(records: Iterator[CsvRecord] | Iterator[CsvRecord | str]) -> tuple[TitleLayout, int]:
    """The layout read from the first non-blank row, and its line; BadFileError when there is none or it is unusable."""
    for record in records:
        assert not isinstance(record, str)  # lines are converted only once the header is known
        line_no, _, cells, _, error = record
        if cells is None:
            raise BadFileError(f"the header row cannot be read as CSV ({error}); check its quoting", line=line_no)
        if any(cell.strip() for cell in cells):
            return parse_header(cells), line_no
    raise BadFileError("the file has no header row (it is empty or blank)")
