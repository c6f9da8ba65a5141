"""Chat messages: each chat's linear history."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import BigInteger, Index, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlmodel import Field

from sqlmodel_store.models.base import (
    Int64,
    RowId,
    StoreSchema,
    Str10,
    Str50,
    UtcDatetime,
    created_at_field,
    server_default,
)
from sqlmodel_store.models.rowid import ROWID_KEY
from sqlmodel_store.types import IdType


class MessageBase(StoreSchema):
    user_id: RowId = Field(
        sa_type=IdType, foreign_key="users.id", description="Author: `users.id` (not Telegram id)."
    )
    chat_id: Int64 = Field(
        sa_type=BigInteger, description="Bot API chat id (-100… for supergroups and channels)."
    )
    message_id: Int64 = Field(
        sa_type=BigInteger, description="Telegram message id, unique within its chat."
    )
    reply_to_message_id: Int64 | None = Field(
        default=None, sa_type=BigInteger, description="The message this one replies to."
    )
    text: str | None = Field(
        default=None,
        sa_type=Text,
        description="Plain text as a reader sees it; entities flattened.",
    )
    message_type: Str50 = Field(
        default="text",
        sa_type=String(50),
        sa_column_kwargs=server_default("text"),
        description="`text`, a media kind (`photo`, `sticker`, …) or `service:<action>`.",
    )
    language: Str10 | None = Field(
        default=None, sa_type=String(10), description="Detected language of the text."
    )
    timestamp: UtcDatetime = created_at_field("When the message was sent (UTC).")


# One line of a chat's linear history; (chat_id, message_id) is the natural key.
class Message(MessageBase, table=True):
    """Every key holds `chat_id`, so the table can be split by chat (hash partitions, Citus
    shards) with each key checked inside one piece. `id` stays unique on its own (one
    sequence), so the ORM identity is `id` alone and `get(id)` works whatever the key is.
    SQLite keeps `id` alone as the key: its only id generator is a one-column key."""

    __tablename__ = "messages"
    __table_args__ = (
        PrimaryKeyConstraint("id", "chat_id"),
        UniqueConstraint("chat_id", "message_id"),
        Index("ix_messages_chat_id_timestamp_id", "chat_id", "timestamp", "id"),
        {"info": {ROWID_KEY: "id"}},
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"primary_key": ["id"]}
    id: int | None = Field(
        default=None, sa_type=IdType, sa_column_kwargs={"autoincrement": True, "nullable": False}
    )


class MessageCreate(MessageBase):
    pass


class MessageRead(MessageBase):
    id: int


class MessageUpdate(StoreSchema):
    user_id: RowId | None = None
    chat_id: Int64 | None = None
    message_id: Int64 | None = None
    reply_to_message_id: Int64 | None = None
    text: str | None = None
    message_type: Str50 | None = None
    language: Str10 | None = None
    timestamp: UtcDatetime | None = None
