"""services/alert_messages.py: the alert bodies, their one human sentence, and what of the webhook URL is logged."""

from datetime import UTC, datetime, timedelta

import pytest

from services.alert_messages import (
    MAX_TEXT_CHARS,
    Alert,
    build_payload,
    escape_chat_text,
    fault_alert,
    human_duration,
    quarantine_alert,
    recovery_alert,
    silence_alert,
    webhook_origin,
)

REASON = "3 of 4 rows were rejected, more than the allowed 10%"


def test_a_quarantine_body_has_a_human_text_and_names_the_file_kind_and_reason() -> None:
    alert = quarantine_alert("titles.csv", "job_titles", REASON, "failed/titles.csv")

    body = build_payload(alert, host="box-1")

    assert body["text"] == f"dropfolder: quarantined titles.csv (job_titles): {REASON}"
    assert body | {"text": None} == {
        "text": None,
        "event": "file_quarantined",
        "file": "titles.csv",
        "kind": "job_titles",
        "reason": REASON,
        "moved_to": "failed/titles.csv",
        "service": "dropfolder",
        "host": "box-1",
    }


def test_an_unrecognised_file_says_so_in_the_text_and_has_a_null_kind() -> None:
    body = build_payload(quarantine_alert("notes.txt", None, "no import service recognises this file", None), host="h")

    assert "quarantined notes.txt (unrecognised):" in str(body["text"])
    assert body["kind"] is None


def test_every_body_has_file_kind_and_reason_even_when_they_do_not_apply() -> None:
    body = build_payload(recovery_alert(75.0, 4, "database unavailable"), host="h")

    assert {"text", "event", "file", "kind", "reason"} <= set(body)
    assert (body["event"], body["file"], body["kind"]) == ("system_recovered", None, None)
    assert body["text"] == (
        "dropfolder: recovered after 1 minute 15 seconds (4 failed attempts); the fault was: database unavailable"
    )


def test_a_fault_body_names_the_reason_the_first_file_and_how_many_wait() -> None:
    body = build_payload(fault_alert("database refused the load: permission denied", "a.csv", 3), host="h")

    assert body["event"] == "system_fault"
    assert (body["file"], body["reason"], body["files_waiting"]) == (
        "a.csv",
        "database refused the load: permission denied",
        3,
    )
    assert "3 files waiting in the drop folder" in str(body["text"])


def test_a_silent_kind_that_never_loaded_counts_from_the_start() -> None:
    alert = silence_alert("nem12", timedelta(days=1, hours=2), timedelta(days=1), None)

    assert alert.text == (
        "dropfolder: no nem12 file has loaded for 1 day 2 hours (since the service started); "
        "one is expected every 1 day"
    )
    assert alert.fields["last_loaded_at"] is None
    assert alert.fields["expected_every_seconds"] == 86400.0


def test_a_silent_kind_names_its_last_load() -> None:
    last = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)

    alert = silence_alert("nem12", timedelta(hours=30), timedelta(days=1), last)

    assert "(since 2024-05-01 06:30 UTC)" in alert.text
    assert alert.fields["last_loaded_at"] == "2024-05-01T06:30:00+00:00"


def test_chat_markup_in_a_file_name_is_escaped_in_the_text_only() -> None:
    alert = quarantine_alert("<!channel> & <http://x|y>.csv", None, "bad", None)

    body = build_payload(alert, host="h")

    assert "<" not in str(body["text"]) and ">" not in str(body["text"])
    assert "&lt;!channel&gt; &amp; &lt;http://x|y&gt;.csv" in str(body["text"])
    assert body["file"] == "<!channel> & <http://x|y>.csv"


def test_escaping_leaves_plain_text_alone() -> None:
    assert escape_chat_text("quarantined a.csv: line 3: bad value") == "quarantined a.csv: line 3: bad value"


def test_a_very_long_text_is_shortened_but_the_reason_field_is_kept_whole() -> None:
    reason = "x" * (MAX_TEXT_CHARS * 2)

    body = build_payload(Alert("file_quarantined", reason, {"reason": reason}), host="h")

    assert len(str(body["text"])) == MAX_TEXT_CHARS
    assert str(body["text"]).endswith("…")
    assert body["reason"] == reason


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com"),
        ("https://user:password@chat.example.com:8443/hooks/abc?token=SECRET", "https://chat.example.com:8443"),
        ("http://127.0.0.1:9000/hook", "http://127.0.0.1:9000"),
        ("http://[::1]:9000/hook/SECRET", "http://[::1]:9000"),
        ("https://example.webhook.office.com/webhookb2/SECRET@SECRET/IncomingWebhook/x/y", "https://example.webhook.office.com"),
        ("https://host:notaport/SECRET", "https://host"),
    ],
)  # fmt: skip
def test_the_logged_name_of_a_webhook_is_its_scheme_host_and_port_only(url: str, origin: str) -> None:
    assert webhook_origin(url) == origin


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (59.6, "1 minute"),
        (75, "1 minute 15 seconds"),
        (3600, "1 hour"),
        (86400 + 1, "1 day"),
        (90061, "1 day 1 hour"),
        (3 * 86400 + 7200, "3 days 2 hours"),
    ],
)
def test_durations_read_as_the_largest_unit_and_the_next(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
