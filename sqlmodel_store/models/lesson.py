"""Lessons: standing instructions admins give the bot."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, Text
from sqlmodel import Field

from sqlmodel_store.models.base import (
    TRUE,
    Int32,
    Int64,
    StoreSchema,
    UtcDatetime,
    created_at_field,
    server_default,
    updated_at_field,
)
from sqlmodel_store.types import IdType


class LessonBase(StoreSchema):
    content: str = Field(sa_type=Text, description="The instruction.")
    admin_id: Int64 = Field(sa_type=BigInteger, description="Telegram id of the admin.")
    order: Int32 = Field(
        default=0,
        sa_type=Integer,
        sa_column_kwargs=server_default(0),
        description="Position among active lessons (a reserved word: always quoted).",
    )
    is_active: bool = Field(
        default=True, sa_type=Boolean, sa_column_kwargs=TRUE, description="Whether it applies."
    )
    created_at: UtcDatetime = created_at_field("When the row was created (UTC).")
    updated_at: UtcDatetime = updated_at_field()


# An admin's standing instruction, applied in `order` while active.
class Lesson(LessonBase, table=True):
    __tablename__ = "lessons"
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class LessonCreate(LessonBase):
    pass


class LessonRead(LessonBase):
    id: int


class LessonUpdate(StoreSchema):
    content: str | None = None
    admin_id: Int64 | None = None
    order: Int32 | None = None
    is_active: bool | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
