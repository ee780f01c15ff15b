"""The one short form of long text in reasons, warnings and rejected rows."""

import pytest

from services.column_types import standardise_integer
from services.excerpts import MAX_SHOWN_CHARS, excerpt


@pytest.mark.parametrize(("text", "shown"), [("", ""), ("abc", "abc"), ("a" * MAX_SHOWN_CHARS, "a" * MAX_SHOWN_CHARS)])
def test_text_that_fits_is_shown_as_it_is(text: str, shown: str) -> None:
    assert excerpt(text) == shown


def test_longer_text_is_cut_and_says_how_long_it_was() -> None:
    assert excerpt("abcdefghi", 2) == "ab… (9 characters)"
    assert excerpt("x" * (MAX_SHOWN_CHARS + 1)) == "x" * MAX_SHOWN_CHARS + f"… ({MAX_SHOWN_CHARS + 1} characters)"


def test_a_standardiser_quotes_a_long_bad_value_in_its_short_form() -> None:
    with pytest.raises(ValueError, match=r"^'x{200}… \(500 characters\)' is not a whole number$"):
        standardise_integer("x" * 500)
