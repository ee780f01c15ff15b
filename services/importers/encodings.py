"""Which text encoding a file is in: UTF-8 first, Windows-1252 as the only fallback, never a mix."""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from core.errors import BadFileError

UTF8: Final = "utf-8-sig"  # plain UTF-8 that also drops a leading byte-order mark
CP1252: Final = "cp1252"
DISPLAY_NAMES: Final = {UTF8: "utf-8", CP1252: "windows-1252"}


@dataclass(frozen=True)
class EncodingScan:
    """What a line-by-line look at a file's bytes found."""

    first_non_utf8_line: int | None
    first_non_utf8_byte: int | None
    has_utf8_non_ascii_line: bool
    first_non_cp1252_line: int | None
    first_non_cp1252_byte: int | None


def scan_encoding(lines: Iterable[bytes]) -> EncodingScan:
    """Look at every line: which decode as UTF-8, which only as Windows-1252."""
    first_utf8: tuple[int, int] | None = None
    first_cp1252: tuple[int, int] | None = None
    has_non_ascii_utf8 = False
    for line_no, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            has_non_ascii_utf8 = True
        except UnicodeDecodeError as exc:
            first_utf8 = first_utf8 or (line_no, line[exc.start])
        if first_cp1252 is None:
            try:
                line.decode(CP1252)
            except UnicodeDecodeError as exc:
                first_cp1252 = (line_no, line[exc.start])
    return EncodingScan(
        first_non_utf8_line=first_utf8[0] if first_utf8 else None,
        first_non_utf8_byte=first_utf8[1] if first_utf8 else None,
        has_utf8_non_ascii_line=has_non_ascii_utf8,
        first_non_cp1252_line=first_cp1252[0] if first_cp1252 else None,
        first_non_cp1252_byte=first_cp1252[1] if first_cp1252 else None,
    )


def choose_fallback_encoding(scan: EncodingScan) -> str:
    """The encoding to use when UTF-8 failed, or BadFileError when the bytes allow none."""
    line = scan.first_non_utf8_line
    if line is None:
        return UTF8
    if scan.has_utf8_non_ascii_line:
        raise BadFileError(
            f"the file mixes encodings: some lines are UTF-8 but line {line} is not "
            f"(byte 0x{scan.first_non_utf8_byte or 0:02x}); re-save the whole file as UTF-8",
            line=line,
        )
    if scan.first_non_cp1252_line is not None:
        raise BadFileError(
            f"the file is neither UTF-8 nor Windows-1252: line {scan.first_non_cp1252_line} has byte "
            f"0x{scan.first_non_cp1252_byte or 0:02x}; re-save it as UTF-8",
            line=scan.first_non_cp1252_line,
        )
    return CP1252


def whole_content_encoding(content: bytes) -> str:
    """The encoding of a file's whole content: UTF-8 when it decodes, else the fallback (BadFileError if none)."""
    try:
        content.decode(UTF8)
    except UnicodeDecodeError:
        return choose_fallback_encoding(scan_encoding(io.BytesIO(content)))
    return UTF8
