"""Polling with a deadline: for a condition the code under test will make true soon, but not at a known instant."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class _Deadline:
    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise TimeoutError(f"timed out after {self.seconds}s waiting for {self.what}")


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 60, what: str = "condition", poll_seconds: float = 0.1
) -> T:
    """Await `check` until it returns something truthy and return that; TimeoutError after `timeout` seconds."""
    deadline = _Deadline(timeout, what)
    while not (value := await check()):
        deadline.check()
        await asyncio.sleep(poll_seconds)
    return value


def wait_until(check: Callable[[], T | None], *, timeout: float, what: str, poll_seconds: float = 0.05) -> T:
    """`eventually` for a plain function, blocking (from async code, run it in a thread)."""
    deadline = _Deadline(timeout, what)
    while not (value := check()):
        deadline.check()
        time.sleep(poll_seconds)
    return value
