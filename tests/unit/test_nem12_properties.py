"""Property-based tests of the NEM12 parser: the value grammar, and after a valid header, any lines give readings,
rejects or a bad file."""

import io
import re
from decimal import Decimal
from typing import Final

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.mdff import is_signed_decimal, value_problem
from services.importers.nem12 import iter_interval_days
from tests.meter_data import StagedReading, readings_and_rejects

HEADER: Final = "100,NEM12,202601010000,MDP1,RETAILER1"
PLAIN_DECIMAL: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
INTERVAL_START: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")

_ASCII_TEXT = st.text(st.characters(max_codepoint=127), max_size=20)
_ANY_TEXT = st.text(max_size=20)
# Field text without line breaks, so a bad value stays in its record rather than splitting it.
_ASCII_FIELD = st.text(st.characters(max_codepoint=127, exclude_characters="\r\n"), max_size=8)
_ANY_FIELD = st.text(st.characters(exclude_characters="\r\n"), max_size=8)
_ASCII_PIECES = ["", " ", "0", "5", "15", "30", "48", "1.5", "007", "-1", "1e5", "nan", ".5", "x", "V", "A", "E52"]
# Characters Python's str methods and regexes take for digits although Postgres and int() may not.
_UNICODE_PIECES = ["²", "³⁰", "١٥", "٣", "１２", "߁", "\u00a0", "\ufeff", "\x85"]


