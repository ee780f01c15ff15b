"""services/stager.py check_reject_ratio: a file with too many rejected rows is refused whole."""

import pytest

from core.errors import BadFileError
from services.importers.base import LoadResult, Reject
from services.stager import check_reject_ratio

REJECTS = (Reject(4, "a,x", "pdl_count 'x' is not a whole number"), Reject(9, "b,-1", "pdl_count -1 is negative"))


@pytest.mark.parametrize(
    ("loaded", "rejected", "max_ratio"),
    [(0, 0, 0.0), (10, 0, 0.0), (9, 1, 0.1), (90, 10, 0.1), (1, 1, 0.5), (0, 5, 1.0)],
)
def test_a_reject_share_up_to_the_limit_is_accepted(loaded: int, rejected: int, max_ratio: float) -> None:
    check_reject_ratio(LoadResult(loaded, rejected, first_rejects=REJECTS[: min(rejected, 2)]), max_ratio)


@pytest.mark.parametrize(("loaded", "rejected", "max_ratio"), [(89, 11, 0.1), (99, 1, 0.0), (0, 1, 0.99), (1, 2, 0.5)])
def test_a_reject_share_over_the_limit_refuses_the_file(loaded: int, rejected: int, max_ratio: float) -> None:
    with pytest.raises(BadFileError):
        check_reject_ratio(LoadResult(loaded, rejected, first_rejects=REJECTS[:1]), max_ratio)


def test_the_refusal_says_how_many_what_limit_and_where() -> None:
    with pytest.raises(BadFileError) as caught:
        check_reject_ratio(LoadResult(3, 2, first_rejects=REJECTS), 0.25)
    error = caught.value
    assert error.reason.startswith("2 of 5 rows were rejected, more than the allowed 25%, so nothing of the file")
    assert error.detail == (
        "first rejected rows: line 4: pdl_count 'x' is not a whole number; line 9: pdl_count -1 is negative"
    )
    assert error.line == 4


def test_a_refusal_without_examples_has_no_line() -> None:
    with pytest.raises(BadFileError) as caught:
        check_reject_ratio(LoadResult(0, 7), 0.1)
    assert caught.value.line is None
    assert caught.value.detail == "first rejected rows: "
