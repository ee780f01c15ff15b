"""services/alerts.py without a network: a full queue drops and says so, closing says what is left unsent."""

import logging

import pytest

from services.alert_messages import quarantine_alert
from services.alerts import Alerts

SECRET_URL = "https://hooks.slack.com/services/T0/B0/s3cr3t"


def test_a_full_queue_drops_the_alert_and_logs_which_one(caplog: pytest.LogCaptureFixture) -> None:
    alerts = Alerts(SECRET_URL, queue_size=2)  # not started: nothing takes alerts off the queue
    caplog.set_level(logging.INFO)

    for name in ("a.csv", "b.csv", "c.csv"):
        alerts.notify(quarantine_alert(name, "job_titles", "bad", None))

    dropped = [r.getMessage() for r in caplog.records if "event=alert_dropped" in r.getMessage()]
    assert len(dropped) == 1
    assert "file=c.csv" in dropped[0]
    assert "alert=file_quarantined" in dropped[0]
    assert "2 alerts are waiting" in dropped[0]


def test_closing_logs_each_alert_that_could_not_be_sent(caplog: pytest.LogCaptureFixture) -> None:
    alerts = Alerts(SECRET_URL, queue_size=5)
    alerts.notify(quarantine_alert("a.csv", "job_titles", "bad", None))
    alerts.notify(quarantine_alert("b.csv", "job_titles", "bad", None))
    caplog.set_level(logging.INFO)

    alerts.close(timeout_seconds=0.01)

    lines = [r.getMessage() for r in caplog.records if "event=alert_dropped" in r.getMessage()]
    assert [("file=a.csv" in line, "file=b.csv" in line) for line in lines] == [(True, False), (False, True)]
    assert all("stopped before the alert could be sent" in line for line in lines)


def test_the_webhook_is_named_by_its_origin_and_its_secret_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    alerts = Alerts(SECRET_URL, queue_size=1)
    caplog.set_level(logging.DEBUG)

    alerts.notify(quarantine_alert("a.csv", None, "bad", None))
    alerts.notify(quarantine_alert("b.csv", None, "bad", None))
    alerts.close(timeout_seconds=0.01)

    assert alerts.origin == "https://hooks.slack.com"
    assert caplog.records
    assert all("s3cr3t" not in record.getMessage() for record in caplog.records)
