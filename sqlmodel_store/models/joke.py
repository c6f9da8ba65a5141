"""Jokes the bot told or collected."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text
from sqlmodel import Field

from sqlmodel_store.models.base import (
    Int64,
    NonNegativeInt32,
    StoreSchema,
    Str10,
    Str50,
    UtcDatetime,
    created_at_field,
    server_default,
)
from sqlmodel_store.types import IdType


class JokeBase(StoreSchema):
    message_id: Int64 | None = Field(
        default=None, sa_type=BigInteger, description="The message that carried the joke."
    )
    chat_id: Int64 = Field(sa_type=BigInteger, description="Bot API chat id it was told in.")
    joke_text: str = Field(sa_type=Text, description="The joke.")
    joke_type: Str50 = Field(sa_type=String(50), description="Kind of joke (pun, cached, …).")
    language: Str10 | None = Field(default=None, sa_type=String(10), description="Language.")
    context: str | None = Field(default=None, sa_type=Text, description="What prompted it.")
    reactions_count: NonNegativeInt32 = Field(
        default=0,
        sa_type=Integer,
        sa_column_kwargs=server_default(0),
        description="Reactions received (≥ 0).",
    )
    likes_count: NonNegativeInt32 = Field(
        default=0, sa_type=Integer, sa_column_kwargs=server_default(0), description="Likes (≥ 0)."
    )
    created_at: UtcDatetime = created_at_field("When it was told (UTC).")


# A joke and how well it landed.
class Joke(JokeBase, table=True):
    __tablename__ = "jokes"
    __table_args__ = (
        CheckConstraint("reactions_count >= 0", name="reactions_count_non_negative"),
        CheckConstraint("likes_count >= 0", name="likes_count_non_negative"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class JokeCreate(JokeBase):
    pass


class JokeRead(JokeBase):
    id: int


class JokeUpdate(StoreSchema):
    message_id: Int64 | None = None
    chat_id: Int64 | None = None
    joke_text: str | None = None
    joke_type: Str50 | None = None
    language: Str10 | None = None
    context: str | None = None
    reactions_count: NonNegativeInt32 | None = None
    likes_count: NonNegativeInt32 | None = None
    created_at: UtcDatetime | None = None
