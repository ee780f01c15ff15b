"""Alerts to a webhook (Slack, Teams, Mattermost, anything that takes a JSON POST), never in a load's way.

`notify` only puts the alert on a bounded queue and returns; a full queue drops it with a logged line.
One daemon thread takes alerts off the queue and POSTs each with a timeout and a few retries. A thread
rather than an asyncio task: a receiver that hangs then holds only this thread, never the event loop,
its default executor (which `asyncio.run` waits for at exit), or a load. The URL is a secret: logs
name its scheme and host only.
"""

import contextlib
import http.client
import json
import logging
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Final

from core.logfmt import log_event
from services.alert_messages import Alert, build_payload, webhook_origin

logger = logging.getLogger(__name__)

QUEUE_SIZE: Final = 100
TIMEOUT_SECONDS: Final = 5.0
ATTEMPTS: Final = 3
BACKOFF_SECONDS: Final = 1.0  # doubled after each failed attempt
CLOSE_SECONDS: Final = 3.0  # with shutdown_grace_seconds (25) it stays inside compose's stop_grace_period (30s)
_RESPONSE_BYTES_READ: Final = 4096


@dataclass(frozen=True)
class _Failure:
    reason: str
    is_retryable: bool


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following would turn the POST into a GET, or post elsewhere."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        """Refuse: urllib then raises the 3xx as an HTTPError."""
        return None


class Alerts:
    """A bounded queue of alerts and the one thread that sends them."""

    def __init__(
        self,
        url: str,
        *,
        host: str | None = None,
        queue_size: int = QUEUE_SIZE,
        timeout_seconds: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        backoff_seconds: float = BACKOFF_SECONDS,
    ) -> None:
        self.origin = webhook_origin(url)
        self._url = url
        self._host = host or socket.gethostname()
        self._timeout_seconds = timeout_seconds
        self._attempts = attempts
        self._backoff_seconds = backoff_seconds
        self._queue: queue.Queue[Alert | None] = queue.Queue(queue_size)
        self._closing = threading.Event()
        self._sending: Alert | None = None
        self._opener = urllib.request.build_opener(_RefuseRedirects)
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)

    def start(self) -> None:
        """Start the sending thread."""
        self._thread.start()
        log_event(logger, "alerts_enabled", webhook=self.origin)

    def notify(self, alert: Alert) -> None:
        """Queue `alert` for sending; never blocks and never raises (a full queue drops it, logged)."""
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            _log_lost("alert_dropped", alert, f"{self._queue.maxsize} alerts are waiting: the webhook is slow or down")

    def close(self, timeout_seconds: float = CLOSE_SECONDS) -> None:
        """Send what is queued, for at most `timeout_seconds` (without retries); log each alert left unsent."""
        self._closing.set()
        with contextlib.suppress(queue.Full):  # a full queue: the thread ends once it has emptied it
            self._queue.put_nowait(None)  # wakes the thread if it waits for work
        if self._thread.is_alive():
            self._thread.join(timeout_seconds)
        if self._thread.is_alive() and (sending := self._sending) is not None:
            _log_lost("alert_dropped", sending, "the service stopped while the alert was being sent; it may not arrive")
        while True:
            try:
                alert = self._queue.get_nowait()
            except queue.Empty:
                return
            if alert is not None:
                _log_lost("alert_dropped", alert, "the service stopped before the alert could be sent")

    def _run(self) -> None:
        while True:
            alert = self._queue.get()
            if alert is None:
                return
            self._sending = alert
            self._deliver(alert)
            self._sending = None
            if self._closing.is_set() and self._queue.empty():
                return

    def _deliver(self, alert: Alert) -> None:
        body = json.dumps(build_payload(alert, host=self._host), default=str).encode()
        started = time.monotonic()
        attempt = 1
        while (failure := self._post(body)) is not None:
            is_last = attempt >= self._attempts or not failure.is_retryable
            if is_last or self._closing.wait(self._backoff_seconds * 2 ** (attempt - 1)):  # closing: no more tries
                _log_lost("alert_failed", alert, failure.reason, webhook=self.origin, attempts=attempt)
                return
            attempt += 1
        log_event(logger, "alert_sent", logging.DEBUG, alert=alert.event, seconds=time.monotonic() - started)

    def _post(self, body: bytes) -> _Failure | None:
        request = urllib.request.Request(  # noqa: S310 - the URL is checked to be http(s) by Settings
            self._url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=self._timeout_seconds) as response:
                response.read(_RESPONSE_BYTES_READ)
        except urllib.error.HTTPError as exc:
            exc.close()
            return _Failure(f"HTTP {exc.code} {exc.reason}", is_retryable=exc.code == 429 or exc.code >= 500)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, bad replies
            reason = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            return _Failure(reason.replace(self._url, self.origin), is_retryable=True)
        return None


def _log_lost(event: str, alert: Alert, reason: str, **fields: object) -> None:
    log_event(
        logger,
        event,
        logging.WARNING,
        alert=alert.event,
        file=alert.fields.get("file"),
        kind=alert.fields.get("kind"),
        reason=reason,
        **fields,
    )
