"""Prometheus metrics of the running watcher, served with /healthz by a small HTTP server in a daemon thread.

Each `Metrics` has a registry of its own (not the client library's global one), so tests can build several.
Imported only when `metrics_port` is set, so other modes never load prometheus_client.
"""

import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    make_wsgi_app,
)
from prometheus_client.exposition import ThreadingWSGIServer

UNKNOWN_KIND: Final = "unknown"
OUTCOMES: Final = ("loaded", "duplicate", "quarantined", "retried")
DURATION_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
STALLED_AFTER_SECONDS: Final = 30.0  # /healthz says 503 once the event loop has not beaten for this long


@dataclass
class Heartbeat:
    """When the event loop last showed it was alive (it beats every few seconds, even during long loads)."""

    last: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        """The loop is alive now."""
        self.last = time.monotonic()

    def age(self) -> float:
        """Seconds since the last beat."""
        return time.monotonic() - self.last


class Metrics:
    """The service's counters and gauges, on a registry of their own."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.registry = CollectorRegistry()
        self._files = Counter(
            "dropfolder_files", "Files handled, by kind and outcome.", ["kind", "outcome"], registry=self.registry
        )
        self._rows_loaded = Counter("dropfolder_rows_loaded", "Rows loaded.", ["kind"], registry=self.registry)
        self._rows_rejected = Counter("dropfolder_rows_rejected", "Rows rejected.", ["kind"], registry=self.registry)
        self._load_seconds = Histogram(
            "dropfolder_load_duration_seconds",
            "Seconds per loaded file, from the start of its load to its commit.",
            ["kind"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._last_load = Gauge(
            "dropfolder_last_load_timestamp_seconds",
            "Unix time of the newest successful load of the kind (by any process on this database).",
            ["kind"],
            registry=self.registry,
        )
        self._system_fault = Gauge(
            "dropfolder_system_fault", "1 while files wait because of a system fault, else 0.", registry=self.registry
        )
        self._waiting: tuple[int, float | None] = (0, None)
        waiting = Gauge(
            "dropfolder_files_waiting", "Files in the drop folder, not yet handled.", registry=self.registry
        )
        waiting.set_function(lambda: self._waiting[0])
        oldest = Gauge(
            "dropfolder_oldest_waiting_file_age_seconds",
            "Seconds since the oldest waiting file was first seen (0 when none waits).",
            registry=self.registry,
        )
        oldest.set_function(self._oldest_waiting_age)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self._newest: dict[str, float] = {}
        for kind in kinds:  # every series exists from the start, so rate() and absent() work at once
            self._rows_loaded.labels(kind)
            self._rows_rejected.labels(kind)
            for outcome in OUTCOMES:
                self._files.labels(kind, outcome)

    def count_file(self, outcome: str, kind: str | None, rows: int = 0, rejected: int = 0) -> None:
        """One file handled (`outcome` is one of OUTCOMES)."""
        label = kind or UNKNOWN_KIND
        self._files.labels(label, outcome).inc()
        if outcome == "loaded":
            self._rows_loaded.labels(label).inc(rows)
            self._rows_rejected.labels(label).inc(rejected)

    def observe_load(self, kind: str, seconds: float, finished_at: float) -> None:
        """A load's duration, and that the kind loaded at unix time `finished_at`."""
        self._load_seconds.labels(kind).observe(seconds)
        self.note_last_load(kind, finished_at)

    def note_last_load(self, kind: str, finished_at: float) -> None:
        """The kind loaded at unix time `finished_at` (an older time than already known changes nothing)."""
        for single in kind.split("+"):  # a SQLite file can feed several kinds
            newest = max(finished_at, self._newest.get(single, finished_at))
            self._newest[single] = newest
            self._last_load.labels(single).set(newest)

    def set_waiting(self, count: int, oldest_seen_at: float | None) -> None:
        """How many files wait, and when (time.monotonic) the oldest of them was first seen."""
        self._waiting = (count, oldest_seen_at)  # one assignment: the scrape thread sees old or new, not half

    def set_system_fault(self, is_on: bool) -> None:
        """Whether a spell of system trouble is on."""
        self._system_fault.set(1 if is_on else 0)

    def _oldest_waiting_age(self) -> float:
        count, oldest = self._waiting
        return max(0.0, time.monotonic() - oldest) if count and oldest is not None else 0.0


def health(heartbeat_age_seconds: float) -> tuple[str, bytes]:
    """The /healthz answer: 200 while the event loop beats, 503 once it has stalled."""
    if heartbeat_age_seconds <= STALLED_AFTER_SECONDS:
        return "200 OK", b"ok\n"
    return "503 Service Unavailable", f"event loop stalled for {heartbeat_age_seconds:.0f}s\n".encode()


def make_app(metrics: Metrics, heartbeat: Heartbeat) -> WSGIApplication:
    """GET /metrics (the client library's own app: text or OpenMetrics, gzip) and GET /healthz; else 404."""
    serve_metrics = make_wsgi_app(metrics.registry)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body: Iterable[bytes] = serve_metrics(environ, start_response)
            return body
        status, text = health(heartbeat.age()) if path == "/healthz" else ("404 Not Found", b"try /metrics\n")
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(text)))])
        return [text]

    return app


class _QuietHandler(WSGIRequestHandler):
    """No access log: Prometheus scrapes every few seconds."""

    def log_message(self, *_args: object) -> None:
        """Log nothing."""


class MetricsServer:
    """The HTTP server for /metrics and /healthz, in a daemon thread."""

    def __init__(self, app: WSGIApplication, host: str, port: int) -> None:
        self._server = make_server(host, port, app, server_class=_server_class(host, port), handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port is the real one when 0 was asked for)."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Serve requests in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._thread.is_alive():  # shutdown() waits for serve_forever, forever if it never ran
            self._server.shutdown()
        self._server.server_close()


def _server_class(host: str, port: int) -> type[WSGIServer]:
    """A threading server of the address family `host` resolves to (so `::` works as well as `0.0.0.0`)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return type("MetricsWSGIServer", (ThreadingWSGIServer,), {"address_family": family})
