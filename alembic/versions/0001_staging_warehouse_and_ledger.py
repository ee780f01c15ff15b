"""Staging and warehouse schemas, the load ledger, job-title staging and its star schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateSchema, DropSchema

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table schemas below are symbolic ("staging", "datawarehouse"); the connection's
# schema_translate_map renames them. Statements that name a schema directly use _schema().


def _schema(symbolic: str) -> str:
    return str(context.config.attributes["schema_translate_map"][symbolic])


def _quoted(symbolic: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote_schema(_schema(symbolic))


def upgrade() -> None:
    op.execute(CreateSchema(_schema("staging"), if_not_exists=True))
    op.execute(CreateSchema(_schema("datawarehouse"), if_not_exists=True))
    _create_ledger()
    _create_staging_tables()
    _create_warehouse_tables()
    _create_normalize_title()


def _create_ledger() -> None:
    op.create_table(
        "file_loads",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("rows_loaded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("encoding", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.BigInteger(), nullable=True),
        sa.Column("archived_as", sa.Text(), nullable=True),
        sa.Column("worker", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('loading', 'loaded', 'duplicate', 'failed', 'interrupted')",
            name=op.f("ck_file_loads_status"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["staging.file_loads.id"], name=op.f("fk_file_loads_duplicate_of_file_loads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_loads")),
        schema="staging",
    )
    op.create_index("ix_file_loads_status", "file_loads", ["status"], schema="staging")
    op.create_index(
        "uq_file_loads_sha256_loaded",
        "file_loads",
        ["sha256"],
        unique=True,
        schema="staging",
        postgresql_where=sa.text("status = 'loaded'"),
    )


def _create_staging_tables() -> None:
    op.create_table(
        "job_titles",
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("pdl_count", sa.BigInteger(), nullable=True),
        sa.Column("related_titles", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="staging",
    )
    op.create_index(
        "ix_job_titles_file_id", "job_titles", ["file_id"], schema="staging", postgresql_using="brin"
    )
    op.create_table(
        "rejected_rows",
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["staging.file_loads.id"],
            name=op.f("fk_rejected_rows_file_id_file_loads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "line_no", name=op.f("pk_rejected_rows")),
        schema="staging",
    )


def _create_warehouse_tables() -> None:
    op.create_table(
        "pipeline_files",
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("rows_in", sa.BigInteger(), nullable=False),
        sa.Column("rows_left_out", sa.BigInteger(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["staging.file_loads.id"], name=op.f("fk_pipeline_files_file_id_file_loads")
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_pipeline_files")),
        schema="datawarehouse",
    )
    op.create_table(
        "dim_job_title",
        sa.Column("title_key", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("title_key", name=op.f("pk_dim_job_title")),
        sa.UniqueConstraint("title", name=op.f("uq_dim_job_title_title")),
        schema="datawarehouse",
    )
    op.create_table(
        "fact_title_popularity",
        sa.Column("title_key", sa.BigInteger(), nullable=False),
        sa.Column("pdl_count", sa.BigInteger(), nullable=True),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["staging.file_loads.id"], name=op.f("fk_fact_title_popularity_file_id_file_loads")
        ),
        sa.ForeignKeyConstraint(
            ["title_key"],
            ["datawarehouse.dim_job_title.title_key"],
            name=op.f("fk_fact_title_popularity_title_key_dim_job_title"),
        ),
        sa.PrimaryKeyConstraint("title_key", name=op.f("pk_fact_title_popularity")),
        schema="datawarehouse",
    )
    op.create_table(
        "bridge_related_title",
        sa.Column("title_key", sa.BigInteger(), nullable=False),
        sa.Column("related_title_key", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["staging.file_loads.id"], name=op.f("fk_bridge_related_title_file_id_file_loads")
        ),
        sa.ForeignKeyConstraint(
            ["related_title_key"],
            ["datawarehouse.dim_job_title.title_key"],
            name=op.f("fk_bridge_related_title_related_title_key_dim_job_title"),
        ),
        sa.ForeignKeyConstraint(
            ["title_key"],
            ["datawarehouse.dim_job_title.title_key"],
            name=op.f("fk_bridge_related_title_title_key_dim_job_title"),
        ),
        sa.PrimaryKeyConstraint("title_key", "related_title_key", name=op.f("pk_bridge_related_title")),
        sa.UniqueConstraint("title_key", "position", name=op.f("uq_bridge_related_title_title_key_position")),
        schema="datawarehouse",
    )


def _create_normalize_title() -> None:
    # NFKC, lower case, ASCII whitespace runs collapsed to one space, trimmed; punctuation kept.
    # NFKC has already folded Unicode spaces (no-break, ideographic, ...) to plain spaces.
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {_quoted("datawarehouse")}.normalize_title(raw text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN btrim(regexp_replace(lower(normalize(raw, NFKC)), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' ')
        """
    )


def downgrade() -> None:
    op.execute(DropSchema(_schema("datawarehouse"), cascade=True, if_exists=True))
    op.drop_table("rejected_rows", schema="staging")
    op.drop_table("job_titles", schema="staging")
    op.drop_table("file_loads", schema="staging")
