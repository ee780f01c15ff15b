"""A partner's next weekly export, made from its real one: some providers gone, some phone numbers changed, a few
new providers, every other record byte for byte as it was (a last record cut off at the end stays last).

    python -m tests.support.samples.partner_weeks --from ../shared/data/brightwheel-partners --out DIR [--seed 7]

Records are found by quote parity over CRLF lines (a quoted cell may hold a line break); a group of lines whose
quote is still open at the end of the file is the cut-off record. New records are written with the csv module
in the file's own encoding and line ends; a changed phone is replaced inside the record's bytes, in its format.
"""

import argparse
import csv
import io
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import phonenumbers

NEXT_WEEK_PREFIX: Final = "07-14-2023"


@dataclass(frozen=True)
class Shape:
    """Where a partner's export keeps the cells a new week changes (0-based), and how it spells ids."""

    name: str  # a word of the file's name
    id_cell: int
    company_cell: int
    phone_cell: int
    new_id: str  # a format with {n}
    contact_cell: int | None = None
    contact_suffix: str = ""  # Oklahoma's caregiver cell: the name, then the role on a second line
    id_prefix: str = ""  # Oklahoma's id cell: the license type before the number


SHAPES: Final = (
    Shape("Nevada", id_cell=2, company_cell=0, phone_cell=10, new_id="{n}-23", contact_cell=12),
    Shape("Oklahoma", id_cell=0, company_cell=1, phone_cell=14, new_id="K8200{n:05d}", contact_cell=13,
          contact_suffix="\r\nPrimary Caregiver", id_prefix="CHILD CARE FAMILY - "),
    Shape("Texas", id_cell=0, company_cell=2, phone_cell=8, new_id="19{n:05d}"),
)  # fmt: skip


@dataclass(frozen=True)
class Export:
    """One export split into its bytes: the header line, each whole record (with its line end), the cut-off tail."""

    encoding: str
    header: bytes
    records: list[bytes]
    tail: bytes  # a last record left open at the end of the file (b"" when the file ends whole)


@dataclass(frozen=True)
class Changes:
    """How many providers go, get a new phone number and arrive."""

    removed: int = 3
    new_phones: int = 3
    added: int = 3


def encoding_of(content: bytes) -> str:
    """UTF-8 when the bytes decode as UTF-8, else Windows-1252 (what the real exports use)."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def split_export(content: bytes) -> Export:
    """The export's header, whole records and cut-off tail, each exactly as written."""
    lines = content.splitlines(keepends=True)
    groups: list[bytes] = []
    group = b""
    for line in lines:
        group += line
        if group.count(b'"') % 2 == 0:
            groups.append(group)
            group = b""
    header, *records = groups
    if records and not records[-1].endswith(b"\n"):  # the last whole record: give it the line end it lacks
        records[-1] += b"\r\n"
    return Export(encoding_of(content), header, records, group)


def cells(record: bytes, encoding: str) -> list[str]:
    """A record's cells."""
    return next(csv.reader(io.StringIO(record.decode(encoding), newline="")))


def _digits(phone: str) -> str:
    return re.sub(r"[^0-9]", "", phone)[-10:]


def is_valid_us_phone(phone: str) -> bool:
    """Whether the text is a valid US number (phonenumbers' metadata)."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, "US"))
    except phonenumbers.NumberParseException:
        return False


def _new_phone(old: str, rng: random.Random) -> str:
    """A valid number in the old one's area code and format (`346-393-9400` or `(209) 747-1797`)."""
    area = _digits(old)[:3]
    while True:
        digits = f"{area}{rng.randrange(200, 1000):03d}{rng.randrange(10_000):04d}"
        if digits != _digits(old) and is_valid_us_phone(digits):
            break
    if old.startswith("("):
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _record(values: Sequence[str], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().encode(encoding)


def _newcomer(template: list[str], shape: Shape, number: int, rng: random.Random) -> list[str]:
    values = list(template)
    values[shape.id_cell] = shape.id_prefix + shape.new_id.format(n=number)
    values[shape.company_cell] = f"NEW PROVIDER {number} LEARNING CENTER"
    values[shape.phone_cell] = _new_phone(template[shape.phone_cell], rng)
    if shape.contact_cell is not None:
        values[shape.contact_cell] = f"Newcomer {number}{shape.contact_suffix}"
    return values


def next_week(content: bytes, shape: Shape, changes: Changes, seed: int) -> bytes:
    """The partner's next export: see the module's docstring."""
    rng = random.Random(seed)
    export = split_export(content)
    records = list(export.records)
    for index in sorted(rng.sample(range(len(records)), changes.removed), reverse=True):
        del records[index]
    valid = [i for i, r in enumerate(records) if is_valid_us_phone(cells(r, export.encoding)[shape.phone_cell])]
    for index in rng.sample(valid, changes.new_phones):
        old = cells(records[index], export.encoding)[shape.phone_cell]
        assert records[index].count(old.encode(export.encoding)) == 1, "the phone must be found once in its record"
        records[index] = records[index].replace(old.encode(export.encoding), _new_phone(old, rng).encode("ascii"))
    templates = [cells(record, export.encoding) for record in rng.sample(records, changes.added)]
    for number, template in enumerate(templates, start=1):
        newcomer = _record(_newcomer(template, shape, 90_000 + number, rng), export.encoding)
        records.insert(rng.randrange(len(records) + 1), newcomer)
    if not export.tail:
        records[-1] = records[-1].removesuffix(b"\r\n")  # ends as the real export does, without a line end
    return export.header + b"".join(records) + export.tail


def shape_of(file_name: str) -> Shape:
    """The shape of a real export, by the partner named in its file name."""
    return next(shape for shape in SHAPES if shape.name in file_name)


def write_next_week(real_dir: Path, out_dir: Path, *, seed: int = 7, changes: Changes = Changes()) -> list[Path]:
    """Write the next week of every real export in `real_dir` into `out_dir`, named for the next week's date."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, path in enumerate(sorted(real_dir.glob("*.csv"))):
        target = out_dir / f"{NEXT_WEEK_PREFIX}{path.name[len(NEXT_WEEK_PREFIX) :]}"
        target.write_bytes(next_week(path.read_bytes(), shape_of(path.name), changes, seed + number))
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the next week of the real exports."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="real_dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for path in write_next_week(args.real_dir, args.out, seed=args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
