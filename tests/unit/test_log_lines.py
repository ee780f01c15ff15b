"""The harness reads the service's log lines back to exactly the fields the service wrote."""

import pytest

from core.logfmt import logfmt
from tests.support.log_lines import events_in, parse_logfmt

HEAD = "ts=2026-01-02T03:04:05.678Z level=info logger=services.ingest "


@pytest.mark.parametrize(
    "value",
    ["plain", "", "two words", "k=v", 'say "hi"', "C:\\data", "line\nbreak", "données.csv", "a/b:c,d", "a\u2028b\x1bc"],
)
def test_a_logged_line_parses_back_to_its_fields(value: str) -> None:
    line = HEAD + logfmt({"event": "file_loaded", "file": value, "rows": 3})

    fields = parse_logfmt(line)

    assert fields == {
        "ts": "2026-01-02T03:04:05.678Z", "level": "info", "logger": "services.ingest",
        "event": "file_loaded", "file": value, "rows": "3",
    }  # fmt: skip


def test_events_are_found_by_their_whole_name_in_order() -> None:
    text = "\n".join(
        HEAD + logfmt(fields)
        for fields in (
            {"event": "file_loaded", "file": "a.csv"},
            {"event": "file_loaded_late", "file": "b.csv"},
            {"event": "load_progress", "note": "event=file_loaded inside a value"},
            {"event": "file_loaded", "file": "c.csv"},
        )
    )

    assert [fields["file"] for fields in events_in(text, "file_loaded")] == ["a.csv", "c.csv"]
