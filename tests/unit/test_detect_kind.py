"""services/importers detect_kind: a file's kind comes from its first bytes, not its name."""

import pytest

from services.declarations import parse_declaration
from services.importers import IMPORTERS, detect_kind, importers_for, job_titles, known_kinds, nem12, nem13
from services.importers.base import Importer
from services.importers.sqlite_tables import plan_tables

PUBLIC_HEAD = b"title,pdl count,top related titles 1,top related titles 2\nnurse,12,rn,carer\n"


def test_the_registry_knows_the_job_title_and_meter_data_kinds() -> None:
    assert known_kinds() == ["job_titles", "nem12", "nem13"]
    assert IMPORTERS == (job_titles.IMPORTER, nem12.IMPORTER, nem13.IMPORTER)


@pytest.mark.parametrize("file_name", ["meters.csv", "feed.nem12", "x.txt", "noname"])
def test_a_nem12_first_record_is_recognised_whatever_the_file_name(file_name: str) -> None:
    assert detect_kind(file_name, b"100,NEM12,202601010000,MDP1,RETAILER1\r\n200,NMI0000001,E1") is nem12.IMPORTER


@pytest.mark.parametrize("file_name", ["meters.csv", "NEM13#SEN1311003#AGILITY#NEMMCO.csv", "noname"])
def test_a_nem13_first_record_is_recognised_whatever_the_file_name(file_name: str) -> None:
    assert detect_kind(file_name, b"100,NEM13,200401101030,MDA1,Ret1\r\n250,VABC005890,11") is nem13.IMPORTER


@pytest.mark.parametrize("file_name", ["titles.csv", "TITLES.CSV", "titles.txt", "data", "x.csv.gz", "report.xlsx"])
def test_a_job_title_header_is_recognised_whatever_the_file_name(file_name: str) -> None:
    assert detect_kind(file_name, PUBLIC_HEAD) is job_titles.IMPORTER


@pytest.mark.parametrize(
    "head",
    [
        PUBLIC_HEAD,
        b"\xef\xbb\xbf" + PUBLIC_HEAD,
        PUBLIC_HEAD.replace(b"\n", b"\r\n"),
        b"Title,PDL_Count,Top Related Titles,,\n",
        b"TITLE,PDL COUNT\n",
        b'"title","pdl count"\n',
        b"pdl count,title,source\n",
        b"title,pdl count\n" + "caf\xe9,1\n".encode("cp1252"),
        b"title,pdl count",  # a head cut short before the first line end
        b"title,pdl count," + b"top related titles," * 4000,  # a header longer than the head
    ],
    ids=[
        "public",
        "bom",
        "crlf",
        "spreadsheet",
        "upper",
        "quoted",
        "reordered",
        "cp1252-body",
        "no-line-end",
        "truncated-header",
    ],
)
def test_job_title_headers_in_every_shape_are_recognised(head: bytes) -> None:
    importer = detect_kind("drop.csv", head)
    assert importer is not None
    assert importer.kind == "job_titles"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\n\n",
        b"name,count\nx,1\n",
        b"title\nnurse\n",
        b"nurse,12,rn\ntitle,pdl count\n",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00title,pdl count",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03title,pdl count",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        bytes(range(256)),
        "title,pdl count\n".encode("utf-16"),
        b"title;pdl count\n",
        b"\x00\x00\x00\x00",
    ],
    ids=[
        "empty",
        "blank-lines",
        "other-csv",
        "title-only",
        "header-not-first",
        "zip",
        "gzip-not-decompressed",
        "png",
        "pdf",
        "all-bytes",
        "utf-16",
        "semicolons",
        "nul",
    ],
)
def test_other_files_are_not_recognised(head: bytes) -> None:
    assert detect_kind("titles.csv", head) is None


def test_a_count_without_a_title_is_claimed_so_the_loader_can_say_what_is_missing() -> None:
    assert detect_kind("titles.csv", b"pdl count\n12\n") is job_titles.IMPORTER


RACES_KIND = """
kind = "races"
formats = ["csv"]
key = ["race_id"]
[[columns]]
name = "race_id"
type = "integer"
required = true
[[columns]]
name = "year"
type = "integer"
required = true
[[columns]]
name = "time"
type = "time"
"""
RESULTS_KIND = """
kind = "results"
formats = ["csv"]
key = ["result_id"]
[[columns]]
name = "result_id"
type = "integer"
required = true
[[columns]]
name = "race_id"
type = "integer"
required = true
[[columns]]
name = "position"
type = "integer"
"""


def _declared(*texts: str) -> tuple[Importer, ...]:
    return importers_for(tuple(parse_declaration(text, "kind.toml") for text in texts))


def test_of_the_declared_kinds_that_accept_a_file_the_one_it_fits_best_takes_it() -> None:
    importers = _declared(RACES_KIND, RESULTS_KIND)  # races first: it accepts results.csv too (raceId, time)
    results_head = b"resultId,raceId,driverId,position,time\n1,18,1,1,1:34:50.616\n"

    chosen = detect_kind("results.csv", results_head, importers)

    assert chosen is not None and chosen.kind == "results"
    races = detect_kind("races.csv", b"raceId,year,round,time\n1,2009,1,06:00:00\n", importers)
    assert races is not None and races.kind == "races"


def test_a_sqlite_table_loads_as_the_kind_with_the_most_of_its_columns() -> None:
    races, results = (parse_declaration(text, "kind.toml") for text in (RACES_KIND, RESULTS_KIND))
    fewer = parse_declaration(
        RESULTS_KIND.replace('"results"', '"result_links"').replace('"position"', '"points"'), "k"
    )

    plans = plan_tables({"results": ["resultId", "raceId", "position"]}, (races, fewer, results))

    assert [(plan.table, plan.declaration.kind) for plan in plans] == [("results", "results")]
