"""The F1 season statistics bundle (services/kinds/f1_season_stats/): the staging tables of races and results, and
their current rows (replace_by_key: one row per raceId / resultId, from the latest file; filled by --pipeline).

Generated with `python main.py --make-migration "f1 season stats bundle"` from the bundle's declarations, reviewed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('current_f1_races',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('race_id', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.BigInteger(), nullable=False),
    sa.Column('round', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('race_id', name=op.f('pk_current_f1_races')),
    schema='datawarehouse'
    )
    op.create_table('current_f1_results',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('result_id', sa.BigInteger(), nullable=False),
    sa.Column('race_id', sa.BigInteger(), nullable=False),
    sa.Column('driver_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=True),
    sa.Column('fastest_lap_time', sa.Text(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('result_id', name=op.f('pk_current_f1_results')),
    schema='datawarehouse'
    )
    op.create_table('f1_races',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('race_id', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.BigInteger(), nullable=False),
    sa.Column('round', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_f1_races_file_id', 'f1_races', ['file_id'], unique=False, schema='staging', postgresql_using='brin')
    op.create_table('f1_results',
    sa.Column('file_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('source_table', sa.Text(), nullable=True),
    sa.Column('result_id', sa.BigInteger(), nullable=False),
    sa.Column('race_id', sa.BigInteger(), nullable=False),
    sa.Column('driver_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=True),
    sa.Column('fastest_lap_time', sa.Text(), nullable=True),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    schema='staging'
    )
    op.create_index('ix_f1_results_file_id', 'f1_results', ['file_id'], unique=False, schema='staging', postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_f1_results_file_id', table_name='f1_results', schema='staging', postgresql_using='brin')
    op.drop_table('f1_results', schema='staging')
    op.drop_index('ix_f1_races_file_id', table_name='f1_races', schema='staging', postgresql_using='brin')
    op.drop_table('f1_races', schema='staging')
    op.drop_table('current_f1_results', schema='datawarehouse')
    op.drop_table('current_f1_races', schema='datawarehouse')
