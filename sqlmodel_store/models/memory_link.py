"""Typed, weighted links between memories (the Zettelkasten graph)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Double, String, Text, UniqueConstraint
from sqlmodel import Field

from sqlmodel_store.models.base import (
    FALSE,
    Int64,
    RowId,
    StoreSchema,
    Str50,
    Unit,
    UtcDatetime,
    created_at_field,
    server_default,
)
from sqlmodel_store.types import IdType


class MemoryLinkBase(StoreSchema):
    from_memory_id: RowId = Field(
        sa_type=IdType, foreign_key="memories.id", index=True, description="Source memory."
    )
    to_memory_id: RowId = Field(
        sa_type=IdType, foreign_key="memories.id", index=True, description="Target memory."
    )
    link_type: Str50 = Field(
        sa_type=String(50), description="related, causes, contradicts, elaborates, …"
    )
    strength: Unit = Field(
        default=1.0,
        sa_type=Double,
        sa_column_kwargs=server_default(1.0),
        description="How strong the connection is, in [0, 1].",
    )
    context: str | None = Field(default=None, sa_type=Text, description="Why the link exists.")
    created_at: UtcDatetime = created_at_field("When the row was created (UTC).")
    created_by: Int64 | None = Field(
        default=None, sa_type=BigInteger, description="Telegram id of who made the link."
    )
    auto_generated: bool = Field(
        default=False,
        sa_type=Boolean,
        sa_column_kwargs=FALSE,
        description="Made by the model rather than by a person.",
    )


# A directed edge between two memories; one edge per (from, to, type).
class MemoryLink(MemoryLinkBase, table=True):
    __tablename__ = "memory_links"
    __table_args__ = (
        UniqueConstraint("from_memory_id", "to_memory_id", "link_type"),
        CheckConstraint("strength BETWEEN 0 AND 1", name="strength_range"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class MemoryLinkCreate(MemoryLinkBase):
    pass


class MemoryLinkRead(MemoryLinkBase):
    id: int


class MemoryLinkUpdate(StoreSchema):
    from_memory_id: RowId | None = None
    to_memory_id: RowId | None = None
    link_type: Str50 | None = None
    strength: Unit | None = None
    context: str | None = None
    created_at: UtcDatetime | None = None
    created_by: Int64 | None = None
    auto_generated: bool | None = None
