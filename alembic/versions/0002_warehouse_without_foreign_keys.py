"""Warehouse fact and bridge tables without foreign keys, for build speed.

The build SQL writes only keys it has just looked up in dim_job_title; checking 12 million bridge
rows one by one made a 1M-row build several times slower. Integrity is checked by the tests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROPPED = {
    "fact_title_popularity": [
        "fk_fact_title_popularity_file_id_file_loads",
        "fk_fact_title_popularity_title_key_dim_job_title",
    ],
    "bridge_related_title": [
        "fk_bridge_related_title_file_id_file_loads",
        "fk_bridge_related_title_related_title_key_dim_job_title",
        "fk_bridge_related_title_title_key_dim_job_title",
        "uq_bridge_related_title_title_key_position",
    ],
}


def upgrade() -> None:
    for table, constraints in _DROPPED.items():
        for name in constraints:
            op.drop_constraint(name, table, schema="datawarehouse")


def downgrade() -> None:
    op.create_foreign_key(
        "fk_fact_title_popularity_file_id_file_loads",
        "fact_title_popularity",
        "file_loads",
        ["file_id"],
        ["id"],
        source_schema="datawarehouse",
        referent_schema="staging",
    )
    op.create_foreign_key(
        "fk_fact_title_popularity_title_key_dim_job_title",
        "fact_title_popularity",
        "dim_job_title",
        ["title_key"],
        ["title_key"],
        source_schema="datawarehouse",
        referent_schema="datawarehouse",
    )
    op.create_foreign_key(
        "fk_bridge_related_title_file_id_file_loads",
        "bridge_related_title",
        "file_loads",
        ["file_id"],
        ["id"],
        source_schema="datawarehouse",
        referent_schema="staging",
    )
    for column in ("related_title_key", "title_key"):
        op.create_foreign_key(
            f"fk_bridge_related_title_{column}_dim_job_title",
            "bridge_related_title",
            "dim_job_title",
            [column],
            ["title_key"],
            source_schema="datawarehouse",
            referent_schema="datawarehouse",
        )
    op.create_unique_constraint(
        "uq_bridge_related_title_title_key_position",
        "bridge_related_title",
        ["title_key", "position"],
        schema="datawarehouse",
    )
