"""NEM13: staged register read periods, their warehouse fact, and the daily facts' register-read marker.

staging.nem13 holds one row per 250 record; datawarehouse.fact_register_read the current read
periods of each stream; fact_daily_consumption.is_allocated_from_register_reads marks the days
whose energy is (partly) a time-proportional share of register read periods.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema(symbolic: str) -> str:
    return str(context.config.attributes["schema_translate_map"][symbolic])


def upgrade() -> None:
    op.create_table('nem13',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('nmi', sa.String(length=10), nullable=False),
    sa.Column('nmi_suffix', sa.Text(), nullable=False),
    sa.Column('register_id', sa.Text(), nullable=False),
    sa.Column('meter_serial', sa.Text(), nullable=False),
    sa.Column('direction', sa.Text(), nullable=False),
    sa.Column('previous_read', sa.Numeric(), nullable=False),
    sa.Column('previous_read_at', sa.DateTime(), nullable=False),
    sa.Column('previous_quality_method', sa.Text(), nullable=False),
    sa.Column('current_read', sa.Numeric(), nullable=False),
    sa.Column('current_read_at', sa.DateTime(), nullable=False),
    sa.Column('current_quality_method', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Numeric(), nullable=False),
    sa.Column('uom', sa.Text(), nullable=False),
    schema='staging'
    )
    op.create_index('ix_nem13_file_id', 'nem13', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_table('fact_register_read',
    sa.Column('nmi_key', sa.BigInteger(), nullable=False),
    sa.Column('nmi_suffix', sa.Text(), nullable=False),
    sa.Column('register_id', sa.Text(), nullable=False),
    sa.Column('read_from', sa.DateTime(), nullable=False),
    sa.Column('read_to', sa.DateTime(), nullable=False),
    sa.Column('direction', sa.Text(), nullable=False),
    sa.Column('meter_serial', sa.Text(), nullable=False),
    sa.Column('previous_read', sa.Numeric(), nullable=False),
    sa.Column('current_read', sa.Numeric(), nullable=False),
    sa.Column('quantity', sa.Numeric(), nullable=False),
    sa.Column('uom', sa.Text(), nullable=False),
    sa.Column('quantity_kwh', sa.Numeric(), nullable=True),
    sa.Column('quality_method', sa.Text(), nullable=False),
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint(
        'nmi_key', 'nmi_suffix', 'register_id', 'read_from', 'read_to', name=op.f('pk_fact_register_read')
    ),
    schema='datawarehouse'
    )
    # add_column is not schema-translated, so it gets the configured name.
    op.add_column(
        'fact_daily_consumption',
        sa.Column('is_allocated_from_register_reads', sa.Boolean(), server_default=sa.false(), nullable=False),
        schema=_schema('datawarehouse'),
    )


def downgrade() -> None:
    op.drop_column('fact_daily_consumption', 'is_allocated_from_register_reads', schema=_schema('datawarehouse'))
    op.drop_table('fact_register_read', schema='datawarehouse')
    op.drop_index('ix_nem13_file_id', table_name='nem13', schema='staging', postgresql_using='brin')
    op.drop_table('nem13', schema='staging')
