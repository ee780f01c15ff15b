"""The fast path of the job-title load: a plain line in the usual layout becomes its COPY line directly.

Most rows of a real file are plain (no escapes, no padding, quotes only around whole cells), and for
them a handful of string operations replace splitting, typing and encoding. Every other row takes the
general, typed path in job_titles.py; a property test checks that both give exactly the same lines.
"""

import csv
from typing import Final

from services.importers.csv_lines import CsvRecord


class FastCopyLines:
    """Turns a plain line of the usual layout straight into its COPY line for `staging.job_titles`, or says None.

    A line qualifies when nothing in it needs escaping, trimming or typing beyond a plain count:
    no backslash, NUL or non-printable character (so the only whitespace is the ASCII space), no
    space beside a comma or at either end of a cell, quotes only around whole cells (a title with a
    comma, say) and a count that is blank or a plain bigint. Blank related cells are dropped.
    """

    def __init__(self, file_id: int) -> None:
        self.file_id = file_id
        self.prefix = f"{file_id}\t"
        self.is_enabled = False  # set once the header shows the usual layout

    def __call__(self, line_no: int, line: str) -> str | None:
        """The line (with its line end) as a COPY line, or None; the converter `iter_csv_records_converting` takes."""
        if not self.is_enabled:
            return None
        text = line.rstrip("\r\n")
        if not text or len(text) > _CSV_FIELD_LIMIT or _has_special_characters(text):
            return None
        is_quoted = '"' in text
        if is_quoted:
            unquoted = _unquote_whole_cells(text)
            if unquoted is None:
                return None
            text = unquoted
        if text[:1] == " " or text[-1:] == " " or " ," in text or ", " in text:
            return None
        title, _, after_title = text.partition(",")
        count, _, related = after_title.partition(",")
        copy_count = _plain_count(count)
        if copy_count is None:
            return None
        related = related.rstrip(",")
        if ",," in related or related[:1] == ",":
            related = ",".join(filter(None, related.split(",")))
        array = '{"' + related.replace(",", '","') + '"}' if related else "{}"
        copy_line = f"{self.prefix}{line_no}\t{title}\t{copy_count}\t{array}\t\\N\n"
        return copy_line.replace(_QUOTED_COMMA, ",") if is_quoted else copy_line

    def from_record(self, record: CsvRecord) -> str | None:
        """A one-line record the csv module had to parse (odd quoting, say) as a COPY line, when its cells
        need no escaping; None otherwise."""
        line_no, last_line, cells, _, _ = record
        if not self.is_enabled or cells is None or line_no != last_line or not _are_plain(cells):
            return None
        cells = list(map(str.strip, cells))
        count = _plain_count(cells[1] if len(cells) > 1 else "")
        if count is None:
            return None
        related = list(filter(None, cells[2:]))
        array = '{"' + '","'.join(related) + '"}' if related else "{}"
        return f"{self.prefix}{line_no}\t{cells[0]}\t{count}\t{array}\t\\N\n"


_CSV_FIELD_LIMIT: Final = csv.field_size_limit()
_QUOTED_COMMA: Final = "\x1f"  # stands in for a comma inside quotes; `_has_special_characters` rules it out


def _has_special_characters(text: str) -> bool:
    """Whether `text` holds a character that rules its line out of the fast path: one COPY's text format
    escapes (backslash, tab), NUL, the quoted-comma stand-in, or whitespace other than " " that
    str.strip() would trim. Past U+00FF more kinds of space exist, so such text must be printable
    throughout (isprintable() catches them all but is several times slower than a few searches)."""
    if not text.isascii():
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return "\\" in text or not text.isprintable()
    return (  # spelled out: a loop over these characters costs more than the searches themselves
        "\\" in text
        or "\t" in text
        or "\x00" in text
        or _QUOTED_COMMA in text
        or "\x0b" in text
        or "\x0c" in text
        or "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
        or "\x85" in text
        or "\xa0" in text
    )


def _unquote_whole_cells(text: str) -> str | None:
    """`a,"b, c",d` -> `a,b<US> c,d`: the quotes dropped and the commas inside them masked, when every
    quote opens or closes a whole non-empty cell; None for anything else (doubled quotes, a quote
    inside a cell, an open quote), which the csv module handles."""
    parts = text.split('"')
    count = len(parts)
    if count % 2 == 0:
        return None
    first, last = parts[0], parts[-1]
    if (first and first[-1] != ",") or (last and last[0] != ","):
        return None
    for index in range(1, count, 2):
        cell = parts[index]
        if not cell:
            return None
        if index + 1 < count - 1 and (parts[index + 1][:1] != "," or parts[index + 1][-1:] != ","):
            return None  # between two quoted cells only commas and whole cells may stand
        parts[index] = cell.replace(",", _QUOTED_COMMA)
    return "".join(parts)


def _plain_count(count: str) -> str | None:
    """A count cell as COPY text when it is blank or a bigint written plainly; None otherwise."""
    if not count:
        return "\\N"
    if count.isdigit() and count.isascii() and len(count) < 19 and (count[0] != "0" or count == "0"):
        return count
    return None  # the general path types it or says why not


def _is_plain(text: str) -> bool:
    return '"' not in text and "\\" not in text and "\t" not in text and "\x00" not in text


def _are_plain(cells: list[str]) -> bool:
    # A quoted line (a title with a comma, say) whose cells need no escaping can take the fast path too.
    joined = "\x1f".join(cells)
    return _is_plain(joined) and "\n" not in joined and "\r" not in joined
