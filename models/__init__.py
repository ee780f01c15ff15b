"""SQLAlchemy ORM models: they describe tables only and hold no queries."""

from models.base import Base
from models.staging import FileLoad, RejectedRow, StagedJobTitle
from models.warehouse import BridgeRelatedTitle, DimJobTitle, FactTitlePopularity, PipelineFile

__all__ = [
    "Base",
    "BridgeRelatedTitle",
    "DimJobTitle",
    "FactTitlePopularity",
    "FileLoad",
    "PipelineFile",
    "RejectedRow",
    "StagedJobTitle",
]
