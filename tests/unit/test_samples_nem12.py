"""tests/support/samples/nem12.py writes NEM12 files the parser reads back to exactly the totals the generator
promised."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.importers.base import Reject
from services.importers.encodings import UTF8
from services.importers.nem12 import iter_interval_days
from services.importers.sources import open_text
from tests.meter_data import StagedReading, readings_and_rejects
from tests.support.samples.nem12 import KWH_PER_UNIT, Nem12Truth, nem12_lines, nmi_name, write_nem12

DayKey = tuple[str, date]


@dataclass(frozen=True)
class Shape:
    nmis: int
    days: int
    is_mixed: bool = True
    interval_length: int | None = None
    with_400: bool = True
    start: date = date(2026, 1, 1)


SHAPES = {
    "mixed": Shape(nmis=6, days=3),
    "mixed-long": Shape(nmis=2, days=12),
    "simple": Shape(nmis=4, days=3, is_mixed=False, interval_length=30, with_400=False),
    "five-minute": Shape(nmis=3, days=2, interval_length=5),
    "fifteen-minute": Shape(nmis=3, days=2, interval_length=15),
    "no-400": Shape(nmis=5, days=2, with_400=False),
    "over-a-leap-day": Shape(nmis=2, days=3, start=date(2028, 2, 28)),
    "over-new-year": Shape(nmis=2, days=3, start=date(2026, 12, 30)),
}
SEEDS = [0, 1, 7, 2026]


@dataclass
class Totals:
    """What the parsed readings add up to, in the shape of Nem12Truth."""

    readings: int
    records_300: int
    daily: dict[DayKey, tuple[Decimal, Decimal]]
    estimated: dict[DayKey, int]


def generate(shape: Shape, seed: int) -> tuple[list[str], Nem12Truth]:
    truth = Nem12Truth()
    lines = list(
        nem12_lines(
            shape.nmis,
            shape.days,
            seed=seed,
            start=shape.start,
            is_mixed=shape.is_mixed,
            interval_length=shape.interval_length,
            with_400=shape.with_400,
            truth=truth,
        )
    )
    return lines, truth


def parse(lines: list[str]) -> list[StagedReading]:
    items = readings_and_rejects(iter_interval_days(lines))
    assert [item for item in items if isinstance(item, Reject)] == []
    return [item for item in items if isinstance(item, StagedReading)]


def totals_of(items: list[StagedReading]) -> Totals:
    """Per (NMI, day): E-stream kWh, B-stream kWh, and E-stream intervals whose quality is E, S or F."""
    daily: dict[DayKey, tuple[Decimal, Decimal]] = {}
    estimated: dict[DayKey, int] = {}
    for item in items:
        key = (item.nmi, date.fromisoformat(item.interval_start[:10]))
        consumption, generation = daily.get(key, (Decimal(0), Decimal(0)))
        if item.suffix.startswith("E"):
            consumption += Decimal(item.value) * KWH_PER_UNIT[item.uom.upper()]
            estimated[key] = estimated.get(key, 0) + (item.quality_method[:1] in {"E", "S", "F"})
        elif item.suffix.startswith("B"):
            generation += Decimal(item.value) * KWH_PER_UNIT[item.uom.upper()]
        daily[key] = (consumption, generation)
    return Totals(len(items), len({item.line_no for item in items}), daily, estimated)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_generated_files_parse_back_to_their_truth(shape: Shape, seed: int) -> None:
    lines, truth = generate(shape, seed)
    totals = totals_of(parse(lines))
    assert totals.readings == truth.readings
    assert totals.records_300 == truth.records_300
    assert totals.daily == truth.daily
    assert totals.estimated == truth.estimated


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_readings_cover_every_nmi_and_day_once_per_interval(seed: int) -> None:
    shape = SHAPES["mixed"]
    items = parse(generate(shape, seed)[0])
    per_stream_day = Counter((item.nmi, item.suffix, item.interval_length, item.interval_start[:10]) for item in items)
    assert {nmi for nmi, _, _, _ in per_stream_day} == {nmi_name(index) for index in range(shape.nmis)}
    assert {day for _, _, _, day in per_stream_day} == {f"2026-01-0{offset}" for offset in range(1, shape.days + 1)}
    assert all(count == 1440 // length for (_, _, length, _), count in per_stream_day.items())


def test_the_same_seed_gives_the_same_file_and_another_seed_does_not() -> None:
    assert generate(SHAPES["mixed"], 3)[0] == generate(SHAPES["mixed"], 3)[0]
    assert generate(SHAPES["mixed"], 3)[0] != generate(SHAPES["mixed"], 4)[0]


def test_the_seeds_and_shapes_exercise_every_unit_stream_length_and_400_record() -> None:
    seen = [line for seed in SEEDS for shape in SHAPES.values() for line in generate(shape, seed)[0]]
    blocks = [line.split(",") for line in seen if line.startswith("200,")]
    assert {fields[7] for fields in blocks} == {"kWh", "Wh", "MWh", "kVArh"}
    assert {fields[4] for fields in blocks} == {"E1", "B1", "Q1"}
    assert {fields[8] for fields in blocks} == {"5", "15", "30"}
    assert any(line.startswith("400,") for line in seen)
    assert {line.split(",")[-5][:1] for line in seen if line.startswith("300,")} == {"A", "E", "S", "F", "V"}


def test_a_simple_file_has_only_half_hourly_kwh_e1_streams_and_no_400_records() -> None:
    lines, truth = generate(SHAPES["simple"], 5)
    assert {(item.suffix, item.uom, item.interval_length) for item in parse(lines)} == {("E1", "kWh", 30)}
    assert not any(line.startswith("400,") for line in lines)
    assert truth.readings == 4 * 3 * 48


def test_a_truth_can_be_left_out() -> None:
    assert list(nem12_lines(2, 2, seed=9)) == generate(Shape(nmis=2, days=2), 9)[0]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_written_file_loads_through_the_loader_text_stream_to_its_truth(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / ("meters.nem12.gz" if compress else "meters.nem12")
    truth = write_nem12(path, 3, 2, compress=compress, seed=11)
    with open_text(path, UTF8) as lines:
        items = readings_and_rejects(iter_interval_days(lines))
    readings = [item for item in items if isinstance(item, StagedReading)]
    assert len(readings) == len(items) == truth.readings
    assert totals_of(readings).daily == truth.daily
    assert totals_of(readings).estimated == truth.estimated


def test_a_written_file_has_crlf_line_ends_and_ascii_only(tmp_path: Path) -> None:
    path = tmp_path / "meters.nem12"
    write_nem12(path, 2, 1, seed=1)
    raw = path.read_bytes()
    assert raw.isascii()
    assert raw.endswith(b"\r\n900\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
