"""CSV records of partner files (`recover_quotes`): multi-line cells, cut-off records and stray quotes."""

import io

import pytest

from core.errors import BadFileError
from services.importers.csv_lines import MAX_GROUP_CHARS, CsvRecord, iter_csv_records

HEADER = "id,name,note\r\n"


def _records(text: str) -> list[CsvRecord]:
    return list(iter_csv_records(io.StringIO(text, newline=""), recover_quotes=True))


def _cells(text: str) -> list[tuple[int, list[str] | None]]:
    return [(first, cells) for first, _, cells, _, _ in _records(text)]


def test_a_quoted_cell_over_two_lines_is_one_record() -> None:
    text = HEADER + '1,"Elizabeth Hellstrom\r\nPrimary Caregiver",x\r\n2,b,y'

    assert [(first, last, cells) for first, last, cells, _, _ in _records(text)] == [
        (1, 1, ["id", "name", "note"]),
        (2, 3, ["1", "Elizabeth Hellstrom\r\nPrimary Caregiver", "x"]),
        (4, 4, ["2", "b", "y"]),
    ]


def test_doubled_quotes_inside_a_quoted_cell_are_one_quote_each() -> None:
    assert _cells(HEADER + '1239246,"K"" Street Learning Center LLC""",x\r\n')[1] == (
        2,
        ["1239246", 'K" Street Learning Center LLC"', "x"],
    )


def test_a_stray_quote_inside_an_unquoted_cell_is_part_of_the_value() -> None:
    text = HEADER + '1,K" Street Learning Center LLC,x\r\n2,b,y\r\n3,c,z'

    assert _cells(text)[1:] == [
        (2, ["1", 'K" Street Learning Center LLC', "x"]),
        (3, ["2", "b", "y"]),
        (4, ["3", "c", "z"]),
    ]


def test_a_stray_opening_quote_rejects_its_line_alone_and_the_rest_of_the_file_loads() -> None:
    text = HEADER + '1,"Kids Place,x\r\n2,b,y\r\n3,c,z\r\n'

    first, *rest = _records(text)[1:]

    assert (first[0], first[2], first[3]) == (2, None, '1,"Kids Place,x')
    assert "line 2 has a quote that is never closed" in first[4]
    assert [(line, cells) for line, _, cells, _, _ in rest] == [(3, ["2", "b", "y"]), (4, ["3", "c", "z"])]


def test_a_stray_quote_before_a_real_multi_line_cell_costs_only_its_own_line() -> None:
    text = HEADER + '1,"Kids Place,x\r\n2,b,y\r\n3,"two\r\nlines",z\r\n4,d,w\r\n'

    assert _cells(text)[1:] == [
        (2, None),
        (3, ["2", "b", "y"]),
        (4, ["3", "two\r\nlines", "z"]),
        (6, ["4", "d", "w"]),
    ]


def test_a_record_cut_off_inside_a_quoted_cell_at_the_end_of_the_file_is_rejected_alone() -> None:
    text = HEADER + '1,a,x\r\n2,b,"Monica Kaler'

    *kept, (first, last, cells, raw, reason) = _records(text)

    assert [record[2] for record in kept] == [["id", "name", "note"], ["1", "a", "x"]]
    assert (first, last, cells, raw) == (3, 3, None, '2,b,"Monica Kaler')
    assert reason.startswith("the file ends inside a quoted field: this last record is cut off after 3 of 3 fields")


def test_a_cut_off_multi_line_record_is_one_reject_with_all_its_lines() -> None:
    text = HEADER + '1,a,x\r\n2,b,"Monica Kaler\r\nPrimary Care'

    *_, (first, last, cells, raw, reason) = _records(text)

    assert (first, last, cells, raw) == (3, 4, None, '2,b,"Monica Kaler\r\nPrimary Care')
    assert "cut off" in reason


def test_a_stray_quote_near_the_end_is_not_taken_for_a_cut_off_record() -> None:
    assert _cells(HEADER + '1,"a,x\r\n2,b,y')[1:] == [(2, None), (3, ["2", "b", "y"])]


def test_a_stray_quote_that_would_swallow_more_than_the_group_limit_still_costs_one_line() -> None:
    rows = "".join(f"{n},name {n},note\r\n" for n in range(2, MAX_GROUP_CHARS // 15))
    records = _records(HEADER + '1,"oops,x\r\n' + rows + '9,"fine",y\r\n')

    assert [record[0] for record in records if record[2] is None] == [2]
    assert len(records) == 1 + 1 + (MAX_GROUP_CHARS // 15 - 2) + 1


def test_without_recovery_a_swallowing_quote_still_refuses_the_file() -> None:
    with pytest.raises(BadFileError, match="line 2 opens a quote that is never closed"):
        list(iter_csv_records(io.StringIO(HEADER + '1,"oops,x\r\n2,b,y\r\n', newline="")))
