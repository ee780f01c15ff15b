"""Short forms of long text, for the values a reason or warning quotes and the rows a reject keeps."""

from typing import Final

MAX_SHOWN_CHARS: Final = 200  # a value quoted in a reason or a warning
MAX_REJECT_CHARS: Final = 10_000  # the text of a rejected record, kept in staging.rejected_rows


def excerpt(text: str, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """`text` itself when it fits, else its first `max_chars` characters, `…` and its length (`ab… (9 characters)`)."""
    return text if len(text) <= max_chars else f"{text[:max_chars]}… ({len(text)} characters)"