def _mostly(usual: st.SearchStrategy[str], unusual: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` seven times in eight, so whole files stay valid often enough to give readings."""
    # Not st.one_of(usual, usual, …): Hypothesis does not pick its branches evenly, so weigh by an index instead.
    return st.integers(0, 7).flatmap(lambda index: unusual if index == 7 else usual)


@st.composite
def _files(
    draw: st.DrawFn, pieces: list[str], field: st.SearchStrategy[str], text: st.SearchStrategy[str]
) -> list[str]:
    """The lines after the header: blocks of days with their 400s, mostly well formed, with noise lines mixed in."""
    piece = st.sampled_from(pieces) | field
    noise = st.sampled_from(["500,O,S01009,20260101000000,", "900", HEADER, "", "   ", "250,x"]) | text
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.sampled_from([5, 15, 30]))
        nmi = draw(_mostly(st.sampled_from(["NMI0000001", "NMI0000002"]), piece))
        suffix = draw(_mostly(st.sampled_from(["E1", "B1"]), piece))
        uom = draw(_mostly(st.sampled_from(["kWh", "Wh"]), piece))
        lines.append(f"200,{nmi},E1B1,1,{suffix},N1,M1,{uom},{draw(_mostly(st.just(str(length)), piece))},")
        for _ in range(draw(st.integers(0, 3))):
            lines.extend(draw(_days(piece, 1440 // length)))
        lines.extend(draw(st.lists(st.just("500,O,S01009,20260101000000,"), max_size=1)))
    for index, line in draw(st.lists(st.tuples(st.integers(0, len(lines)), noise), max_size=2)):
        lines.insert(index, line)
    return lines + draw(st.sampled_from([["900"], ["900"], ["900"], [], ["900", "300,20260101"]]))


@st.composite
def _days(draw: st.DrawFn, piece: st.SearchStrategy[str], expected: int) -> list[str]:
    """A 300 record (usually with the right number of values) and the 400 records after it."""
    count = draw(st.sampled_from([expected, expected, expected, expected - 1, expected + 1, 48, 288]))
    values = [draw(_mostly(st.sampled_from(["0", "1.5", "12"]), piece))] * count
    overrides = st.lists(st.tuples(st.integers(0, max(count - 1, 0)), piece), min_size=1, max_size=2)
    for index, value in draw(st.one_of(st.just([]), st.just([]), overrides)):
        values[index % max(count, 1)] = value
    day = draw(_mostly(st.sampled_from(["20260101", "20260102", "20280229"]), piece))
    quality = draw(_mostly(st.sampled_from(["A", "V", "V", "E52", "S14"]), piece))
    reason = draw(_mostly(st.sampled_from(["", "79"]), piece))
    lines = [",".join(["300", day, *values, quality, reason, "", "20260102000000", "20260102000100"])]
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, count + 1))
        end = draw(st.integers(start, count + 1))
        first, last = draw(_mostly(st.just(str(start)), piece)), draw(_mostly(st.just(str(end)), piece))
        lines.append(f"400,{first},{last},{draw(_mostly(st.sampled_from(['A', 'S14', 'E52']), piece))},,")
    return lines


def _check_file(lines: list[str]) -> None:
    """Parse; only BadFileError may escape, and every item before it names a line of the file after the header."""
    text = "\n".join([HEADER, *lines]) + "\n"
    line_count = len(io.StringIO(text, newline="").readlines())
    try:
        for item in readings_and_rejects(iter_interval_days(io.StringIO(text, newline=""))):
            assert isinstance(item, StagedReading | Reject)
            assert 2 <= item.line_no <= line_count
            if isinstance(item, StagedReading):
                assert PLAIN_DECIMAL.fullmatch(item.value), item
                assert INTERVAL_START.fullmatch(item.interval_start), item
    except BadFileError:
        return


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_files(_ASCII_PIECES, _ASCII_FIELD, _ASCII_TEXT))
def test_ascii_lines_after_a_header_give_plain_decimal_readings_rejects_or_a_bad_file(lines: list[str]) -> None:
    _check_file(lines)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_files(_ASCII_PIECES + _UNICODE_PIECES, _ANY_FIELD, _ANY_TEXT))
@example(["200,NMI0000001,E1,1,E1,N1,M1,kWh,²,"])
@example(["200,NMI0000001,E1,1,E1,N1,M1,kWh,30,", ",".join(["300", "20260101", "٣", *["1"] * 47, "A", "", "", "", ""])])
def test_any_lines_after_a_header_give_plain_decimal_readings_rejects_or_a_bad_file(lines: list[str]) -> None:
    _check_file(lines)


@pytest.mark.parametrize(
    "lines",
    [
        [
            "200,NMI0000001,E1,1,E1,N1,M1,kWh,30,",
            ",".join(["300", "20260101", "1", *["1.5"] * 47, "A", "", "", "", ""]),
        ],
        [
            "200,NMI0000001,E1,1,E1,N1,M1,kWh,30,",
            ",".join(["300", "20260101", "x", *["1.5"] * 47, "A", "", "", "", ""]),
        ],
        ["300,20260101"],
    ],
)
def test_the_property_check_passes_good_readings_rejects_and_bad_files(lines: list[str]) -> None:
    _check_file(lines)


# the value grammar: decimals as the spec writes them, the leading zero optional


@st.composite
def _written_decimals(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A value >= 0 written as meter data providers write it: with or without a leading zero, any scale."""
    whole = draw(st.integers(0, 10**12))
    scale = draw(st.integers(0, 6))
    fraction = draw(st.integers(0, 10**scale - 1)) if scale else 0
    digits = f"{fraction:0{scale}d}" if scale else ""
    leading = draw(st.sampled_from(["", "0", "00"])) if whole == 0 else str(whole)
    if not leading and not digits:
        leading = "0"
    text = f"{leading}.{digits}" if digits else leading
    return text, Decimal(f"{whole}.{digits}" if digits else whole)


@given(_written_decimals())
def test_any_non_negative_decimal_with_or_without_a_leading_zero_is_a_value(written: tuple[str, Decimal]) -> None:
    text, value = written
    assert value_problem(text) is None
    assert Decimal(text) == value
    assert is_signed_decimal(text) and is_signed_decimal("-" + text)


@given(_written_decimals())
def test_a_negative_decimal_is_refused_as_negative(written: tuple[str, Decimal]) -> None:
    assert value_problem("-" + written[0]) == "is negative: meter data is never below zero"


@given(st.text(max_size=12))
@example("1e5")
@example("1E-3")
@example("nan")
@example("Infinity")
@example("+1")
@example("1.")
@example(".")
@example("١")
@example("1_0")
@example(" 1")
def test_whatever_is_taken_as_a_value_is_a_finite_plain_decimal_at_least_zero(text: str) -> None:
    if value_problem(text) is not None:
        return
    assert text.isascii() and set(text) <= set("0123456789.") and text.count(".") <= 1
    assert not text.endswith(".")
    number = Decimal(text)
    assert number.is_finite() and number >= 0
    assert "e" not in str(number).lower() or number == 0


@given(
    st.text(st.characters(max_codepoint=127), min_size=1, max_size=8).filter(
        lambda text: any(mark in text.lower() for mark in ("e", "n", "i", "+", " ", "_", ","))
    )
)
def test_exponents_names_signs_and_separators_are_never_values(text: str) -> None:
    assert value_problem(text) is not None
    assert not is_signed_decimal(text)
