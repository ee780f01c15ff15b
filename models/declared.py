"""Staging tables for declared kinds, built as ORM models from the columns their declarations give.

Each declared kind gets a real table `staging.<kind>`: lineage (file_id, line_no, source_table for
SQLite files), the declared columns (typed by the caller, services.declarations; a snapshot kind's
table also has `partner`, the partner whose snapshot each row belongs to), and `extra` for fields the
declaration does not know. A kind whose key replaces also gets `<dw>.current_<kind>`: the same columns,
one row per key, from the latest file that had it (filled by `--pipeline`). Alembic sees these tables
like any other once registered.
"""

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import BigInteger, Column, Index, Integer, PrimaryKeyConstraint, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from models.base import STAGING, WAREHOUSE, Base

LINEAGE_COLUMNS: Final = ("file_id", "line_no", "source_table")  # before the declared columns
EXTRA_COLUMN: Final = "extra"  # after them: the fields the declaration does not know, as JSONB
PARTNER_COLUMN: Final = "partner"  # snapshot kinds: whose full list the row is part of (the declaration's partner)
CURRENT_TABLE_PREFIX: Final = "current_"


def _table(name: str, schema: str, columns: Sequence[Column[Any]], *extras: Index | PrimaryKeyConstraint) -> Table:
    """A declared kind's table (registered in the models' metadata once): lineage, the columns, then `extra`."""
    existing = Base.metadata.tables.get(f"{schema}.{name}")
    if existing is not None:
        return existing
    lineage = (
        Column("file_id", BigInteger, nullable=False),
        Column("line_no", Integer, nullable=False),
        Column("source_table", Text, nullable=True),
    )
    extra = Column(EXTRA_COLUMN, JSONB, nullable=True)
    return Table(name, Base.metadata, *lineage, *columns, extra, *extras, schema=schema)


def declared_table(kind: str, columns: Sequence[Column[Any]]) -> Table:
    """The staging table of a declared kind, registered in the models' metadata (once per kind)."""
    return _table(kind, STAGING, columns, Index(f"ix_{kind}_file_id", "file_id", postgresql_using="brin"))


def current_table(kind: str, columns: Sequence[Column[Any]], key: Sequence[str]) -> Table:
    """The current rows of a kind whose key replaces: one per key, in the warehouse (registered once per kind)."""
    return _table(CURRENT_TABLE_PREFIX + kind, WAREHOUSE, columns, PrimaryKeyConstraint(*key))


_MODELS: dict[str, type[Base]] = {}


def declared_model(kind: str, columns: Sequence[Column[Any]]) -> type[Base]:
    """An ORM model class over the declared kind's staging table (made once per kind)."""
    if kind not in _MODELS:
        table = declared_table(kind, columns)
        name = "Staged" + "".join(part.title() for part in kind.split("_"))
        attributes = {"__table__": table, "__mapper_args__": {"primary_key": [table.c.file_id, table.c.line_no]}}
        _MODELS[kind] = type(name, (Base,), attributes)
    return _MODELS[kind]
