"""logfmt lines: bare values when safe, quoted and escaped otherwise."""

import json
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.logfmt import Event, log_event, logfmt, logfmt_value
from core.logs import LogfmtFormatter


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (None, '""'),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.500"),
        (2.0, "2.000"),
        (0.0004, "0.000"),
        (1234.5678, "1234.568"),
        ("plain", "plain"),
        ("job_titles", "job_titles"),
        ("données.csv", "données.csv"),
        ("a/b:c,d", "a/b:c,d"),
    ],
)
def test_safe_values_are_written_bare(value: object, rendered: str) -> None:
    assert logfmt_value(value) == rendered


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("", '""'),
        ("two words", '"two words"'),
        ("k=v", '"k=v"'),
        ('say "hi"', r'"say \"hi\""'),
        ("C:\\data", r'"C:\\data"'),
        ("line\nbreak", r'"line\nbreak"'),
        ("cr\rlf", r'"cr\rlf"'),
        ("tab\there", r'"tab\there"'),
        ('\\"', r'"\\\""'),
        ("\\n", r'"\\n"'),
    ],
)
def test_unsafe_values_are_quoted_with_escapes(value: str, rendered: str) -> None:
    assert logfmt_value(value) == rendered


def test_bool_is_not_taken_for_an_int() -> None:
    assert logfmt({"ok": True, "n": 1}) == "ok=true n=1"


def test_a_line_keeps_the_order_of_its_fields() -> None:
    fields = {"event": "file_loaded", "file": "my file.csv", "rows": 3, "seconds": 0.25, "encoding": None}
    assert logfmt(fields) == 'event=file_loaded file="my file.csv" rows=3 seconds=0.250 encoding=""'


def test_an_empty_mapping_is_an_empty_line() -> None:
    assert logfmt({}) == ""


def test_an_event_puts_its_name_first() -> None:
    assert str(Event("file_quarantined", {"file": "t.csv", "reason": "no header"})) == (
        'event=file_quarantined file=t.csv reason="no header"'
    )


def test_log_event_logs_one_logfmt_line_at_the_given_level(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.unit.logfmt")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        log_event(logger, "db_unavailable", logging.WARNING, attempt=1, reason="refused: 127.0.0.1")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, 'event=db_unavailable attempt=1 reason="refused: 127.0.0.1"')
    ]


def test_log_event_defaults_to_info(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.unit.logfmt")
    with caplog.at_level(logging.INFO, logger=logger.name):
        log_event(logger, "started")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(logging.INFO, "event=started")]


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("a\x00b.csv", r'"a\u0000b.csv"'),
        ("esc\x1b[31m.csv", r'"esc\u001b[31m.csv"'),
        ("del\x7f.csv", r'"del\u007f.csv"'),
        ("nel\x85x.csv", r'"nel\u0085x.csv"'),
        ("line\u2028sep.csv", r'"line\u2028sep.csv"'),
        ("para\u2029sep.csv", r'"para\u2029sep.csv"'),
        ("rtl\u202eevil.csv", r'"rtl\u202eevil.csv"'),
        ("nbsp\u00a0x.csv", r'"nbsp\u00a0x.csv"'),
        ("not-utf8-\udcff.csv", r'"not-utf8-\udcff.csv"'),
        ("a b\u2028c", r'"a b\u2028c"'),
    ],
)
def test_invisible_and_line_breaking_characters_are_escaped(value: str, rendered: str) -> None:
    assert logfmt_value(value) == rendered


@given(st.text())
def test_any_text_renders_as_one_printable_utf8_field_that_reads_back(text: str) -> None:
    rendered = logfmt_value(text)

    assert rendered.isprintable()  # no line break of any kind, no control or invisible character
    assert len(f"k={rendered}".splitlines()) == 1
    rendered.encode("utf-8")  # a lone surrogate (a non-UTF-8 file name) would raise here
    assert (json.loads(rendered) if rendered.startswith('"') else rendered) == text


def test_a_file_name_cannot_forge_a_second_line_or_field(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.unit.logfmt")
    name = 'x.csv" rows=999\nts=2020-01-01 level=info event=file_loaded file=forged.csv\u2028'
    with caplog.at_level(logging.INFO, logger=logger.name):
        log_event(logger, "file_loaded", file=name, rows=3)

    line = LogfmtFormatter().format(caplog.records[0])

    fields = re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ "]*)(?: |$)', line)
    assert len(line.splitlines()) == 1
    assert [key for key, _ in fields] == ["ts", "level", "logger", "event", "file", "rows"]
    assert json.loads(fields[4][1]) == name
    assert fields[5][1] == "3"
