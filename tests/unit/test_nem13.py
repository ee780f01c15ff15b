"""NEM13 parsing: 250 register read records, recognition, and files made of them."""

import io
from datetime import datetime

import pytest

from core.errors import BadFileError
from services.importers.base import Reject
from services.importers.mdff import ParseNotes, Record, split_fields
from services.importers.nem13 import COPY_COLUMNS, RegisterRead, copy_line, is_nem13, iter_register_reads, parse_250
from tests.meter_data import HEADER_13

# As AEMO's example writes it, with the space before UpdateDateTime.
READ = (
    "250,VABC005890,11,1,11,11,METSER123,E,006342.8,20031005093055,A,,,007654.9,20040107100333,A,,,1312.1,kWh,"
    "20040407, 20040108100333,20040108091133"
)
EXPORT = "250,NEM1312022,12,1,12,12,12022,I,43501,20040819085442,A,,,44991,20041117093247,A,,,-1490,KWH,20050519,,"


def record(text: str, line_no: int = 2) -> Record:
    return Record(line_no, split_fields(text), text, True)


def parsed(text: str) -> RegisterRead:
    read = parse_250(record(text))
    assert isinstance(read, RegisterRead)
    return read


def with_field(index: int, value: str, text: str = READ) -> str:
    fields = text.split(",")
    fields[index] = value
    return ",".join(fields)


def file_items(*lines: str, notes: ParseNotes | None = None) -> list[RegisterRead | Reject]:
    return list(iter_register_reads(io.StringIO("\r\n".join(lines) + "\r\n", newline=""), notes))


def test_a_250_record_is_a_register_read_period() -> None:
    assert parsed(READ) == RegisterRead(
        2, "VABC005890", "11", "1", "METSER123", "E", "006342.8", datetime(2003, 10, 5, 9, 30, 55), "A",
        "007654.9", datetime(2004, 1, 7, 10, 3, 33), "A", "1312.1", "kWh",
    )  # fmt: skip


def test_an_export_register_keeps_its_sign_as_written() -> None:
    read = parsed(EXPORT)
    assert (read.direction, read.quantity, read.uom) == ("I", "-1490", "KWH")


@pytest.mark.parametrize(
    "text",
    [READ.rsplit(",", 3)[0], READ.rsplit(",", 2)[0], READ + ",,,,,", READ.replace(",", " , ")],
    ids=["no-trailing-dates", "no-msats", "padded", "spaces"],
)
def test_a_250_record_needs_only_its_fields_up_to_its_unit(text: str) -> None:
    assert parsed(text) == parsed(READ)


def test_a_short_nmi_and_a_twelve_digit_date_time_are_taken() -> None:
    read = parsed(with_field(9, "200310050930", with_field(1, "NMI111")))
    assert (read.nmi, read.previous_read_at) == ("NMI111", datetime(2003, 10, 5, 9, 30))


@pytest.mark.parametrize(
    ("index", "value", "reason"),
    [
        (1, "NMI-1", "NMI 'NMI-1' is not 1 to 10 letters or digits"),
        (4, "", "a 250 record needs its NMI suffix (the data stream, e.g. 11)"),
        (7, "X", "direction 'X' is neither E (consumption) nor I (generation)"),
        (7, "", "direction '' is neither E (consumption) nor I (generation)"),
        (8, "-5", "previous read '-5' is negative: meter data is never below zero"),
        (13, "1e3", "current read '1e3' is not a plain decimal number"),
        (18, "12kWh", "quantity '12kWh' is not a decimal number"),
        (18, "", "quantity '' is not a decimal number"),
        (9, "20031305093055", "read date and time '20031305093055' is not a valid YYYYMMDDhhmmss"),
        (14, "2004", "read date and time '2004' is not a valid YYYYMMDDhhmmss"),
        (14, "20031005093054", "the current read (20031005093054) is earlier than the previous one (20031005093055)"),
    ],
)
def test_a_bad_250_record_is_rejected_with_the_reason(index: int, value: str, reason: str) -> None:
    text = with_field(index, value)
    reject = parse_250(record(text, 7))
    assert isinstance(reject, Reject)
    assert (reject.line_no, reject.raw_text) == (7, text)
    assert reject.reason.startswith(reason)


