"""Choosing a file's text encoding: UTF-8 first, Windows-1252 as the only fallback, never a mix."""

import io

import pytest

from core.errors import BadFileError
from services.importers.encodings import (
    CP1252,
    DISPLAY_NAMES,
    UTF8,
    EncodingScan,
    choose_fallback_encoding,
    scan_encoding,
    whole_content_encoding,
)

HEADER = b"title,pdl count\n"
CAFE_UTF8 = "café,1\n".encode()
CAFE_CP1252 = "café,1\n".encode("cp1252")


def lines_of(raw: bytes) -> list[bytes]:
    """Split bytes into lines the way iterating over a binary file does."""
    return list(io.BytesIO(raw))


def choose(raw: bytes) -> str:
    return choose_fallback_encoding(scan_encoding(lines_of(raw)))


def refusal(raw: bytes) -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        choose(raw)
    return caught.value


def test_an_ascii_file_finds_nothing_to_complain_about() -> None:
    assert scan_encoding(lines_of(HEADER + b"a,1\n")) == EncodingScan(None, None, False, None, None)


def test_an_empty_file_finds_nothing_to_complain_about() -> None:
    assert scan_encoding([]) == EncodingScan(None, None, False, None, None)


@pytest.mark.parametrize(
    "raw",
    [
        HEADER + b"a,1\n",
        HEADER + CAFE_UTF8,
        b"\xef\xbb\xbf" + HEADER + CAFE_UTF8,
        HEADER + "Ábrego,1\n".encode(),  # 0xC3 0x81: valid UTF-8 even though 0x81 means nothing in Windows-1252
        HEADER + "直人,1\r\n".encode(),
    ],
    ids=["ascii", "utf-8", "utf-8-bom", "utf-8-with-0x81", "utf-8-cjk-crlf"],
)
def test_utf8_files_stay_utf8(raw: bytes) -> None:
    assert choose(raw) == UTF8


def test_a_utf8_scan_notes_non_ascii_lines() -> None:
    scan = scan_encoding(lines_of(HEADER + CAFE_UTF8))
    assert scan.has_utf8_non_ascii_line
    assert scan.first_non_utf8_line is None


@pytest.mark.parametrize(
    "raw",
    [
        HEADER + CAFE_CP1252,
        HEADER + b"a,1\n" + "naïve “quoted” €5 — ok,2\r\n".encode("cp1252"),
        "tïtle,pdl count\n".encode("cp1252") + b"a,1\n",
    ],
    ids=["accent", "smart-quotes-euro-dash", "in-the-header"],
)
def test_windows_1252_files_fall_back_to_windows_1252(raw: bytes) -> None:
    assert choose(raw) == CP1252
    assert raw.decode(CP1252)


def test_a_windows_1252_scan_names_the_first_line_and_byte_that_is_not_utf8() -> None:
    scan = scan_encoding(lines_of(HEADER + b"a,1\n" + CAFE_CP1252 + b"b\xe8,2\n"))
    assert (scan.first_non_utf8_line, scan.first_non_utf8_byte) == (3, 0xE9)
    assert not scan.has_utf8_non_ascii_line
    assert scan.first_non_cp1252_line is None


@pytest.mark.parametrize(
    ("raw", "line", "byte"),
    [
        (HEADER + CAFE_UTF8 + CAFE_CP1252, 3, "0xe9"),
        (HEADER + CAFE_CP1252 + CAFE_UTF8, 2, "0xe9"),
        (b"\xef\xbb\xbf" + HEADER + b"a,1\n" + CAFE_CP1252, 3, "0xe9"),
        (HEADER + "Ábrego,1\n".encode() + b"x,1\nna\xefve,2\n", 4, "0xef"),
    ],
    ids=["utf-8-then-cp1252", "cp1252-then-utf-8", "bom-then-cp1252", "later-line"],
)
def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_line(raw: bytes, line: int, byte: str) -> None:
    error = refusal(raw)
    assert error.line == line
    assert error.reason == (
        f"the file mixes encodings: some lines are UTF-8 but line {line} is not (byte {byte}); "
        "re-save the whole file as UTF-8"
    )


@pytest.mark.parametrize(
    ("raw", "line", "byte"),
    [
        (HEADER + b"a\x81b,1\n", 2, "0x81"),
        (HEADER + b"a,1\n" + b"x\x8d,2\n", 3, "0x8d"),
        (HEADER + CAFE_CP1252 + b"\x90,3\n" + b"\x9d,4\n", 3, "0x90"),
        (HEADER + b"\x8f\n", 2, "0x8f"),
    ],
)
def test_bytes_undefined_in_windows_1252_are_refused_naming_the_line(raw: bytes, line: int, byte: str) -> None:
    error = refusal(raw)
    assert error.line == line
    assert error.reason == (
        f"the file is neither UTF-8 nor Windows-1252: line {line} has byte {byte}; re-save it as UTF-8"
    )


def test_a_mix_is_reported_before_an_undefined_byte() -> None:
    assert "mixes encodings" in refusal(HEADER + CAFE_UTF8 + b"a\x81b,1\n").reason


def test_every_chosen_encoding_has_a_display_name() -> None:
    assert DISPLAY_NAMES == {UTF8: "utf-8", CP1252: "windows-1252"}
    assert b"\xef\xbb\xbfx".decode(UTF8) == "x"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (HEADER + CAFE_UTF8, UTF8),
        (b"\xef\xbb\xbf" + HEADER + CAFE_UTF8, UTF8),
        (HEADER + CAFE_CP1252, CP1252),
        (b"", UTF8),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252", "empty"],
)
def test_a_whole_small_file_gets_the_encoding_its_lines_would_fall_back_to(raw: bytes, expected: str) -> None:
    assert whole_content_encoding(raw) == expected


def test_a_whole_small_file_mixing_encodings_is_refused_like_a_big_one() -> None:
    raw = HEADER + CAFE_UTF8 + CAFE_CP1252
    with pytest.raises(BadFileError) as caught:
        whole_content_encoding(raw)
    assert caught.value.reason == refusal(raw).reason
