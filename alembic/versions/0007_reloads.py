"""--reload: a load can replace an earlier load of the same content (status 'replaced', reload_of).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES_BEFORE = "status IN ('loading', 'loaded', 'duplicate', 'failed', 'interrupted')"
_STATUSES_AFTER = "status IN ('loading', 'loaded', 'duplicate', 'failed', 'interrupted', 'replaced')"


def _schema(symbolic: str) -> str:
    # add_column and the constraint operations are not schema-translated: they get the configured name.
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    staging = _schema("staging")
    op.add_column("file_loads", sa.Column("reload_of", sa.BigInteger(), nullable=True), schema=staging)
    op.create_foreign_key(
        op.f("fk_file_loads_reload_of_file_loads"),
        "file_loads",
        "file_loads",
        ["reload_of"],
        ["id"],
        source_schema=staging,
        referent_schema=staging,
    )
    op.drop_constraint(op.f("ck_file_loads_status"), "file_loads", schema=staging, type_="check")
    op.create_check_constraint(op.f("ck_file_loads_status"), "file_loads", _STATUSES_AFTER, schema=staging)


def downgrade() -> None:
    staging = _schema("staging")
    op.execute(
        sa.text(f"UPDATE {op.get_bind().dialect.identifier_preparer.quote_schema(staging)}.file_loads "
                "SET status = 'interrupted' WHERE status = 'replaced'")
    )
    op.drop_constraint(op.f("ck_file_loads_status"), "file_loads", schema=staging, type_="check")
    op.create_check_constraint(op.f("ck_file_loads_status"), "file_loads", _STATUSES_BEFORE, schema=staging)
    op.drop_constraint(op.f("fk_file_loads_reload_of_file_loads"), "file_loads", schema=staging, type_="foreignkey")
    op.drop_column("file_loads", "reload_of", schema=staging)
