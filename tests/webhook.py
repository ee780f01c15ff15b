"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that keeps every JSON body POSTed to it.

It can answer with another status, or hold each request (until released, or for a while) to play a slow receiver.
Also a plain GET and a free port, for the metrics endpoint.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

T = TypeVar("T")
SECRET_PATH = "/services/T0AAAAAAA/B0BBBBBBB/s3cr3tW3bh00kT0k3n"  # looks like a Slack webhook's secret part


@dataclass
class Receiver:
    """What the receiver got, and how it answers."""

    port: int = 0
    status: int = 200
    hold_seconds: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    in_flight: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The webhook URL, with a secret-looking path."""
        return f"http://127.0.0.1:{self.port}{SECRET_PATH}"

    def events(self, name: str) -> list[dict[str, Any]]:
        """The bodies received for one alert event."""
        with self.lock:
            return [body for body in self.received if body.get("event") == name]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(json.loads(body))
                receiver.paths.append(self.path)
                receiver.in_flight += 1
            try:
                if receiver.hold_seconds:
                    receiver.released.wait(receiver.hold_seconds)
                self.send_response(receiver.status)
                if 300 <= receiver.status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting and closed the connection
            finally:
                with receiver.lock:
                    receiver.in_flight -= 1

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver(status: int = 200, hold_seconds: float = 0.0) -> Iterator[Receiver]:
    """A running receiver on a free port of 127.0.0.1; stopped (and any held request released) afterwards."""
    receiver = Receiver(status=status, hold_seconds=hold_seconds)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()


def http_get(url: str) -> tuple[int, str]:
    """GET `url`: its status and body, also for 4xx and 5xx answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll a plain function until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return value
