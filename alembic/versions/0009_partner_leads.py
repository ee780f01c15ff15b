"""Partner lead lists: the partner of each staged lead, the staging table of each file, and leads keyed by partner.

- staging.leads.partner: whose full list a row is part of (a snapshot kind's table has it; null for the
  generic leads kind).
- file_loads.staged_into: the staging table a declared kind's file went into (a partner's kind stages into
  leads); the warehouse builds every file of a table. Existing rows stay null, which means "the kind's own".
- dim_lead.partner and fact_lead_change.partner: the natural key becomes (partner, lead_id), '' for leads of
  no named partner. Existing rows are the generic kind's, so they get ''. The unique index on the current
  version moves from lead_id to (partner, lead_id).

The downgrade refuses while two current leads of different partners share a lead_id (the old key cannot
hold both); otherwise it drops the columns, keeping every row.

Written by hand (reviewed against autogenerate): add_column is not schema-translated, so it gets the
configured schema names; the index operations are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = sa.text("is_current")


def _schema(symbolic: str) -> str:
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    staging, warehouse = _schema("staging"), _schema("datawarehouse")
    op.add_column("leads", sa.Column("partner", sa.Text(), nullable=True), schema=staging)
    op.add_column("file_loads", sa.Column("staged_into", sa.Text(), nullable=True), schema=staging)
    op.add_column("dim_lead", sa.Column("partner", sa.Text(), server_default="", nullable=False), schema=warehouse)
    op.add_column(
        "fact_lead_change", sa.Column("partner", sa.Text(), server_default="", nullable=False), schema=warehouse
    )
    op.drop_index("uq_dim_lead_current_lead_id", table_name="dim_lead", schema="datawarehouse", postgresql_where=_CURRENT)
    op.create_index(
        "uq_dim_lead_current_partner_lead_id",
        "dim_lead",
        ["partner", "lead_id"],
        unique=True,
        schema="datawarehouse",
        postgresql_where=_CURRENT,
    )


def downgrade() -> None:
    _refuse_shared_current_lead_ids()
    staging, warehouse = _schema("staging"), _schema("datawarehouse")
    op.drop_index(
        "uq_dim_lead_current_partner_lead_id", table_name="dim_lead", schema="datawarehouse", postgresql_where=_CURRENT
    )
    op.create_index(
        "uq_dim_lead_current_lead_id", "dim_lead", ["lead_id"], unique=True, schema="datawarehouse", postgresql_where=_CURRENT
    )
    op.drop_column("fact_lead_change", "partner", schema=warehouse)
    op.drop_column("dim_lead", "partner", schema=warehouse)
    op.drop_column("file_loads", "staged_into", schema=staging)
    op.drop_column("leads", "partner", schema=staging)


def _refuse_shared_current_lead_ids() -> None:
    dim_lead = sa.table("dim_lead", sa.column("lead_id"), sa.column("is_current"), schema="datawarehouse")
    shared = (
        sa.select(dim_lead.c.lead_id)
        .where(dim_lead.c.is_current)
        .group_by(dim_lead.c.lead_id)
        .having(sa.func.count() > 1)
        .limit(3)
    )
    lead_ids = list(op.get_bind().execute(shared).scalars())
    if lead_ids:
        raise RuntimeError(
            f"cannot downgrade below 0010: current leads of different partners share lead ids ({', '.join(lead_ids)}, "
            "...), which the old key (lead_id alone) cannot hold; close or delete one partner's versions first"
        )
