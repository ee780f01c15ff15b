"""The star schema built by `--pipeline` from staging.

The fact and bridge tables carry no foreign keys: the build SQL only ever writes keys it has just
looked up in `dim_job_title`, and checking tens of millions of links one by one would make the
build several times slower. A test checks the integrity after every build instead.
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import STAGING, WAREHOUSE, Base


class PipelineFile(Base):
    """Which loaded files are already in the warehouse: what makes `--pipeline` incremental."""

    __tablename__ = "pipeline_files"
    __table_args__ = ({"schema": WAREHOUSE},)

    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(f"{STAGING}.file_loads.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    rows_in: Mapped[int] = mapped_column(BigInteger)
    rows_left_out: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DimJobTitle(Base):
    """One row per distinct normalised title, whether seen as a title or only as a related title."""

    __tablename__ = "dim_job_title"
    __table_args__ = ({"schema": WAREHOUSE},)

    title_key: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(Text, unique=True)


class FactTitlePopularity(Base):
    """A title's current pdl_count and the file it came from (the latest file naming the title wins)."""

    __tablename__ = "fact_title_popularity"
    __table_args__ = ({"schema": WAREHOUSE},)

    title_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pdl_count: Mapped[int | None] = mapped_column(BigInteger)
    file_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BridgeRelatedTitle(Base):
    """A title's current related titles, in the order its file gave them."""

    __tablename__ = "bridge_related_title"
    __table_args__ = ({"schema": WAREHOUSE},)

    title_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    related_title_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(BigInteger)
