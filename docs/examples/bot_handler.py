"""A bot's message handler on the store: remember who wrote what, and read the chat back.

The handler takes anything shaped like aiogram's `Message` (the protocols below name the
fields it reads), so aiogram is not needed to run it; `docs/guides/bot-code.md` shows how it
plugs into an aiogram router. Tested by `tests/docs/test_guide_examples.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel_store import DuplicateKeyError, Store, StoreSettings
from sqlmodel_store.models import MessageCreate, UserCreate

# How many of the chat's latest messages go into the prompt.
HISTORY_LIMIT = 20


class UserLike(Protocol):
    """The fields of aiogram's `User` the handler reads."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str | None: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def language_code(self) -> str | None: ...


class ChatLike(Protocol):
    """The field of aiogram's `Chat` the handler reads."""

    @property
    def id(self) -> int: ...


class RepliedLike(Protocol):
    """The field of the message replied to that the handler reads."""

    @property
    def message_id(self) -> int: ...


class MessageLike(Protocol):
    """The fields of aiogram's `Message` the handler reads."""

    @property
    def message_id(self) -> int: ...
    @property
    def date(self) -> datetime: ...
    @property
    def chat(self) -> ChatLike: ...
    @property
    def from_user(self) -> UserLike | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def reply_to_message(self) -> RepliedLike | None: ...


async def open_store(settings: StoreSettings | None = None) -> Store:
    """The process's one store, opened at start-up (`None`: settings from the environment).

    Raises:
        SchemaNotAtHeadError: the database is not migrated to the schema this code expects.
        DatabaseUnavailableError: the database cannot be reached.
    """
    store = Store(settings)
    try:
        await store.ensure_at_head()
    except BaseException:
        await store.dispose()
        raise
    return store


async def close_store(store: Store) -> None:
    """Close the pooled connections at shutdown."""
    await store.dispose()


async def remember_and_recall(
    message: MessageLike, store: Store, *, limit: int = HISTORY_LIMIT
) -> list[str]:
    """Store the message and its author; return the chat's latest texts, oldest first.

    One unit of work: the user, the message and the read happen in one transaction, and
    nothing is kept unless `commit()` is reached.
    """
    author = message.from_user
    if author is None:  # a channel post: no user to attach it to
        return []
    replied = message.reply_to_message
    async with store.unit_of_work() as uow:
        # Insert the user, or refresh the names of the row with this Telegram id.
        user = await uow.users.upsert(
            UserCreate(
                telegram_id=author.id,
                username=author.username,
                first_name=author.first_name,
                last_name=author.last_name,
                language_code=author.language_code,
            )
        )
        assert user.id is not None  # a row read back from the database has its id
        try:
            # A savepoint: a duplicate undoes only this insert, not the upsert above.
            async with uow.savepoint():
                await uow.messages.add(
                    MessageCreate(
                        user_id=user.id,
                        chat_id=message.chat.id,
                        message_id=message.message_id,
                        reply_to_message_id=replied.message_id if replied else None,
                        text=message.text,
                        timestamp=message.date,
                    )
                )
        except DuplicateKeyError:
            pass  # Telegram delivered this update again: the message is stored already.
        history = await uow.messages.history(message.chat.id, limit=limit)
        await uow.commit()
    return [row.text for row in history if row.text]


# Stand-ins for aiogram's types, with the same field names, for running without aiogram.
@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Chat:
    id: int


@dataclass(frozen=True, slots=True)
class Message:
    message_id: int
    date: datetime
    chat: Chat
    from_user: User | None
    text: str | None = None
    reply_to_message: Message | None = None
