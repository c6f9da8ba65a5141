"""StoreStorage passes the suite aiogram runs on its own storages, beside MemoryStorage.

The same tests run on aiogram's MemoryStorage (the reference behaviour) and on StoreStorage
over SQLite and PostgreSQL, in the shape of aiogram's `tests/test_fsm/storage/test_storages.py`.
"""

from __future__ import annotations

from typing import TypedDict

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from sqlmodel_store import Store
from sqlmodel_store.aiogram import StoreStorage


class Form(StatesGroup):
    name = State()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """aiogram's in-memory storage, then the store's on each database."""
    return str(request.param)


@pytest.fixture
def storage(request: pytest.FixtureRequest, backend: str) -> BaseStorage:
    # Not async: the store fixture's own set-up runs the event loop.
    if backend == "memory":
        return MemoryStorage()
    store: Store = request.getfixturevalue("store")
    return StoreStorage(store)


@pytest.fixture
def storage_key() -> StorageKey:
    return StorageKey(bot_id=42, chat_id=-1001000000001, user_id=1001)


async def test_state_is_set_read_and_cleared(storage: BaseStorage, storage_key: StorageKey) -> None:
    assert await storage.get_state(key=storage_key) is None
    await storage.set_state(key=storage_key, state="state")
    assert await storage.get_state(key=storage_key) == "state"
    await storage.set_state(key=storage_key, state=Form.name)
    assert await storage.get_state(key=storage_key) == "Form:name"
    await storage.set_state(key=storage_key, state=None)
    assert await storage.get_state(key=storage_key) is None


async def test_data_is_replaced_read_by_value_and_cleared(
    storage: BaseStorage, storage_key: StorageKey
) -> None:
    assert await storage.get_data(key=storage_key) == {}
    assert await storage.get_value(storage_key=storage_key, dict_key="foo") is None
    assert await storage.get_value(storage_key=storage_key, dict_key="foo", default="baz") == "baz"

    await storage.set_data(key=storage_key, data={"foo": "bar"})
    assert await storage.get_data(key=storage_key) == {"foo": "bar"}
    assert await storage.get_value(storage_key=storage_key, dict_key="foo") == "bar"

    await storage.set_data(key=storage_key, data={})
    assert await storage.get_data(key=storage_key) == {}
    assert await storage.get_value(storage_key=storage_key, dict_key="foo", default="baz") == "baz"


async def test_a_typed_dict_is_data_and_a_tuple_is_refused(
    storage: BaseStorage, storage_key: StorageKey
) -> None:
    class Custom(TypedDict, total=False):
        foo: str
        bar: str

    await storage.set_data(key=storage_key, data=Custom(foo="bar", bar="baz"))
    assert await storage.get_data(key=storage_key) == {"foo": "bar", "bar": "baz"}
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(key=storage_key, data=())  # type: ignore[arg-type]


async def test_update_data_merges_like_dict_update(
    storage: BaseStorage, storage_key: StorageKey
) -> None:
    assert await storage.update_data(key=storage_key, data={"foo": "bar"}) == {"foo": "bar"}
    assert await storage.update_data(key=storage_key, data={}) == {"foo": "bar"}
    assert await storage.update_data(key=storage_key, data={"baz": "spam"}) == {
        "foo": "bar",
        "baz": "spam",
    }
    assert await storage.update_data(key=storage_key, data={"baz": "test"}) == {
        "foo": "bar",
        "baz": "test",
    }
    assert await storage.get_data(key=storage_key) == {"foo": "bar", "baz": "test"}


async def test_state_and_data_of_one_key_are_independent(
    storage: BaseStorage, storage_key: StorageKey
) -> None:
    await storage.set_data(key=storage_key, data={"step": 1})
    await storage.set_state(key=storage_key, state="asking")
    await storage.set_state(key=storage_key, state=None)
    assert await storage.get_data(key=storage_key) == {"step": 1}
    await storage.set_state(key=storage_key, state="asking")
    await storage.set_data(key=storage_key, data={})
    assert await storage.get_state(key=storage_key) == "asking"
