"""services/alerts.py against a real HTTP receiver on 127.0.0.1: delivery, retries, timeouts, no secret logged."""

import logging
import time

import pytest

from services.alert_messages import Alert, quarantine_alert
from services.alerts import Alerts
from tests.webhook import SECRET_PATH, wait_until, webhook_receiver


def _alerts(url: str, *, attempts: int = 3, host: str | None = None) -> Alerts:
    alerts = Alerts(url, host=host, attempts=attempts, timeout_seconds=0.3, backoff_seconds=0.05)
    alerts.start()
    return alerts


def _alert(name: str = "titles.csv") -> Alert:
    return quarantine_alert(name, "job_titles", "line 3: pdl_count is not a whole number", "failed/titles.csv")


def _lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"event={event}" in r.getMessage()]


def test_an_alert_is_posted_as_json_to_the_webhook_path() -> None:
    with webhook_receiver() as receiver:
        alerts = _alerts(receiver.url, host="box-1")

        alerts.notify(_alert())
        alerts.close()

    assert receiver.paths == [SECRET_PATH]
    [body] = receiver.received
    assert body["event"] == "file_quarantined"
    assert (body["file"], body["kind"], body["host"]) == ("titles.csv", "job_titles", "box-1")
    assert body["text"].startswith("dropfolder: quarantined titles.csv (job_titles): line 3")


def _first_failure(caplog: pytest.LogCaptureFixture, url: str, attempts: int) -> str:
    alerts = _alerts(url, attempts=attempts)
    alerts.notify(_alert())
    wait_until(lambda: _lines(caplog, "alert_failed"), what="the failure line")
    alerts.close()
    return _lines(caplog, "alert_failed")[0]


def test_a_failing_webhook_is_retried_then_the_failure_is_logged_without_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with webhook_receiver(status=500) as receiver:
        failed = _first_failure(caplog, receiver.url, attempts=3)

    assert len(receiver.received) == 3
    assert 'reason="HTTP 500 Internal Server Error"' in failed
    assert "attempts=3" in failed and "file=titles.csv" in failed
    assert f"webhook=http://127.0.0.1:{receiver.port}" in failed
    assert all(SECRET_PATH not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("status", [400, 404, 302, 307])
def test_a_refusal_or_a_redirect_is_not_retried_or_followed(caplog: pytest.LogCaptureFixture, status: int) -> None:
    with webhook_receiver(status=status) as receiver:  # a 3xx answer names another path on the receiver
        failed = _first_failure(caplog, receiver.url, attempts=3)

    assert f"HTTP {status}" in failed
    assert receiver.paths == [SECRET_PATH]


def test_a_hanging_webhook_times_out_and_notify_never_waits(caplog: pytest.LogCaptureFixture) -> None:
    with webhook_receiver(hold_seconds=30) as receiver:
        alerts = _alerts(receiver.url, attempts=2)

        started = time.monotonic()
        for index in range(5):
            alerts.notify(_alert(f"f{index}.csv"))
        queued_seconds = time.monotonic() - started
        wait_until(lambda: _lines(caplog, "alert_failed"), what="the first failure line")
        alerts.close(timeout_seconds=0.5)

    assert queued_seconds < 0.1  # five alerts queued while the receiver holds the first request
    assert "TimeoutError" in _lines(caplog, "alert_failed")[0] or "timed out" in _lines(caplog, "alert_failed")[0]
    unsent = len(_lines(caplog, "alert_failed")) + len(_lines(caplog, "alert_dropped"))
    assert unsent == 5  # every alert is either sent, or logged as failed or dropped
    assert all(SECRET_PATH not in record.getMessage() for record in caplog.records)


def test_an_unreachable_webhook_fails_with_a_logged_reason(caplog: pytest.LogCaptureFixture) -> None:
    with webhook_receiver() as receiver:
        url = receiver.url

    failed = _first_failure(caplog, url, attempts=2)  # the receiver is gone: connection refused

    assert "Connection refused" in failed or "ConnectionRefused" in failed
    assert SECRET_PATH not in failed
