"""logfmt lines (`key=value key="quoted value"`): pure formatting, no handlers."""

import json
import logging
from collections.abc import Mapping
from typing import Final

_BARE_VALUE_FORBIDDEN: Final = frozenset(' ="\\\n\r\t')


def logfmt_value(value: object) -> str:
    """Render one value: bare when safe, otherwise double-quoted with escapes."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    if text and text.isprintable() and not any(ch in _BARE_VALUE_FORBIDDEN for ch in text):
        return text
    return json.dumps(text, ensure_ascii=False)  # quotes, backslashes and control characters escaped


def logfmt(fields: Mapping[str, object]) -> str:
    """Render `fields` as one logfmt line, in the mapping's order."""
    return " ".join(f"{key}={logfmt_value(value)}" for key, value in fields.items())


class Event:
    """A log message made of an event name and fields, formatted only when a handler emits it."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: Mapping[str, object]) -> None:
        self.name = name
        self.fields = fields

    def __str__(self) -> str:
        return logfmt({"event": self.name, **self.fields})


def log_event(logger: logging.Logger, name: str, /, level: int = logging.INFO, **fields: object) -> None:
    """Log one `event=name key=value ...` line."""
    logger.log(level, "%s", Event(name, fields))
