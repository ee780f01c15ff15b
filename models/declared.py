"""Staging tables for declared kinds, built as ORM models from their declarations.

Each declared kind gets a real table `staging.<kind>`: lineage (file_id, line_no, source_table for
SQLite files), its canonical columns typed, and `extra` for columns the declaration does not know.
Alembic sees these models like any other once `register_declared_models` has run.
"""

from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from models.base import STAGING, Base

if TYPE_CHECKING:
    from services.declarations import KindDeclaration

SQL_TYPES: Final[dict[str, TypeEngine[Any]]] = {
    "text": Text(),
    "integer": BigInteger(),
    "date": Date(),
    "email": Text(),
    "phone": Text(),
    "us_state": String(2),
    "zip": String(5),
}


def declared_table(declaration: "KindDeclaration") -> Table:
    """The staging table of a declared kind, registered in the models' metadata (once per kind)."""
    key = f"{STAGING}.{declaration.kind}"
    existing = Base.metadata.tables.get(key)
    if existing is not None:
        return existing
    return Table(
        declaration.kind,
        Base.metadata,
        Column("file_id", BigInteger, nullable=False),
        Column("line_no", Integer, nullable=False),
        Column("source_table", Text, nullable=True),
        *(Column(c.name, SQL_TYPES[c.type], nullable=not c.required) for c in declaration.columns),
        Column("extra", JSONB, nullable=True),
        Index(f"ix_{declaration.kind}_file_id", "file_id", postgresql_using="brin"),
        schema=STAGING,
    )


_MODELS: dict[str, type[Base]] = {}


def declared_model(declaration: "KindDeclaration") -> type[Base]:
    """An ORM model class over the declared kind's staging table (made once per kind)."""
    if declaration.kind not in _MODELS:
        table = declared_table(declaration)
        name = "Staged" + "".join(part.title() for part in declaration.kind.split("_"))
        attributes = {"__table__": table, "__mapper_args__": {"primary_key": [table.c.file_id, table.c.line_no]}}
        _MODELS[declaration.kind] = type(name, (Base,), attributes)
    return _MODELS[declaration.kind]


def register_declared_models(declarations: "tuple[KindDeclaration, ...]") -> list[type[Base]]:
    """Add every declared kind's staging model to the metadata alembic compares against."""
    return [declared_model(declaration) for declaration in declarations]
