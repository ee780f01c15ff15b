"""SQLAlchemy ORM models: they describe tables only and hold no queries."""

from models.base import Base
from models.staging import FileLoad, LoadStatus, RejectedRow, StagedJobTitle, StagedNem12Reading, StagedNem13Read
from models.warehouse import (
    DimJobTitle,
    DimLead,
    DimNmi,
    FactDailyConsumption,
    FactLeadChange,
    FactMeterReading,
    FactRegisterRead,
    FactRelatedTitles,
    FactTitlePopularity,
    PipelineFile,
)

__all__ = [
    "Base",
    "DimJobTitle",
    "DimLead",
    "DimNmi",
    "FactDailyConsumption",
    "FactLeadChange",
    "FactMeterReading",
    "FactRegisterRead",
    "FactRelatedTitles",
    "FactTitlePopularity",
    "FileLoad",
    "LoadStatus",
    "PipelineFile",
    "RejectedRow",
    "StagedJobTitle",
    "StagedNem12Reading",
    "StagedNem13Read",
]
