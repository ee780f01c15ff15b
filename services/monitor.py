"""What the watcher tells the outside world: alerts to a webhook and Prometheus metrics, each off unless configured.

The watcher calls a `Monitor` at each turn (a file handled or retried, a fault spell starting or ending,
the files waiting); a part that is off does nothing. `start_monitor` starts what the settings ask for:
the alert thread, the metrics server with the event loop's heartbeat, and a periodic look at the ledger
(the newest load of each kind, for silent-kind alerts and the last-load gauge).
"""

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from core.db import short_error
from core.errors import ConfigError, TransientError
from core.logfmt import log_event
from services import ledger
from services.alert_messages import fault_alert, quarantine_alert, recovery_alert, silence_alert
from services.alerts import Alerts
from services.faults import SpellEnd
from services.file_reports import FileReport, Outcome
from services.silence import MAX_CHECK_SECONDS, Silence, check_every_seconds, find_silences
from services.unit_of_work import transaction

if TYPE_CHECKING:  # prometheus_client is imported only when metrics are on
    from services.metrics import Heartbeat, Metrics, MetricsServer

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY_SECONDS: Final = 2.0
LEDGER_QUERY_TIMEOUT_SECONDS: Final = 10.0


@dataclass
class Monitor:
    """Alerts and metrics for the watcher's events; either may be None (off)."""

    alerts: Alerts | None = None
    metrics: "Metrics | None" = None
    _server: "MetricsServer | None" = None
    _tasks: list["asyncio.Task[None]"] = field(default_factory=list)

    def file_handled(self, report: FileReport) -> None:
        """A file's outcome: quarantines are alerted, every outcome but `skipped` is counted."""
        if report.outcome is Outcome.QUARANTINED and self.alerts is not None:
            reason = report.reason or "no reason given"
            self.alerts.notify(quarantine_alert(report.file_name, report.kind, reason, report.moved_to))
        if self.metrics is None or report.outcome is Outcome.SKIPPED:
            return
        self.metrics.count_file(report.outcome.value, report.kind, report.rows_loaded, report.rows_rejected)
        if report.outcome is Outcome.LOADED and report.kind is not None and report.seconds is not None:
            self.metrics.observe_load(report.kind, report.seconds, time.time())

    def file_retried(self) -> None:
        """A file was left in the folder to be tried again (a system fault, or it changed)."""
        if self.metrics is not None:
            self.metrics.count_file("retried", None)

    def fault_started(self, reason: str, file_name: str, files_waiting: int) -> None:
        """A spell of system trouble began (said once per spell)."""
        if self.alerts is not None:
            self.alerts.notify(fault_alert(reason, file_name, files_waiting))
        if self.metrics is not None:
            self.metrics.set_system_fault(True)

    def fault_ended(self, ended: SpellEnd) -> None:
        """The spell of system trouble is over."""
        if self.alerts is not None:
            self.alerts.notify(recovery_alert(ended.seconds, ended.failed_attempts, ended.reason))
        if self.metrics is not None:
            self.metrics.set_system_fault(False)

    def files_waiting(self, count: int, oldest_seen_at: float | None) -> None:
        """How many files wait in the folder, and when (time.monotonic) the oldest was first seen."""
        if self.metrics is not None:
            self.metrics.set_waiting(count, oldest_seen_at)

    async def close(self) -> None:
        """Stop the background work, free the metrics port, and send the queued alerts (bounded)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await asyncio.to_thread(self._server.close)
        if self.alerts is not None:
            await asyncio.to_thread(self.alerts.close)


async def start_monitor(settings: Settings, engine: AsyncEngine, kinds: Iterable[str], *, is_watch: bool) -> Monitor:
    """Start the alerts, and when watching the metrics server and the ledger checks; ConfigError if they cannot."""
    kinds = list(kinds)
    _check_expected_kinds(settings.expected_every, kinds)
    monitor = Monitor()
    if settings.alert_webhook_url is not None:
        monitor.alerts = Alerts(settings.alert_webhook_url.get_secret_value())
        monitor.alerts.start()
    if not is_watch:
        return monitor  # --once: no port to hold and no silence to watch for
    if settings.metrics_port is not None:
        _serve_metrics(monitor, settings.metrics_host, settings.metrics_port, kinds)
    if settings.expected_every or monitor.metrics is not None:
        look = _LedgerLook(monitor, engine, settings.expected_every, datetime.now(UTC))
        monitor._tasks.append(asyncio.create_task(look.run()))
    return monitor


def _check_expected_kinds(expected: dict[str, timedelta], kinds: list[str]) -> None:
    unknown = sorted(set(expected) - set(kinds))
    if unknown:
        raise ConfigError(f"expected_every names unknown kind(s) {', '.join(unknown)}; known: {', '.join(kinds)}")


def _serve_metrics(monitor: Monitor, host: str, port: int, kinds: list[str]) -> None:
    from services.metrics import Heartbeat, Metrics, MetricsServer, make_app

    metrics, heartbeat = Metrics(kinds), Heartbeat()
    try:
        server = MetricsServer(make_app(metrics, heartbeat), host, port)
    except OSError as exc:
        raise ConfigError(f"cannot serve metrics on {host}:{port}: {short_error(exc)}") from exc
    server.start()
    monitor.metrics, monitor._server = metrics, server
    monitor._tasks.append(asyncio.create_task(_beat(heartbeat)))
    log_event(logger, "metrics_serving", address=f"{host}:{port}", paths="/metrics,/healthz")


async def _beat(heartbeat: "Heartbeat") -> None:
    """Show /healthz that the event loop is alive."""
    while True:
        heartbeat.beat()
        await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)


@dataclass
class _LedgerLook:
    """Every so often: the newest load of each kind, for the last-load gauge and the silent-kind alerts."""

    monitor: Monitor
    engine: AsyncEngine
    expected: dict[str, timedelta]
    started_at: datetime
    reported: dict[str, datetime | None] = field(default_factory=dict)
    is_failing: bool = False

    async def run(self) -> None:
        every_seconds = check_every_seconds(self.expected) if self.expected else MAX_CHECK_SECONDS
        while True:
            newest = await self._newest_loads()
            if newest is not None:
                self._publish(newest)
            await asyncio.sleep(every_seconds)

    async def _newest_loads(self) -> dict[str, datetime] | None:
        try:
            async with (
                asyncio.timeout(LEDGER_QUERY_TIMEOUT_SECONDS),
                self.engine.connect() as conn,
                transaction(conn),
            ):
                newest = await ledger.newest_loads(conn)
        except (SQLAlchemyError, OSError, TimeoutError, TransientError) as exc:
            level = logging.DEBUG if self.is_failing else logging.WARNING  # said once until it works again
            log_event(logger, "ledger_check_skipped", level, reason=short_error(exc), note="tried again later")
            self.is_failing = True
            return None
        self.is_failing = False
        return newest

    def _publish(self, newest: dict[str, datetime]) -> None:
        if self.monitor.metrics is not None:
            for kind, finished_at in newest.items():
                self.monitor.metrics.note_last_load(kind, finished_at.timestamp())
        for silence in find_silences(self.expected, newest, self.started_at, datetime.now(UTC), self.reported):
            self.reported[silence.kind] = silence.last_loaded_at
            _say_silent(silence, self.monitor.alerts)


def _say_silent(silence: Silence, alerts: Alerts | None) -> None:
    log_event(
        logger,
        "kind_silent",
        logging.WARNING,
        kind=silence.kind,
        silent_s=round(silence.silent_for.total_seconds()),
        expected_every_s=round(silence.expected_every.total_seconds()),
        last_loaded_at=silence.last_loaded_at.isoformat() if silence.last_loaded_at else None,
    )
    if alerts is not None:
        alerts.notify(silence_alert(silence.kind, silence.silent_for, silence.expected_every, silence.last_loaded_at))
