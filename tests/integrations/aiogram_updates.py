"""Synthetic Telegram updates and a bot that never reaches the network."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from aiogram import Bot
from aiogram.types import Chat, Message, Update, User

BOT_TOKEN = "123456:not-a-real-token"  # parsed for the bot id; nothing is ever sent with it
GROUP_ID = -1001000000001
SENT = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
_ids = count(1)


def bot() -> Bot:
    return Bot(token=BOT_TOKEN)


def text_update(
    user_id: int,
    text: str,
    *,
    chat_id: int = GROUP_ID,
    thread_id: int | None = None,
    business_connection_id: str | None = None,
) -> Update:
    """A text message from `user_id`; a business connection makes it a business message."""
    number = next(_ids)
    message = Message(
        message_id=number,
        date=SENT,
        chat=Chat(id=chat_id, type="supergroup" if chat_id < 0 else "private"),
        from_user=User(id=user_id, is_bot=False, first_name=f"user {user_id}"),
        text=text,
        message_thread_id=thread_id,
        is_topic_message=thread_id is not None or None,
        business_connection_id=business_connection_id,
    )
    if business_connection_id is not None:
        return Update(update_id=number, business_message=message)
    return Update(update_id=number, message=message)
