"""services/metrics.py: the counters the watcher feeds, /healthz, and the routes (called as WSGI, no socket)."""

import time
from wsgiref.types import WSGIEnvironment
from wsgiref.util import setup_testing_defaults

import pytest

from services.faults import SpellEnd
from services.file_reports import FileReport, Outcome
from services.metrics import STALLED_AFTER_SECONDS, Heartbeat, Metrics, health, make_app
from services.monitor import Monitor


def _value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def _get(metrics: Metrics, path: str, heartbeat: Heartbeat | None = None) -> tuple[str, dict[str, str], bytes]:
    environ: WSGIEnvironment = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    statuses: list[str] = []
    headers: dict[str, str] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], _exc_info: object = None) -> object:
        statuses.append(status)
        headers.update(response_headers)
        return None

    body = make_app(metrics, heartbeat or Heartbeat())(environ, start_response)  # type: ignore[arg-type]  # WSGI's write() callable is never used
    return statuses[0], headers, b"".join(body)


def test_every_kind_and_outcome_is_exported_from_the_start_at_zero() -> None:
    metrics = Metrics(["job_titles", "nem12"])

    assert _value(metrics, "dropfolder_files_total", kind="nem12", outcome="quarantined") == 0.0
    assert _value(metrics, "dropfolder_rows_loaded_total", kind="job_titles") == 0.0


def test_the_monitor_counts_outcomes_rows_and_load_time_per_kind() -> None:
    metrics = Metrics(["job_titles"])
    monitor = Monitor(metrics=metrics)

    monitor.file_handled(FileReport(Outcome.LOADED, "a.csv", "job_titles", 100, 3, 0.4))
    monitor.file_handled(FileReport(Outcome.LOADED, "b.csv", "job_titles", 50, 0, 0.2))
    monitor.file_handled(FileReport(Outcome.DUPLICATE, "c.csv", "job_titles"))
    monitor.file_handled(FileReport(Outcome.QUARANTINED, "d.txt", None, reason="unknown"))
    monitor.file_handled(FileReport(Outcome.SKIPPED, "e.csv"))
    monitor.file_retried()

    assert _value(metrics, "dropfolder_files_total", kind="job_titles", outcome="loaded") == 2.0
    assert _value(metrics, "dropfolder_files_total", kind="job_titles", outcome="duplicate") == 1.0
    assert _value(metrics, "dropfolder_files_total", kind="unknown", outcome="quarantined") == 1.0
    assert _value(metrics, "dropfolder_files_total", kind="unknown", outcome="retried") == 1.0
    assert _value(metrics, "dropfolder_rows_loaded_total", kind="job_titles") == 150.0
    assert _value(metrics, "dropfolder_rows_rejected_total", kind="job_titles") == 3.0
    assert _value(metrics, "dropfolder_load_duration_seconds_count", kind="job_titles") == 2.0
    assert _value(metrics, "dropfolder_load_duration_seconds_sum", kind="job_titles") == pytest.approx(0.6)
    assert (_value(metrics, "dropfolder_last_load_timestamp_seconds", kind="job_titles") or 0) > time.time() - 60


def test_the_last_load_time_only_moves_forward_and_counts_for_each_kind_of_a_sqlite_file() -> None:
    metrics = Metrics(["leads", "widgets"])

    metrics.note_last_load("leads+widgets", 2000.0)
    metrics.note_last_load("leads", 1000.0)

    assert _value(metrics, "dropfolder_last_load_timestamp_seconds", kind="leads") == 2000.0
    assert _value(metrics, "dropfolder_last_load_timestamp_seconds", kind="widgets") == 2000.0


def test_files_waiting_and_the_age_of_the_oldest_are_read_at_scrape_time() -> None:
    metrics = Metrics([])

    metrics.set_waiting(3, time.monotonic() - 120)

    assert _value(metrics, "dropfolder_files_waiting") == 3.0
    assert 119 <= (_value(metrics, "dropfolder_oldest_waiting_file_age_seconds") or 0) < 130
    metrics.set_waiting(0, None)
    assert _value(metrics, "dropfolder_oldest_waiting_file_age_seconds") == 0.0


def test_the_system_fault_gauge_follows_the_spell() -> None:
    metrics = Metrics([])
    monitor = Monitor(metrics=metrics)

    monitor.fault_started("database unavailable", "a.csv", 1)
    assert _value(metrics, "dropfolder_system_fault") == 1.0
    monitor.fault_ended(SpellEnd(3.0, 2, "database unavailable"))
    assert _value(metrics, "dropfolder_system_fault") == 0.0


def test_two_metrics_objects_do_not_share_counts() -> None:
    first, second = Metrics(["job_titles"]), Metrics(["job_titles"])

    first.count_file("loaded", "job_titles", 10)

    assert _value(second, "dropfolder_files_total", kind="job_titles", outcome="loaded") == 0.0


def test_health_is_ok_while_the_loop_beats_and_503_once_it_stalls() -> None:
    assert health(1.0) == ("200 OK", b"ok\n")
    status, body = health(STALLED_AFTER_SECONDS + 15)
    assert status.startswith("503")
    assert b"stalled for 45s" in body


def test_metrics_are_served_in_the_prometheus_text_format() -> None:
    metrics = Metrics(["job_titles"])
    metrics.count_file("loaded", "job_titles", 5)

    status, headers, body = _get(metrics, "/metrics")

    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/plain; version=")
    assert b'dropfolder_files_total{kind="job_titles",outcome="loaded"} 1.0' in body
    assert b"# TYPE dropfolder_load_duration_seconds histogram" in body
    assert b"process_resident_memory_bytes" in body


def test_healthz_answers_503_when_the_heartbeat_is_old() -> None:
    stale = Heartbeat(last=time.monotonic() - STALLED_AFTER_SECONDS - 1)

    assert _get(Metrics([]), "/healthz")[0] == "200 OK"
    assert _get(Metrics([]), "/healthz", stale)[0].startswith("503")


@pytest.mark.parametrize("path", ["/", "/metrics/extra", "/health", "/favicon.ico"])
def test_other_paths_are_not_found(path: str) -> None:
    assert _get(Metrics([]), path)[0] == "404 Not Found"
