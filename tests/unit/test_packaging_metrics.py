"""The compose file serves the app's /metrics and /healthz on the host's loopback only, at the port the app uses."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Settings

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yaml"

if not COMPOSE_FILE.exists():
    pytest.skip("no docker-compose.yaml here: running inside the image", allow_module_level=True)


def _app() -> dict[str, Any]:
    app = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]["app"]
    assert isinstance(app, dict)
    return app


def _published() -> list[tuple[str, str, str]]:
    """(host ip, host port, container port) of each `ports:` entry, compose defaults filled in."""
    entries = []
    for entry in _app().get("ports", []):
        host_ip, host_port, container_port = str(entry).replace("${METRICS_HOST_PORT:-9108}", "9108").split(":")
        entries.append((host_ip, host_port, container_port))
    return entries


def test_the_app_serves_metrics_on_all_container_interfaces_at_a_valid_port() -> None:
    environment = _app()["environment"]

    settings = Settings(
        _env_file=None, metrics_port=environment["METRICS_PORT"], metrics_host=environment["METRICS_HOST"]
    )

    assert settings.metrics_port is not None
    assert settings.metrics_host == "0.0.0.0"  # inside the container; published on loopback only


def test_the_metrics_port_is_published_on_the_hosts_loopback_only() -> None:
    metrics_port = str(_app()["environment"]["METRICS_PORT"])

    assert _published() == [("127.0.0.1", "9108", metrics_port)]
