"""What only a database FSM storage promises, on SQLite and PostgreSQL.

Keys kept apart by every part of aiogram's `StorageKey`, no empty rows left behind, merges
that lose no update, and JSON data that comes back as written.
"""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from sqlmodel_store import Store
from sqlmodel_store.aiogram import StoreStorage
from sqlmodel_store.models import FsmRecord

BOT_ID, CHAT_ID, USER_ID = 42, -1001000000001, 1001


@pytest.fixture
def storage_key() -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID, user_id=USER_ID)


async def _rows(store: Store) -> int:
    async with store.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(FsmRecord))
    return int(count or 0)


@pytest.mark.parametrize(
    "other",
    [
        StorageKey(bot_id=BOT_ID + 1, chat_id=CHAT_ID, user_id=USER_ID),
        StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID - 1, user_id=USER_ID),
        StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID, user_id=USER_ID + 1),
        StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID, user_id=USER_ID, thread_id=7),
        StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID, user_id=USER_ID, business_connection_id="bc"),
        StorageKey(bot_id=BOT_ID, chat_id=CHAT_ID, user_id=USER_ID, destiny="quiz"),
    ],
    ids=["bot", "chat", "user", "thread", "business_connection", "destiny"],
)
async def test_every_part_of_the_key_keeps_state_apart(
    store: Store, storage_key: StorageKey, other: StorageKey
) -> None:
    storage = StoreStorage(store)
    await storage.set_state(key=storage_key, state="mine")
    await storage.set_data(key=storage_key, data={"who": "me"})
    assert await storage.get_state(key=other) is None
    assert await storage.get_data(key=other) == {}
    await storage.set_state(key=other, state="theirs")
    assert await storage.get_state(key=storage_key) == "mine"
    assert await storage.get_state(key=other) == "theirs"


async def test_a_cleared_key_leaves_no_row(store: Store, storage_key: StorageKey) -> None:
    storage = StoreStorage(store)
    await storage.set_state(key=storage_key, state="asking")
    await storage.update_data(key=storage_key, data={"name": "Neko"})
    assert await _rows(store) == 1
    await storage.set_state(key=storage_key, state=None)
    await storage.set_data(key=storage_key, data={})
    assert await _rows(store) == 0
    assert await storage.update_data(key=storage_key, data={}) == {}
    assert await _rows(store) == 0


async def test_concurrent_merges_of_one_key_lose_no_update(
    store: Store, storage_key: StorageKey
) -> None:
    storage = StoreStorage(store)
    await asyncio.gather(
        *(storage.update_data(key=storage_key, data={f"k{n}": n}) for n in range(40))
    )
    assert await storage.get_data(key=storage_key) == {f"k{n}": n for n in range(40)}


async def test_unicode_and_nested_data_come_back_as_written(
    store: Store, storage_key: StorageKey
) -> None:
    storage = StoreStorage(store)
    data = {"name": "ネコ 🐱", "answers": [1, 2.5, None, True], "nested": {"big": 2**62}}
    await storage.set_data(key=storage_key, data=data)
    assert await StoreStorage(store).get_data(key=storage_key) == data
