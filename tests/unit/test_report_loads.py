"""The loads section: counts per kind, and each quarantined file with its reason and what to do next."""

from datetime import UTC, datetime

import pytest

from services.report_loads import KindLoads, LoadsSummary, QuarantinedFile, quarantine_hint, render_loads

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TOO_MANY = (
    "15 of 56 rows were rejected, more than the allowed 10%, so nothing of the file was kept; "
    "fix the rows and drop the file again"
)
UNKNOWN = (
    "no import service recognises this file (known kinds: job_titles, nem12); check it is the right file and its header"
)


def test_the_hint_takes_the_reasons_own_instruction_and_adds_how_to_try_and_retry() -> None:
    hint = quarantine_hint(TOO_MANY, "meters.csv", "imports/failed")

    assert hint.advice.startswith("Fix the rows and drop the file again; try the fixed file without loading it")
    assert hint.commands == (
        "python main.py --check imports/failed/meters.csv",
        "python main.py --requeue meters.csv",
    )


@pytest.mark.parametrize(
    ("reason", "advice"),
    [
        (UNKNOWN, "If it is a new kind of file, declare its kind"),
        ("unexpected error: KeyError: 'x'", "A fault of the service, not necessarily of the file"),
        ("the file is empty", "Fix the file as the reason says"),
    ],
)
def test_every_reason_gets_advice_and_the_requeue_command(reason: str, advice: str) -> None:
    hint = quarantine_hint(reason, "notes.csv", "imports/failed")

    assert hint.advice.startswith(advice)
    assert hint.commands[-1] == "python main.py --requeue notes.csv"


def _summary(*quarantined: QuarantinedFile, count: int | None = None) -> LoadsSummary:
    kinds = (
        KindLoads("job_titles", 2, 1, 0, 0, 100_000, 3, "titles.csv", AT),
        KindLoads(None, 0, 0, len(quarantined), 0, 0, 0),
    )
    total = len(quarantined) if count is None else count
    return LoadsSummary(kinds, quarantined, total, sum(not item.is_resolved for item in quarantined))


def test_the_section_counts_per_kind_and_lists_each_quarantined_file_with_reason_and_hint() -> None:
    html = render_loads(
        _summary(
            QuarantinedFile("notes.csv", None, UNKNOWN, AT, is_resolved=False),
            QuarantinedFile("fixed<1>.csv", "job_titles", TOO_MANY, AT, is_resolved=True),
        ),
        "imports/failed",
    ).replace("<wbr>", "")  # where a long name may wrap: not text a person sees

    assert '<section id="loads">' in html
    assert "100,000" in html and "titles.csv" in html and "2026-03-01 09:30 UTC" in html
    assert "unknown kind" in html
    assert "notes.csv" in html and "no import service recognises this file" in html
    assert "<code>python main.py --requeue notes.csv</code>" in html
    assert "fixed&lt;1&gt;.csv" in html and "fixed<1>" not in html
    assert '<tr class="resolved">' in html and "a file of this name was loaded later" in html


def test_a_long_quarantine_list_says_where_to_see_all() -> None:
    item = QuarantinedFile("bad.csv", None, UNKNOWN, AT, is_resolved=False)

    html = render_loads(_summary(item, count=80), "imports/failed")

    assert "The newest 1 of 80; python main.py --status lists all." in html


def test_an_empty_ledger_says_what_to_do() -> None:
    html = render_loads(LoadsSummary((), (), 0, 0), "imports/failed")

    assert "No files have been taken yet: drop one into the imports folder." in html
