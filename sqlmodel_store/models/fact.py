"""Facts the bot learned about a user."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlmodel import Field

from sqlmodel_store.models.base import (
    RowId,
    StoreSchema,
    Str255,
    UtcDatetime,
    created_at_field,
)
from sqlmodel_store.types import IdType


class FactBase(StoreSchema):
    user_id: RowId = Field(
        sa_type=IdType, foreign_key="users.id", index=True, description="The user it is about."
    )
    fact_text: str = Field(sa_type=Text, description="The fact, in plain text.")
    source: Str255 | None = Field(
        default=None, sa_type=String(255), description="Where the fact came from."
    )
    created_at: UtcDatetime = created_at_field("When the fact was recorded (UTC).")


# A free-text fact about one user, read back as context for replies.
class Fact(FactBase, table=True):
    __tablename__ = "facts"
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class FactCreate(FactBase):
    pass


class FactRead(FactBase):
    id: int


class FactUpdate(StoreSchema):
    user_id: RowId | None = None
    fact_text: str | None = None
    source: Str255 | None = None
    created_at: UtcDatetime | None = None
