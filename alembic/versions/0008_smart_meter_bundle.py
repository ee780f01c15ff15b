"""The smart-meter case study bundle (services/kinds/smart_meter/): its kinds' staging tables, and the current rows
of each (replace_by_key: one row per key, from the latest file; filled by --pipeline).

Generated with `python main.py --make-migration "smart meter bundle"` from the bundle's declarations, reviewed.
The relinking note: written on top of 0006 while 0007 was in flight elsewhere; the lead relinks at merge.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('current_smart_meter_agreements',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('agreement_id', sa.BigInteger(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('account_id', sa.Text(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_current_smart_meter_agreements')),
    schema='datawarehouse'
    )
    op.create_table('current_smart_meter_meterpoints',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('region', sa.Text(), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('meterpoint_id', name=op.f('pk_current_smart_meter_meterpoints')),
    schema='datawarehouse'
    )
    op.create_table('current_smart_meter_products',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('is_variable', sa.BigInteger(), nullable=True),
    sa.Column('product_number', sa.BigInteger(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_current_smart_meter_products')),
    schema='datawarehouse'
    )
    op.create_table('current_smart_meter_readings',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('interval_start', sa.DateTime(), nullable=False),
    sa.Column('consumption_kwh', sa.Numeric(), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('meterpoint_id', 'interval_start', name=op.f('pk_current_smart_meter_readings')),
    schema='datawarehouse'
    )
    op.create_table('smart_meter_agreements',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('agreement_id', sa.BigInteger(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('account_id', sa.Text(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_smart_meter_agreements_file_id', 'smart_meter_agreements', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_table('smart_meter_meterpoints',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('region', sa.Text(), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_smart_meter_meterpoints_file_id', 'smart_meter_meterpoints', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_table('smart_meter_products',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('is_variable', sa.BigInteger(), nullable=True),
    sa.Column('product_number', sa.BigInteger(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_smart_meter_products_file_id', 'smart_meter_products', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_table('smart_meter_readings',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('meterpoint_id', sa.Text(), nullable=False),
    sa.Column('interval_start', sa.DateTime(), nullable=False),
    sa.Column('consumption_kwh', sa.Numeric(), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_smart_meter_readings_file_id', 'smart_meter_readings', ['file_id'], unique=False, schema='staging', postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_smart_meter_readings_file_id', table_name='smart_meter_readings', schema='staging', postgresql_using='brin')
    op.drop_table('smart_meter_readings', schema='staging')
    op.drop_index('ix_smart_meter_products_file_id', table_name='smart_meter_products', schema='staging', postgresql_using='brin')
    op.drop_table('smart_meter_products', schema='staging')
    op.drop_index('ix_smart_meter_meterpoints_file_id', table_name='smart_meter_meterpoints', schema='staging', postgresql_using='brin')
    op.drop_table('smart_meter_meterpoints', schema='staging')
    op.drop_index('ix_smart_meter_agreements_file_id', table_name='smart_meter_agreements', schema='staging', postgresql_using='brin')
    op.drop_table('smart_meter_agreements', schema='staging')
    op.drop_table('current_smart_meter_readings', schema='datawarehouse')
    op.drop_table('current_smart_meter_products', schema='datawarehouse')
    op.drop_table('current_smart_meter_meterpoints', schema='datawarehouse')
    op.drop_table('current_smart_meter_agreements', schema='datawarehouse')
