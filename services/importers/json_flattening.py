"""Nested JSON objects flattened into one level of field names (`address.city` -> `address_city`).

Pure: no I/O, logging or settings.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Flattened:
    """A flattened object, and the paths whose flattened name was already taken (their values were dropped)."""

    values: dict[str, object]
    clashes: tuple[tuple[str, ...], ...]


def _leaves(obj: Mapping[str, object]) -> Iterator[tuple[tuple[str, ...], object]]:
    """(path, value) of every non-object value, depth first in document order; a stack, so depth is unbounded."""
    stack: list[tuple[tuple[str, ...], Iterator[tuple[object, object]]]] = [((), iter(obj.items()))]
    while stack:
        path, items = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        key, value = item
        if isinstance(value, Mapping):
            stack.append(((*path, str(key)), iter(value.items())))
        else:
            yield (*path, str(key)), value


def flatten_with_clashes(obj: Mapping[str, object], *, separator: str = "_") -> Flattened:
    """Nested objects flattened (`{"a": {"b": 1}}` -> `{"a_b": 1}`); on a name clash the first value wins."""
    values: dict[str, object] = {}
    clashes: list[tuple[str, ...]] = []
    for path, value in _leaves(obj):
        name = separator.join(path)
        if name in values:
            clashes.append(path)
        else:
            values[name] = value
    return Flattened(values, tuple(clashes))


def flatten(obj: Mapping[str, object], *, separator: str = "_") -> dict[str, object]:
    """Nested objects flattened with `separator`; lists and scalars kept as values, the first of clashing names wins."""
    return flatten_with_clashes(obj, separator=separator).values
