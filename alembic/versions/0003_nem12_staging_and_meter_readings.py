"""NEM12 staging (one row per interval reading) and the meter-reading warehouse.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dim_nmi',
    sa.Column('nmi_key', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('nmi', sa.String(length=10), nullable=False),
    sa.Column('suffixes', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('nmi_key', name=op.f('pk_dim_nmi')),
    sa.UniqueConstraint('nmi', name=op.f('uq_dim_nmi_nmi')),
    schema='datawarehouse'
    )
    op.create_table('fact_daily_consumption',
    sa.Column('nmi_key', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('consumption_kwh', sa.Numeric(), nullable=False),
    sa.Column('generation_kwh', sa.Numeric(), nullable=False),
    sa.Column('interval_count', sa.Integer(), nullable=False),
    sa.Column('substituted_or_estimated_intervals', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('nmi_key', 'day', name=op.f('pk_fact_daily_consumption')),
    schema='datawarehouse'
    )
    op.create_table('fact_meter_reading',
    sa.Column('nmi_key', sa.BigInteger(), nullable=False),
    sa.Column('nmi_suffix', sa.Text(), nullable=False),
    sa.Column('reading_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('interval_length', sa.SmallInteger(), nullable=False),
    sa.Column('value', sa.Numeric(), nullable=False),
    sa.Column('uom', sa.Text(), nullable=False),
    sa.Column('consumption_kwh', sa.Numeric(), nullable=True),
    sa.Column('quality_method', sa.Text(), nullable=False),
    sa.Column('reason_code', sa.Text(), nullable=True),
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('nmi_key', 'nmi_suffix', 'reading_at', name=op.f('pk_fact_meter_reading')),
    schema='datawarehouse'
    )
    op.create_table('nem12',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('nmi', sa.String(length=10), nullable=False),
    sa.Column('nmi_suffix', sa.Text(), nullable=False),
    sa.Column('register_id', sa.Text(), nullable=False),
    sa.Column('uom', sa.Text(), nullable=False),
    sa.Column('interval_length', sa.SmallInteger(), nullable=False),
    sa.Column('interval_start', sa.DateTime(), nullable=False),
    sa.Column('value', sa.Numeric(), nullable=False),
    sa.Column('quality_method', sa.Text(), nullable=False),
    sa.Column('reason_code', sa.Text(), nullable=True),
    schema='staging'
    )
    op.create_index('ix_nem12_file_id', 'nem12', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_index(
        'ix_fact_meter_reading_nmi_key_day', 'fact_meter_reading', ['nmi_key', 'day'], schema='datawarehouse'
    )


def downgrade() -> None:
    op.drop_index('ix_fact_meter_reading_nmi_key_day', table_name='fact_meter_reading', schema='datawarehouse')
    op.drop_index('ix_nem12_file_id', table_name='nem12', schema='staging', postgresql_using='brin')
    op.drop_table('nem12', schema='staging')
    op.drop_table('fact_meter_reading', schema='datawarehouse')
    op.drop_table('fact_daily_consumption', schema='datawarehouse')
    op.drop_table('dim_nmi', schema='datawarehouse')
