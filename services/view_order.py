"""Views that read other views: the one query a view file holds, the views it reads, and the order to create
them in. Pure: no I/O, logging or settings."""

from collections.abc import Sequence
from typing import Final, Protocol, TypeVar

import sqlparse
from sqlparse import tokens

from core.errors import ConfigError
from services.sql_steps import split_statements

_QUERY_STARTS: Final = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})


class NamedQuery(Protocol):
    """What ordering needs of a view (services.bundles.BundleView is one)."""

    @property
    def name(self) -> str:
        """The view's name."""
        ...

    @property
    def query(self) -> str:
        """Its query."""
        ...

    @property
    def source(self) -> str:
        """Where it was written, for messages."""
        ...


View = TypeVar("View", bound=NamedQuery)


def query_of(sql_text: str) -> str:
    """The one query of a view file (comments dropped); ValueError when it holds anything else."""
    statements = split_statements(sql_text)
    first_word = statements[0].lstrip("( \t\r\n").split(None, 1)[0].upper() if len(statements) == 1 else ""
    if first_word not in _QUERY_STARTS:
        raise ValueError(
            "a view file holds exactly one query (SELECT … or WITH … SELECT …), the view's body; "
            "the service creates the view itself, named after the file"
        )
    return statements[0]


def referenced_names(query: str) -> set[str]:
    """The identifiers a query uses, lower case (quoted ones as written): what it may read."""
    names = set()
    for statement in sqlparse.parse(query):
        for token in statement.flatten():  # type: ignore[no-untyped-call]  # sqlparse has no annotations here
            if token.ttype in tokens.Name:
                names.add(token.value.lower())
            elif token.ttype in tokens.String.Symbol:
                names.add(token.value.strip('"').replace('""', '"'))
    return names


def order_views(views: Sequence[View]) -> list[View]:
    """The views, each after the views it reads; otherwise in the order given. ConfigError for a cycle."""
    names = {view.name for view in views}
    reads = {view.name: (referenced_names(view.query) & names) - {view.name} for view in views}
    ordered: list[View] = []
    made: set[str] = set()
    waiting = list(views)
    while waiting:
        ready = next((view for view in waiting if reads[view.name] <= made), None)
        if ready is None:
            cycle = ", ".join(f"{view.source} reads {', '.join(sorted(reads[view.name] - made))}" for view in waiting)
            raise ConfigError(f"views read each other in a cycle, so none can be made first: {cycle}")
        ordered.append(ready)
        made.add(ready.name)
        waiting.remove(ready)
    return ordered
