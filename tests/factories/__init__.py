"""Small builders for valid schemas, so each test states only what it is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlmodel_store.models import MemoryCreate, MessageCreate, UserCreate

_ids = count(1)
BASE_TIME = datetime(2025, 10, 27, 13, 47, tzinfo=UTC)


def user(**fields: Any) -> UserCreate:
    return UserCreate.model_validate({"telegram_id": 10_000_000_000 + next(_ids)} | fields)


def message(user_id: int, n: int, **fields: Any) -> MessageCreate:
    values = {
        "user_id": user_id,
        "chat_id": -1001234567890,
        "message_id": n,
        "text": f"message {n}",
        "timestamp": BASE_TIME + timedelta(seconds=n),
    }
    return MessageCreate.model_validate(values | fields)


def memory(**fields: Any) -> MemoryCreate:
    values = {"simple_content": "likes tea", "full_content": "likes green tea", "created_by": 42}
    return MemoryCreate.model_validate(values | fields)
