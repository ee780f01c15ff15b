"""Related titles as one ordered array of keys per title; bridge_related_title becomes a view over it.

A 1M-row file has about 12 million related links: as rows of a bridge table they were most of the
warehouse build (and of its size). Now `fact_related_titles` holds one row per title with its related
title keys in order, and the view `bridge_related_title` unnests them with their position, so every
query, view and BI tool still sees title -> related title -> position. Existing links are moved over,
so a warehouse keeps its answers; the downgrade moves them back into a table.

normalize_title gets a fast path with the same results: a title that is already NFKC-normalised and has
no whitespace to collapse is only lower-cased and trimmed (the full path cost 2.2 s per million titles,
most of the first build's reading step; the fast path 0.7 s).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _quoted(symbolic: str) -> str:
    """A schema's configured name, quoted, for statements that name it directly."""
    name = str(context.config.attributes["schema_translate_map"][symbolic])
    return op.get_bind().dialect.identifier_preparer.quote_schema(name)


# The rule of revision 0001 (NFKC, lower case, runs of ASCII whitespace to one space, trimmed), and the
# same rule with a fast path. Not STRICT, so that Postgres inlines the CASE (a NULL title gives NULL either way).
_NORMALIZE_TITLE_0001 = """
    CREATE OR REPLACE FUNCTION {dw}.normalize_title(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(lower(normalize(raw, NFKC)), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' ')
"""
_NORMALIZE_TITLE_0006 = """
    CREATE OR REPLACE FUNCTION {dw}.normalize_title(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN raw IS NFKC NORMALIZED AND raw !~ '[\\t\\n\\r\\f\\v]|  ' THEN btrim(lower(raw), ' ')
        ELSE btrim(regexp_replace(lower(normalize(raw, NFKC)), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' ')
    END
"""


def upgrade() -> None:
    # The build reads a file's staged rows through the BRIN index on file_id once the planner knows that
    # file_id follows the heap order; it samples that before each file, and 300 rows are plenty.
    op.execute(f"ALTER TABLE {_quoted('staging')}.job_titles ALTER COLUMN file_id SET STATISTICS 1")
    op.create_table(
        "fact_related_titles",
        sa.Column("title_key", sa.BigInteger(), nullable=False),
        sa.Column("related_title_keys", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("title_key", name=op.f("pk_fact_related_titles")),
        schema="datawarehouse",
    )
    dw = _quoted("datawarehouse")
    # Every title with a count has a related list (empty when its file gave none); a title's links all
    # come from its latest file, the same file as its count.
    op.execute(
        f"""
        INSERT INTO {dw}.fact_related_titles (title_key, related_title_keys, file_id)
        SELECT title_key, array_agg(related_title_key ORDER BY position), min(file_id)
        FROM {dw}.bridge_related_title
        GROUP BY title_key
        UNION ALL
        SELECT fact.title_key, '{{}}', fact.file_id
        FROM {dw}.fact_title_popularity AS fact
        WHERE NOT EXISTS (SELECT FROM {dw}.bridge_related_title AS bridge WHERE bridge.title_key = fact.title_key)
        """
    )
    op.drop_table("bridge_related_title", schema="datawarehouse")
    op.execute(
        f"""
        CREATE VIEW {dw}.bridge_related_title AS
        SELECT fact.title_key,
               related.related_title_key,
               related.position::integer AS position,
               fact.file_id
        FROM {dw}.fact_related_titles AS fact
        CROSS JOIN LATERAL unnest(fact.related_title_keys) WITH ORDINALITY AS related (related_title_key, position)
        """
    )
    op.execute(_NORMALIZE_TITLE_0006.format(dw=dw))
    op.execute(
        f"COMMENT ON VIEW {dw}.bridge_related_title IS "
        "'A title''s related titles, one row each, numbered from 1 in the order its latest file gave them "
        "(fact_related_titles unnested).'"
    )


def downgrade() -> None:
    dw = _quoted("datawarehouse")
    op.execute(_NORMALIZE_TITLE_0001.format(dw=dw))
    op.execute(f"DROP VIEW {dw}.bridge_related_title")
    op.create_table(
        "bridge_related_title",
        sa.Column("title_key", sa.BigInteger(), nullable=False),
        sa.Column("related_title_key", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("title_key", "related_title_key", name=op.f("pk_bridge_related_title")),
        schema="datawarehouse",
    )
    op.execute(
        f"""
        INSERT INTO {dw}.bridge_related_title (title_key, related_title_key, position, file_id)
        SELECT fact.title_key, related.related_title_key, related.position, fact.file_id
        FROM {dw}.fact_related_titles AS fact
        CROSS JOIN LATERAL unnest(fact.related_title_keys) WITH ORDINALITY AS related (related_title_key, position)
        """
    )
    op.drop_table("fact_related_titles", schema="datawarehouse")
    op.execute(f"ALTER TABLE {_quoted('staging')}.job_titles ALTER COLUMN file_id SET STATISTICS -1")
