"""NEM12 files of any size, with the daily totals they must produce.

    python -m tests.support.samples.nem12 --nmis 100 --days 365 --out imports/meters.nem12 [--gzip]

Each NMI gets an import stream (E1), and optionally a generation stream (B1, solar) and a reactive
stream (Q1, kVArh, never counted as energy); blocks use 5, 15 or 30-minute intervals, some 300
records have quality V with 400 records, and units mix kWh, Wh and MWh.
"""

import argparse
import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Final

KWH_PER_UNIT: Final = {"KWH": Decimal(1), "WH": Decimal("0.001"), "MWH": Decimal(1000)}
QUALITIES: Final = ("A", "A", "A", "E52", "S14", "F16")


@dataclass(frozen=True)
class Stream:
    """One meter data stream: a 200 record."""

    nmi: str
    suffix: str
    uom: str
    interval_length: int


@dataclass
class Nem12Truth:
    """What a generated file must load as."""

    readings: int = 0
    records_300: int = 0
    daily: dict[tuple[str, date], tuple[Decimal, Decimal]] = field(default_factory=dict)
    estimated: dict[tuple[str, date], int] = field(default_factory=dict)

    def add(self, stream: Stream, day: date, kwh: Decimal, estimated: int) -> None:
        """Count one 300 record's energy towards its NMI and day."""
        consumption, generation = self.daily.get((stream.nmi, day), (Decimal(0), Decimal(0)))
        if stream.suffix.startswith("E"):
            consumption += kwh
            key = (stream.nmi, day)
            self.estimated[key] = self.estimated.get(key, 0) + estimated
        elif stream.suffix.startswith("B"):
            generation += kwh
        self.daily[(stream.nmi, day)] = (consumption, generation)


def nmi_name(index: int) -> str:
    """A valid-looking 10-character NMI."""
    return f"NMI{index:07d}"


def streams_for(index: int, rng: random.Random, *, is_mixed: bool, interval_length: int | None) -> list[Stream]:
    """The streams of one NMI: always E1, and when mixed sometimes B1 and Q1, in various units and lengths."""
    nmi = nmi_name(index)
    length = interval_length or rng.choice((5, 15, 30))
    if not is_mixed:
        return [Stream(nmi, "E1", "kWh", length)]
    streams = [Stream(nmi, "E1", rng.choice(("kWh", "Wh", "MWh")), length)]
    if rng.random() < 0.5:
        streams.append(Stream(nmi, "B1", "kWh", length))
    if rng.random() < 0.3:
        streams.append(Stream(nmi, "Q1", "kVArh", length))
    return streams


def _value(rng: random.Random, uom: str) -> str:
    kwh = Decimal(rng.randrange(0, 2000)) / 1000
    return format((kwh / KWH_PER_UNIT.get(uom.upper(), Decimal(1))).normalize(), "f")


def _day_lines(stream: Stream, day: date, rng: random.Random, truth: Nem12Truth, with_400: bool) -> Iterator[str]:
    count = 1440 // stream.interval_length
    values = [_value(rng, stream.uom) for _ in range(count)]
    is_variable = with_400 and rng.random() < 0.1
    quality = "V" if is_variable else rng.choice(QUALITIES)
    stamp = f"{day:%Y%m%d}235959"
    yield f"300,{day:%Y%m%d},{','.join(values)},{quality},,,{stamp},{stamp}"
    estimated = count if quality[0] in "ESF" else 0
    if is_variable:
        middle = count // 2
        yield f"400,1,{middle},A,,"
        yield f"400,{middle + 1},{count},S14,79,"
        estimated = count - middle
    kwh = sum((Decimal(v) * KWH_PER_UNIT.get(stream.uom.upper(), Decimal(0)) for v in values), Decimal(0))
    truth.add(stream, day, kwh, estimated)
    truth.readings += count
    truth.records_300 += 1


def nem12_lines(
    nmis: int, days: int, *, seed: int = 0, start: date = date(2026, 1, 1), is_mixed: bool = True,
    interval_length: int | None = None, with_400: bool = True, truth: Nem12Truth | None = None,
) -> Iterator[str]:  # fmt: skip
    """The lines of a NEM12 file (without line ends); fills `truth` as it goes."""
    rng = random.Random(seed)
    truth = truth if truth is not None else Nem12Truth()
    yield "100,NEM12,202601010000,MDP1,RETAILER1"
    for index in range(nmis):
        for stream in streams_for(index, rng, is_mixed=is_mixed, interval_length=interval_length):
            yield (
                f"200,{stream.nmi},E1B1Q1,1,{stream.suffix},N1,METER{index:05d},{stream.uom},"
                f"{stream.interval_length},20260101"
            )
            for offset in range(days):
                yield from _day_lines(stream, start + timedelta(days=offset), rng, truth, with_400)
            yield "500,O,S01009,20260101000000,"
    yield "900"


def write_nem12(path: Path, nmis: int, days: int, *, compress: bool = False, **options: object) -> Nem12Truth:
    """Write a NEM12 file (gzip-compressed if asked) and return its truth."""
    truth = Nem12Truth()
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="ascii", newline="") as stream:
        _write_lines(stream, nem12_lines(nmis, days, truth=truth, **options))  # type: ignore[arg-type]
    return truth


def _write_lines(stream: IO[str], lines: Iterator[str]) -> None:
    for line in lines:
        stream.write(line)
        stream.write("\r\n")


def main() -> None:
    """Command line: write one generated file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nmis", type=int, default=10)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--simple", action="store_true", help="one 30-minute kWh stream per NMI, no 400 records")
    args = parser.parse_args()
    options: dict[str, object] = {"seed": args.seed}
    if args.simple:
        options |= {"is_mixed": False, "interval_length": 30, "with_400": False}
    truth = write_nem12(args.out, args.nmis, args.days, compress=args.gzip, **options)
    print(f"wrote {args.out}: {truth.records_300} interval records, {truth.readings} readings")


if __name__ == "__main__":
    main()
