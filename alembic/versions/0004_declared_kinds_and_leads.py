"""Declared kinds: per-file column maps, the shipped `leads` kind's staging table, lead history.

staging.leads is generated from services/kinds/leads.toml (autogenerate over its model);
dim_lead is a type 2 slowly changing dimension and fact_lead_change records each snapshot's effect.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema(symbolic: str) -> str:
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    op.create_table('dim_lead',
    sa.Column('lead_key', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('lead_id', sa.Text(), nullable=False),
    sa.Column('company', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('zip', sa.String(length=5), nullable=True),
    sa.Column('capacity', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('opened_by_file_id', sa.BigInteger(), nullable=False),
    sa.Column('closed_by_file_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('lead_key', name=op.f('pk_dim_lead')),
    schema='datawarehouse'
    )
    op.create_index('uq_dim_lead_current_lead_id', 'dim_lead', ['lead_id'], unique=True, schema='datawarehouse', postgresql_where=sa.text('is_current'))
    op.create_table('fact_lead_change',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('lead_id', sa.Text(), nullable=False),
    sa.Column('change', sa.Text(), nullable=False),
    sa.CheckConstraint("change IN ('new', 'changed', 'unchanged', 'removed')", name=op.f('ck_fact_lead_change_change')),
    sa.PrimaryKeyConstraint('file_id', 'lead_id', name=op.f('pk_fact_lead_change')),
    schema='datawarehouse'
    )
    op.create_table('leads',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('lead_id', sa.Text(), nullable=False),
    sa.Column('company', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('zip', sa.String(length=5), nullable=True),
    sa.Column('capacity', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.Date(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_leads_file_id', 'leads', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    # add_column is not schema-translated, so it gets the configured name.
    op.add_column(
        'file_loads',
        sa.Column('column_map', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema=_schema('staging'),
    )


def downgrade() -> None:
    op.drop_column('file_loads', 'column_map', schema=_schema('staging'))
    op.drop_index('ix_leads_file_id', table_name='leads', schema='staging', postgresql_using='brin')
    op.drop_table('leads', schema='staging')
    op.drop_table('fact_lead_change', schema='datawarehouse')
    op.drop_index('uq_dim_lead_current_lead_id', table_name='dim_lead', schema='datawarehouse', postgresql_where=sa.text('is_current'))
    op.drop_table('dim_lead', schema='datawarehouse')
