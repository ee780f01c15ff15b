"""The star schema built by `--pipeline` from staging.

The fact tables carry no foreign keys: the build SQL only ever writes keys it has just looked up in
`dim_job_title` (and an array's elements could not have them anyway). A test checks the integrity
after every build instead. `bridge_related_title` is a view (created by migration 0006, so it has no
model here): models describe tables only.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
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


class FactRelatedTitles(Base):
    """A title's current related titles: their keys in the order its latest file gave them (empty for none).

    The view `bridge_related_title(title_key, related_title_key, position, file_id)` (migration 0006)
    unnests them with their position, one row per link, for queries and BI tools.
    """

    __tablename__ = "fact_related_titles"
    __table_args__ = ({"schema": WAREHOUSE},)

    title_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    related_title_keys: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    file_id: Mapped[int] = mapped_column(BigInteger)


class DimNmi(Base):
    """One row per NMI (National Metering Identifier), with the data-stream suffixes seen for it."""

    __tablename__ = "dim_nmi"
    __table_args__ = ({"schema": WAREHOUSE},)

    nmi_key: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    nmi: Mapped[str] = mapped_column(String(10), unique=True)
    suffixes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class FactMeterReading(Base):
    """The current reading of each stream and interval; a later file's reading replaces the earlier one.

    `reading_at` is the end of the interval (market local standard time); `day` is the interval date
    of its 300 record. `consumption_kwh` is the value in kWh for active-energy units (Wh, kWh, MWh)
    and null for others (reactive kVArh and the like), which are kept but never added to kWh.
    """

    __tablename__ = "fact_meter_reading"
    __table_args__ = (
        Index("ix_fact_meter_reading_nmi_key_day", "nmi_key", "day"),  # the daily roll-up reads by day
        {"schema": WAREHOUSE},
    )

    nmi_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nmi_suffix: Mapped[str] = mapped_column(Text, primary_key=True)
    reading_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    interval_length: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(Numeric)
    uom: Mapped[str] = mapped_column(Text)
    consumption_kwh: Mapped[Decimal | None] = mapped_column(Numeric)
    quality_method: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int] = mapped_column(BigInteger)


class FactDailyConsumption(Base):
    """Per NMI and day: consumption (E streams, E register reads) and generation (B streams, I register
    reads) in kWh, and data quality."""

    __tablename__ = "fact_daily_consumption"
    __table_args__ = ({"schema": WAREHOUSE},)

    nmi_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    consumption_kwh: Mapped[Decimal] = mapped_column(Numeric)
    generation_kwh: Mapped[Decimal] = mapped_column(Numeric)
    interval_count: Mapped[int] = mapped_column(Integer)
    substituted_or_estimated_intervals: Mapped[int] = mapped_column(Integer)
    # Some of the day's energy is a share of a basic meter's register read period (NEM13), not interval data.
    is_allocated_from_register_reads: Mapped[bool] = mapped_column(Boolean, server_default=false())


class FactRegisterRead(Base):
    """The current register read periods of each basic meter stream (NEM13); a later file's read period
    replaces the earlier ones of its stream that it overlaps.

    `quantity_kwh` is the quantity in kWh for active-energy units and null for others. The daily facts
    spread each period's energy over the days it covers, in proportion to the time that falls on each.
    """

    __tablename__ = "fact_register_read"
    __table_args__ = ({"schema": WAREHOUSE},)

    nmi_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nmi_suffix: Mapped[str] = mapped_column(Text, primary_key=True)
    register_id: Mapped[str] = mapped_column(Text, primary_key=True)
    read_from: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)
    read_to: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)
    direction: Mapped[str] = mapped_column(Text)
    meter_serial: Mapped[str] = mapped_column(Text)
    previous_read: Mapped[Decimal] = mapped_column(Numeric)
    current_read: Mapped[Decimal] = mapped_column(Numeric)
    quantity: Mapped[Decimal] = mapped_column(Numeric)
    uom: Mapped[str] = mapped_column(Text)
    quantity_kwh: Mapped[Decimal | None] = mapped_column(Numeric)
    quality_method: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int] = mapped_column(BigInteger)


# The partner of leads whose kind names none (the generic `leads` kind): the natural key (partner, lead_id)
# must be total for a unique index on every Postgres version, so "no partner" is '' here and null in the views.
NO_PARTNER: Final = ""
_CURRENT: Final = text("is_current")


class DimLead(Base):
    """Leads as a type 2 slowly changing dimension: a new version whenever a snapshot changes a lead.

    A lead is its partner's: the natural key is (partner, lead_id), since two partners may use the same id.
    Columns a file did not have keep the previous version's value; `extra` never counts.
    """

    __tablename__ = "dim_lead"
    __table_args__ = (
        Index(
            "uq_dim_lead_current_partner_lead_id",
            "partner",
            "lead_id",
            unique=True,
            postgresql_where=text("is_current"),
        ),
        {"schema": WAREHOUSE},
    )

    lead_key: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    partner: Mapped[str] = mapped_column(Text, server_default=NO_PARTNER)
    lead_id: Mapped[str] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(2))
    zip: Mapped[str | None] = mapped_column(String(5))
    capacity: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_current: Mapped[bool] = mapped_column(Boolean)
    opened_by_file_id: Mapped[int] = mapped_column(BigInteger)
    closed_by_file_id: Mapped[int | None] = mapped_column(BigInteger)


class FactLeadChange(Base):
    """What each leads snapshot did to each lead of its partner: new, changed, unchanged or removed."""

    __tablename__ = "fact_lead_change"
    __table_args__ = (
        CheckConstraint("change IN ('new', 'changed', 'unchanged', 'removed')", name="change"),
        {"schema": WAREHOUSE},
    )

    file_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lead_id: Mapped[str] = mapped_column(Text, primary_key=True)  # a file is one partner's: (file, lead_id) is unique
    partner: Mapped[str] = mapped_column(Text, server_default=NO_PARTNER)
    change: Mapped[str] = mapped_column(Text)
