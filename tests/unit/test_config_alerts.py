"""Settings for alerts and metrics: off by default, blank is off, bad values refused, the webhook URL kept secret."""

import os
from datetime import timedelta

import pytest
from pydantic import ValidationError

from core.config import Settings

SECRET_URL = "https://hooks.slack.com/services/T0/B0/s3cr3t"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests."""
    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)


def test_alerts_metrics_and_silence_are_off_by_default() -> None:
    settings = Settings(_env_file=None)

    assert settings.alert_webhook_url is None
    assert settings.metrics_port is None
    assert settings.expected_every == {}
    assert settings.metrics_host == "127.0.0.1"


def test_blank_values_in_the_environment_mean_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALERT_WEBHOOK_URL", "METRICS_PORT", "EXPECTED_EVERY"):
        monkeypatch.setenv(name, "")

    settings = Settings(_env_file=None)

    assert (settings.alert_webhook_url, settings.metrics_port, settings.expected_every) == (None, None, {})


def test_the_webhook_url_is_a_secret_that_never_shows_in_the_settings_repr() -> None:
    settings = Settings(_env_file=None, alert_webhook_url=SECRET_URL)

    assert settings.alert_webhook_url is not None
    assert settings.alert_webhook_url.get_secret_value() == SECRET_URL
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in str(settings)


@pytest.mark.parametrize(
    "url", ["hooks.slack.com/services/x", "ftp://host/x", "https:///x", "https://host:99999/x", "file:///etc/passwd"]
)
def test_a_webhook_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="alert_webhook_url must be an http:// or https:// URL"):
        Settings(_env_file=None, alert_webhook_url=url)


def test_expected_every_is_json_of_iso_durations_or_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPECTED_EVERY", '{"nem12": "P1D", "leads": "P7D", "job_titles": 3600}')

    settings = Settings(_env_file=None)

    assert settings.expected_every == {
        "nem12": timedelta(days=1),
        "leads": timedelta(days=7),
        "job_titles": timedelta(hours=1),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"nem12": "P1D"', "must be a JSON object such as"),
        ('{"nem12": "PT0S"}', "must be positive durations"),
        ('{"nem12": -5}', "must be positive durations"),
        ('{"nem12": "daily"}', "expected_every.nem12"),
    ],
)
def test_a_bad_expected_every_is_refused_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("EXPECTED_EVERY", value)

    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_metrics_port_outside_1_to_65535_is_refused(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("METRICS_PORT", port)

    with pytest.raises(ValidationError, match="metrics_port"):
        Settings(_env_file=None)
