"""What an alert says: the events, their one human sentence, the JSON body and the webhook's loggable name.

Pure functions; services/alerts.py sends what they build. The body carries `text` (what Slack, Teams and
Mattermost incoming webhooks show) plus the same facts as fields for receivers that route on them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

SERVICE_NAME: Final = "dropfolder"
MAX_TEXT_CHARS: Final = 2000
# Every body has these keys (null where they do not apply), so a receiver can rely on its shape.
COMMON_FIELDS: Final = ("file", "kind", "reason")
_DURATION_UNITS: Final = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@dataclass(frozen=True)
class Alert:
    """One alert: its event name, one human sentence, and the facts behind it."""

    event: str
    text: str
    fields: Mapping[str, object] = field(default_factory=dict)


def quarantine_alert(file_name: str, kind: str | None, reason: str, moved_to: str | None) -> Alert:
    """A file was quarantined (said for every one)."""
    text = f"{SERVICE_NAME}: quarantined {file_name} ({kind or 'unrecognised'}): {reason}"
    return Alert("file_quarantined", text, {"file": file_name, "kind": kind, "reason": reason, "moved_to": moved_to})


def fault_alert(reason: str, file_name: str, files_waiting: int) -> Alert:
    """A spell of system trouble began: files wait in the drop folder until it is fixed."""
    text = (
        f"{SERVICE_NAME}: system fault, not the files' fault: {reason}. "
        f"{_files(files_waiting)} waiting in the drop folder; they are retried until this is fixed"
    )
    return Alert("system_fault", text, {"file": file_name, "reason": reason, "files_waiting": files_waiting})


def recovery_alert(seconds: float, failed_attempts: int, last_reason: str) -> Alert:
    """The spell of system trouble ended: a file was handled again."""
    text = (
        f"{SERVICE_NAME}: recovered after {human_duration(seconds)} "
        f"({failed_attempts} failed attempts); the fault was: {last_reason}"
    )
    return Alert(
        "system_recovered",
        text,
        {"reason": last_reason, "seconds": round(seconds, 3), "failed_attempts": failed_attempts},
    )


def silence_alert(
    kind: str, silent_for: timedelta, expected_every: timedelta, last_loaded_at: datetime | None
) -> Alert:
    """No file of `kind` has loaded for longer than it is expected to arrive."""
    since = f"since {last_loaded_at:%Y-%m-%d %H:%M} UTC" if last_loaded_at else "since the service started"
    reason = (
        f"no {kind} file has loaded for {human_duration(silent_for.total_seconds())} ({since}); "
        f"one is expected every {human_duration(expected_every.total_seconds())}"
    )
    return Alert(
        "kind_silent",
        f"{SERVICE_NAME}: {reason}",
        {
            "kind": kind,
            "reason": reason,
            "last_loaded_at": last_loaded_at.isoformat() if last_loaded_at else None,
            "expected_every_seconds": expected_every.total_seconds(),
        },
    )


def build_payload(alert: Alert, *, host: str) -> dict[str, object]:
    """The JSON body: `text` for chat tools, then `event`, `file`, `kind`, `reason`, the other facts, the sender."""
    common = {name: alert.fields.get(name) for name in COMMON_FIELDS}
    return {
        "text": escape_chat_text(_shortened(alert.text)),
        "event": alert.event,
        **common,
        **alert.fields,
        "service": SERVICE_NAME,
        "host": host,
    }


def escape_chat_text(text: str) -> str:
    """Escape `&`, `<` and `>` as Slack asks, so a file name like `<!channel>` cannot ping or link anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_origin(url: str) -> str:
    """The webhook's scheme, host and port: all of it that may be logged (its path and query are the secret)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: say nothing of it rather than echo part of the URL
        port = ""
    return f"{parts.scheme}://{host}{port}"


def human_duration(seconds: float) -> str:
    """`90061` → "1 day 1 hour": the largest whole unit and the next one, for people."""
    remaining = max(0, round(seconds))
    counts = []
    for name, size in _DURATION_UNITS:
        count, remaining = divmod(remaining, size)
        counts.append((count, name))
    first = next((index for index, (count, _) in enumerate(counts) if count), len(counts) - 1)
    shown = [f"{count} {name}{'s' if count != 1 else ''}" for count, name in counts[first : first + 2] if count]
    return " ".join(shown) or "0 seconds"


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"
