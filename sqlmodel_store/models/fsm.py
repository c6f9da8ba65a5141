"""aiogram's FSM state and data, one row per `StorageKey` (see `sqlmodel_store.aiogram`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text
from sqlmodel import Field, SQLModel

from sqlmodel_store.models.base import server_default, updated_at_field
from sqlmodel_store.types import JSONDocument

# A key part aiogram leaves unset is stored as this value: a primary key cannot hold NULL,
# Telegram never numbers a thread 0, and a business connection id is never empty.
NO_THREAD = 0
NO_BUSINESS_CONNECTION = ""


# The conversation state of one user in one chat (thread, business connection, destiny) of a bot.
class FsmRecord(SQLModel, table=True):
    __tablename__ = "fsm_records"
    bot_id: int = Field(sa_type=BigInteger, primary_key=True, description="The bot's user id.")
    chat_id: int = Field(sa_type=BigInteger, primary_key=True, description="Bot API chat id.")
    user_id: int = Field(sa_type=BigInteger, primary_key=True, description="Telegram user id.")
    thread_id: int = Field(
        default=NO_THREAD,
        sa_type=BigInteger,
        primary_key=True,
        sa_column_kwargs=server_default(NO_THREAD),
        description="Forum topic or thread id; 0 when the key has none.",
    )
    business_connection_id: str = Field(
        default=NO_BUSINESS_CONNECTION,
        sa_type=String(255),
        primary_key=True,
        sa_column_kwargs=server_default(NO_BUSINESS_CONNECTION),
        description="Business connection id; empty when the key has none.",
    )
    destiny: str = Field(
        default="default",
        sa_type=String(255),
        primary_key=True,
        sa_column_kwargs=server_default("default"),
        description="aiogram's destiny: separate state machines for the same user and chat.",
    )
    state: str | None = Field(
        default=None, sa_type=Text, description="The state name (`Group:state`), or none."
    )
    data: dict[str, Any] | None = Field(
        default=None, sa_type=JSONDocument, description="The FSM data as a JSON object."
    )
    updated_at: datetime = updated_at_field()
