"""Values taken out of a cell by a declared pattern (a declared kind's `[[derive]]`): checking the pattern at
start-up, and applying it to one cell.

A pattern is a Python regular expression whose named groups name the columns they fill
(`(?P<lead_id>K\\d+)$` takes `K820055232` out of `CHILD CARE FAMILY - K820055232`). It runs once per
row, so it must not be able to backtrack catastrophically: a pattern that repeats something which can
itself vary in length (`(a+)+`, `(\\w+\\s?)*`) or choose between branches (`(a|ab)*`) is refused, as are
backreferences; a cell longer than MAX_DERIVE_CHARS is not searched at all (a counted warning). Pure:
no I/O, logging or settings.
"""

import re
from collections.abc import Iterator

# CPython's own regex parser (the `sre_parse` of earlier versions, whose old name is deprecated): the
# only exact way to see a pattern's structure. Not in typeshed, so it is `Any` here and nowhere else.
from re import _parser as _sre  # type: ignore[attr-defined]  # private but stable since 3.11 (typeshed lacks it)
from typing import Any, Final

MAX_DERIVE_CHARS: Final = 1000

_REPEATS: Final = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})
_BACKREFERENCES: Final = frozenset({_sre.GROUPREF, _sre.GROUPREF_EXISTS})


def check_pattern(text: str) -> re.Pattern[str]:
    """The compiled pattern; ValueError saying why it is refused (not a regex, no named group, could backtrack)."""
    try:
        compiled = re.compile(text)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    if not compiled.groupindex:
        raise ValueError("the pattern has no named group, like (?P<zip>[0-9]{5}), to say which column it fills")
    for op, argument, is_inside_repeat in _nodes(_sre.parse(text), is_inside_repeat=False):
        if op in _BACKREFERENCES:
            raise ValueError("backreferences are not allowed in a pattern that runs on every row")
        if is_inside_repeat and (op == _sre.BRANCH or (op in _REPEATS and _varies(argument))):
            raise ValueError(
                "a repeated part of the pattern contains a quantifier or alternatives of its own, which can "
                "backtrack catastrophically on every row; repeat a single character class instead"
            )
    return compiled


def _varies(repeat: tuple[int, int, object]) -> bool:
    minimum, maximum, _ = repeat
    return bool(minimum != maximum)


def _nodes(items: Any, *, is_inside_repeat: bool) -> Iterator[tuple[Any, Any, bool]]:
    """Every (op, argument) of a parsed pattern, and whether it sits inside a part that can repeat."""
    for op, argument in items:
        yield op, argument, is_inside_repeat
        for child, repeats in _children(op, argument):
            yield from _nodes(child, is_inside_repeat=is_inside_repeat or repeats)


def _children(op: Any, argument: Any) -> Iterator[tuple[Any, bool]]:
    """The sub-patterns of one node, and whether the node repeats them more than once."""
    if op in _REPEATS:
        _, maximum, body = argument
        yield body, maximum > 1
    elif op == _sre.SUBPATTERN:
        yield argument[3], False
    elif op == _sre.BRANCH:
        yield from ((branch, False) for branch in argument[1])
    elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
        yield argument[1], False
    elif op == _sre.ATOMIC_GROUP:
        yield argument, False


def derive_values(pattern: re.Pattern[str], cell: str) -> dict[str, str | None]:
    """The named groups' text (trimmed; None when a group took no part or is blank); ValueError when no match."""
    if len(cell) > MAX_DERIVE_CHARS:
        raise ValueError(f"the cell is longer than {MAX_DERIVE_CHARS} characters, so the pattern was not tried")
    found = pattern.search(cell)
    if found is None:
        raise ValueError("does not match the declared pattern")
    return {name: (value.strip() or None) if value is not None else None for name, value in found.groupdict().items()}
