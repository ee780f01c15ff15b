"""Ledger rows for the parts of container files (a SQLite file's tables, a zip's members).

Each part gets its own row (its kind, rows and, for an archive member, its content hash), pointing at
the container's row with part_of; the warehouse builds parts like any other loaded file of their kind.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema(symbolic: str) -> str:
    # add_column and the constraint operations are not schema-translated: they get the configured name.
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    op.add_column("file_loads", sa.Column("part_of", sa.BigInteger(), nullable=True), schema=_schema("staging"))
    op.add_column("file_loads", sa.Column("part_name", sa.Text(), nullable=True), schema=_schema("staging"))
    op.create_foreign_key(
        op.f("fk_file_loads_part_of_file_loads"),
        "file_loads",
        "file_loads",
        ["part_of"],
        ["id"],
        source_schema=_schema("staging"),
        referent_schema=_schema("staging"),
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_file_loads_part_of_file_loads"), "file_loads", schema=_schema("staging"), type_="foreignkey")
    op.drop_column("file_loads", "part_name", schema=_schema("staging"))
    op.drop_column("file_loads", "part_of", schema=_schema("staging"))
