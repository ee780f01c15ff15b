"""The ledger keeps each load's counted warnings (notes), so --status shows them as the log line did.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema(symbolic: str) -> str:
    # add_column is not schema-translated: it gets the configured name.
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    op.add_column(
        "file_loads", sa.Column("notes", postgresql.JSONB(astext_type=sa.Text()), nullable=True), schema=_schema("staging")
    )


def downgrade() -> None:
    op.drop_column("file_loads", "notes", schema=_schema("staging"))
