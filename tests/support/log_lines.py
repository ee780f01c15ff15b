"""Reading the service's logfmt lines back: `ts=… level=… logger=… event=… key=value key="quoted value"`."""

import json
import re
from typing import Final

_FIELD: Final = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line: str) -> dict[str, str]:
    """The fields of one logfmt line, quoted values unquoted."""
    fields = {}
    for key, raw in _FIELD.findall(line):
        fields[key] = json.loads(raw) if raw.startswith('"') else raw  # quoted values are JSON strings
    return fields


def events_in(text: str, event: str) -> list[dict[str, str]]:
    """Every `event=EVENT` line of a log text, parsed, in order."""
    return [parse_logfmt(line) for line in text.splitlines() if f" event={event} " in f"{line} "]
