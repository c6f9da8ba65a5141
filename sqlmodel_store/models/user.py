"""Telegram users the bot has seen."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, String
from sqlmodel import Field

from sqlmodel_store.models.base import (
    FALSE,
    Int64,
    StoreSchema,
    Str10,
    Str255,
    UtcDatetime,
    created_at_field,
    updated_at_field,
)
from sqlmodel_store.types import IdType


class UserBase(StoreSchema):
    telegram_id: Int64 = Field(
        sa_type=BigInteger, unique=True, description="Telegram user id (64-bit)."
    )
    username: Str255 | None = Field(
        default=None, sa_type=String(255), description="@username without the @, if any."
    )
    first_name: Str255 | None = Field(default=None, sa_type=String(255), description="First name.")
    last_name: Str255 | None = Field(default=None, sa_type=String(255), description="Last name.")
    is_friend: bool = Field(
        default=False,
        sa_type=Boolean,
        sa_column_kwargs=FALSE,
        description="Whether the bot treats this user as a friend.",
    )
    language_code: Str10 | None = Field(
        default=None, sa_type=String(10), description="IETF language tag Telegram reported."
    )
    created_at: UtcDatetime = created_at_field("When the user was first seen (UTC).")
    updated_at: UtcDatetime = updated_at_field()


# One row per Telegram user; `telegram_id` is the natural key every import merges on.
class User(UserBase, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class UserCreate(UserBase):
    pass


class UserRead(UserBase):
    id: int


class UserUpdate(StoreSchema):
    telegram_id: Int64 | None = None
    username: Str255 | None = None
    first_name: Str255 | None = None
    last_name: Str255 | None = None
    is_friend: bool | None = None
    language_code: Str10 | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
