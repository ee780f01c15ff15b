"""The two kinds of failure the service distinguishes."""


class BadFileError(Exception):
    """The file itself is wrong: quarantine it with `reason` (and `line` where it applies)."""

    def __init__(self, reason: str, *, detail: str = "", line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.line = line


class TransientError(Exception):
    """The system's fault, not the file's (database down or refusing, disk full): keep the file, retry later."""


class FileChangedError(TransientError):
    """The file changed while it was being loaded: it was not complete, so wait for it to settle again."""


class ConfigError(Exception):
    """The configuration cannot work (a database that does not exist, a wrong password): exit 2."""
