"""Chat messages and the linear history a bot reads back as context."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Integer, bindparam, tuple_
from sqlmodel import col, select

from sqlmodel_store.db_errors import database_errors
from sqlmodel_store.deferred_begin import PLAIN_READ
from sqlmodel_store.models import Message, MessageCreate, MessageUpdate
from sqlmodel_store.repositories.base import Repository
from sqlmodel_store.types import IdType, UTCDateTime


class HistoryPosition(Protocol):
    """Where a page of history starts: any message with its timestamp and id."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def id(self) -> int | None: ...


# Built once with bound parameters, so SQLAlchemy finds them compiled (the same SQL as
# before: LIMIT was a parameter already). Positions are bound with the columns' own types:
# BIGINT ids, and UTC text on SQLite. Plain reads: they need no transaction of their own.
_NEWEST_FIRST = (
    select(Message)
    .where(Message.chat_id == bindparam("chat_id"))
    .order_by(col(Message.timestamp).desc(), col(Message.id).desc())
    .limit(bindparam("limit", type_=Integer))
    .execution_options(**{PLAIN_READ: True})
)
_BEFORE = tuple_(
    bindparam("before_timestamp", type_=UTCDateTime()), bindparam("before_id", type_=IdType)
)
_NEWEST_FIRST_BEFORE = _NEWEST_FIRST.where(
    tuple_(col(Message.timestamp), col(Message.id)) < _BEFORE
)
_BY_CHAT_MESSAGE = (
    select(Message)
    .where(Message.chat_id == bindparam("chat_id"), Message.message_id == bindparam("message_id"))
    .execution_options(**{PLAIN_READ: True})
)


class MessageRepository(Repository[Message, MessageCreate, MessageUpdate]):
    table = Message
    create_schema = MessageCreate
    update_schema = MessageUpdate

    async def get_by_chat_message(self, chat_id: int, message_id: int) -> Message | None:
        """The message with this Telegram (chat_id, message_id), or None."""
        params = {"chat_id": chat_id, "message_id": message_id}
        async with database_errors():
            return (await self._session.exec(_BY_CHAT_MESSAGE, params=params)).first()

    async def history(
        self, chat_id: int, limit: int = 50, before: HistoryPosition | None = None
    ) -> list[Message]:
        """The chat's latest `limit` messages, oldest → newest.

        Args:
            chat_id: Bot API chat id.
            limit: Page size.
            before: The oldest message of the page already read, to get the page before it.
                Keyset pagination on (timestamp, id): stable while new messages arrive.
        """
        params: dict[str, Any] = {"chat_id": chat_id, "limit": limit}
        statement = _NEWEST_FIRST
        if before is not None:
            params |= {"before_timestamp": before.timestamp, "before_id": before.id}
            statement = _NEWEST_FIRST_BEFORE
        async with database_errors():
            newest_first = (await self._session.exec(statement, params=params)).all()
        return list(reversed(newest_first))
