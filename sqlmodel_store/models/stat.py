"""Per-user statistics as an append-only series of samples."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Double, Index, String
from sqlmodel import Field

from sqlmodel_store.models.base import (
    FiniteFloat,
    RowId,
    StoreSchema,
    Str100,
    UtcDatetime,
    created_at_field,
)
from sqlmodel_store.types import IdType, JSONDocument


class StatBase(StoreSchema):
    user_id: RowId = Field(sa_type=IdType, foreign_key="users.id", description="Whose stat.")
    stat_type: Str100 = Field(sa_type=String(100), description="What is counted or measured.")
    value: FiniteFloat = Field(
        sa_type=Double, description="The sample; for counters, the delta it adds."
    )
    extra_data: dict[str, Any] | None = Field(
        default=None, sa_type=JSONDocument, description="Free-form details of the sample."
    )
    timestamp: UtcDatetime = created_at_field("When the sample was taken (UTC).")


# One sample of a user's stat; totals are sums, so concurrent increments never conflict.
class Stat(StatBase, table=True):
    __tablename__ = "stats"
    __table_args__ = (Index("ix_stats_user_id_stat_type", "user_id", "stat_type"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class StatCreate(StatBase):
    pass


class StatRead(StatBase):
    id: int


class StatUpdate(StoreSchema):
    user_id: RowId | None = None
    stat_type: Str100 | None = None
    value: FiniteFloat | None = None
    extra_data: dict[str, Any] | None = None
    timestamp: UtcDatetime | None = None
