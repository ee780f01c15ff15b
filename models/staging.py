"""Staging: the load ledger, the rows of each file kind as written, and rejected rows."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import STAGING, Base

# The ledger's unique index on the content of loaded files: a second load of the same bytes violates it.
DUPLICATE_CONTENT_INDEX: Final = "uq_file_loads_sha256_loaded"


class LoadStatus(StrEnum):
    """Where one attempt to take a file stands; the ledger's CHECK constraint allows exactly these."""

    LOADING = "loading"  # in flight (or its process died: recovery marks it interrupted)
    LOADED = "loaded"
    DUPLICATE = "duplicate"  # the same content was loaded before
    FAILED = "failed"  # quarantined
    INTERRUPTED = "interrupted"  # rolled back; the file is taken again
    REPLACED = "replaced"  # loaded, then loaded again with --reload: its rows were replaced by the reload's


class FileLoad(Base):
    """The load ledger: one row per attempt to take a file, whatever came of it."""

    __tablename__ = "file_loads"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(status.value for status in LoadStatus)!r}", name="status"),
        # The database itself refuses to record the same content as loaded twice.
        Index(DUPLICATE_CONTENT_INDEX, "sha256", unique=True, postgresql_where=text("status = 'loaded'")),
        Index("ix_file_loads_status", "status"),
        {"schema": STAGING},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    rows_loaded: Mapped[int] = mapped_column(BigInteger, server_default="0")
    rows_rejected: Mapped[int] = mapped_column(BigInteger, server_default="0")
    seconds: Mapped[float | None] = mapped_column(Float)
    encoding: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey(f"{STAGING}.file_loads.id"))
    # A part of a container file (a table of a SQLite file, a member of a zip): the container's row and the
    # part's name. Parts carry their own kind and rows; the container's row carries the file as dropped.
    part_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey(f"{STAGING}.file_loads.id"))
    part_name: Mapped[str | None] = mapped_column(Text)
    # A load made by --reload: the original load of the same content (the first in a chain of reloads),
    # whose place in load order the reload takes.
    reload_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey(f"{STAGING}.file_loads.id"))
    archived_as: Mapped[str | None] = mapped_column(Text)
    # Declared kinds: which source column fed which canonical column, and the unknown ones.
    column_map: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    # What the import service noticed and took (short NMIs, a headerless portal export, values that did not
    # fit an optional column, …): the counted warnings of the file's log line, for --status.
    notes: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    # Declared kinds: the staging table the rows went into (a partner's kind stages into another kind's table,
    # and the warehouse builds every file of that table); null for built-in kinds, whose table is their kind.
    staged_into: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StagedJobTitle(Base):
    """Job-title rows as written in their file, with lineage (ledger id and line number).

    An append-only heap: no primary key index and no foreign key, because both slow COPY down and
    the ledger transaction already guarantees each file's rows are written once. The BRIN index
    on file_id serves the warehouse's per-file reads at almost no load cost.
    """

    __tablename__ = "job_titles"
    __table_args__ = (
        Index("ix_job_titles_file_id", "file_id", postgresql_using="brin"),
        {"schema": STAGING},
    )
    __mapper_args__ = {"primary_key": ["file_id", "line_no"]}  # noqa: RUF012 - SQLAlchemy's own attribute

    file_id: Mapped[int] = mapped_column(BigInteger)
    line_no: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    pdl_count: Mapped[int | None] = mapped_column(BigInteger)
    related_titles: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    extra: Mapped[dict[str, str] | None] = mapped_column(JSONB)


class RejectedRow(Base):
    """Rows of any kind that could not be typed: where they were, what they said, and why."""

    __tablename__ = "rejected_rows"
    __table_args__ = ({"schema": STAGING},)

    file_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{STAGING}.file_loads.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class StagedNem12Reading(Base):
    """NEM12 interval readings as sent: one row per interval of a 300 record, with lineage.

    `interval_start` is market local standard time (AEST, UTC+10, no daylight saving); the value
    is the energy of the interval that ends `interval_length` minutes later. Like job_titles, an
    append-only heap with a BRIN index on file_id.
    """

    __tablename__ = "nem12"
    __table_args__ = (
        Index("ix_nem12_file_id", "file_id", postgresql_using="brin"),
        {"schema": STAGING},
    )
    __mapper_args__ = {"primary_key": ["file_id", "line_no", "interval_start"]}  # noqa: RUF012

    file_id: Mapped[int] = mapped_column(BigInteger)
    line_no: Mapped[int] = mapped_column(Integer)
    nmi: Mapped[str] = mapped_column(String(10))
    nmi_suffix: Mapped[str] = mapped_column(Text)
    register_id: Mapped[str] = mapped_column(Text)
    uom: Mapped[str] = mapped_column(Text)
    interval_length: Mapped[int] = mapped_column(SmallInteger)
    interval_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    value: Mapped[Decimal] = mapped_column(Numeric)
    quality_method: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(Text)


class StagedNem13Read(Base):
    """NEM13 register read periods as sent: one row per 250 record, with lineage.

    A basic (accumulation) meter's register read at `previous_read_at` and again at `current_read_at`
    (market local standard time), and the `quantity` between them; `direction` E is energy taken from
    the network, I energy sent into it. An append-only heap with a BRIN index on file_id.
    """

    __tablename__ = "nem13"
    __table_args__ = (
        Index("ix_nem13_file_id", "file_id", postgresql_using="brin"),
        {"schema": STAGING},
    )
    __mapper_args__ = {"primary_key": ["file_id", "line_no"]}  # noqa: RUF012

    file_id: Mapped[int] = mapped_column(BigInteger)
    line_no: Mapped[int] = mapped_column(Integer)
    nmi: Mapped[str] = mapped_column(String(10))
    nmi_suffix: Mapped[str] = mapped_column(Text)
    register_id: Mapped[str] = mapped_column(Text)
    meter_serial: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(Text)
    previous_read: Mapped[Decimal] = mapped_column(Numeric)
    previous_read_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    previous_quality_method: Mapped[str] = mapped_column(Text)
    current_read: Mapped[Decimal] = mapped_column(Numeric)
    current_read_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    current_quality_method: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric)
    uom: Mapped[str] = mapped_column(Text)