def test_a_250_record_without_its_unit_is_rejected() -> None:
    text = READ.rsplit(",", 4)[0] + ","
    assert parse_250(record(text)) == Reject(2, text, "a 250 record needs 20 fields (up to its UOM), this one has 19")


def test_a_read_period_of_no_time_is_taken() -> None:
    read = parsed(with_field(14, "20031005093055"))
    assert read.previous_read_at == read.current_read_at


def test_a_copy_line_is_the_file_id_then_the_read_in_staging_column_order() -> None:
    fields = copy_line(4, parsed(READ)).removesuffix("\n").split("\t")
    assert dict(zip(COPY_COLUMNS, fields, strict=True)) == {
        "file_id": "4",
        "line_no": "2",
        "nmi": "VABC005890",
        "nmi_suffix": "11",
        "register_id": "1",
        "meter_serial": "METSER123",
        "direction": "E",
        "previous_read": "006342.8",
        "previous_read_at": "2003-10-05 09:30:55",
        "previous_quality_method": "A",
        "current_read": "007654.9",
        "current_read_at": "2004-01-07 10:03:33",
        "current_quality_method": "A",
        "quantity": "1312.1",
        "uom": "kWh",
    }


# files


def test_a_file_gives_its_reads_and_skips_b2b_details() -> None:
    items = file_items(HEADER_13, READ, "550,N,,A,", EXPORT, "550,N,,A,", "900")
    assert [item.line_no for item in items] == [2, 4]


def test_an_unknown_record_is_rejected_with_its_line() -> None:
    items = file_items(HEADER_13, READ, "300,20040101,1", "900")
    assert items[1] == Reject(3, "300,20040101,1", "unknown record type '300'")


def test_the_same_read_period_twice_is_counted() -> None:
    notes = ParseNotes()
    file_items(HEADER_13, READ, EXPORT, READ, "900", notes=notes)
    assert notes.as_notes("duplicate_reads") == {"duplicate_reads": 1}


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ((HEADER_13, READ), "the file has no 900 end-of-data record: it is truncated; send it again whole"),
        (("100,NEM12,200401101030,MDA1,Ret1", READ, "900"), "line 1 starts a NEM12 block in a NEM13 file"),
        ((READ.replace("250,", "200,", 1), "900"), "line 1 is neither a 100,NEM13 header record nor a 250 record"),
    ],
    ids=["no-trailer", "nem12-header", "not-nem13"],
)
def test_a_file_that_is_not_whole_nem13_is_a_bad_file(lines: tuple[str, ...], reason: str) -> None:
    with pytest.raises(BadFileError) as caught:
        file_items(*lines)
    assert caught.value.reason.startswith(reason)


def test_a_headerless_file_whose_last_read_is_not_whole_is_a_bad_file() -> None:
    with pytest.raises(BadFileError) as caught:
        file_items(READ, READ.rsplit(",", 6)[0])
    assert caught.value.reason.startswith("the file has no 900 end-of-data record and its last record (line 2)")


def test_a_headerless_file_of_whole_reads_loads_with_warnings() -> None:
    notes = ParseNotes()
    assert len(file_items(READ, EXPORT, notes=notes)) == 2
    assert notes.as_notes("duplicate_reads") == {"headerless_blocks": 1, "no_trailer": True}


@pytest.mark.parametrize(
    "head",
    [b"100,NEM13,200401101030,MDA1,Ret1\r\n250,", b"\xef\xbb\xbf\r\n100,NEM13", b"100,NEM13,,,,,,,,"],
)
def test_a_first_record_of_100_nem13_is_nem13(head: bytes) -> None:
    assert is_nem13(head)


@pytest.mark.parametrize("head", [b"100,NEM12,2004", b"250,VABC005890,11", b"", b"100,nem13"])
def test_other_heads_are_not_nem13(head: bytes) -> None:
    assert not is_nem13(head)
