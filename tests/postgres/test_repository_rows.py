"""The rows repositories return are the unit's own: one instance per row, changes tracked."""

from __future__ import annotations

import pytest

from sqlmodel_store import DuplicateKeyError, Store, StoreError
from tests.factories import message, user


async def author(store: Store) -> int:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user())
        await uow.commit()
    assert added.id is not None
    return added.id


async def test_an_added_row_is_the_instance_later_reads_in_the_unit_return(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        added = await uow.messages.add(message(user_id, 1))
        assert added.id is not None
        assert await uow.messages.get(added.id) is added
        assert (await uow.messages.history(added.chat_id))[-1] is added
        assert await uow.messages.get_by_chat_message(added.chat_id, 1) is added


async def test_a_change_to_an_added_row_is_written_at_commit(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        added = await uow.messages.add(message(user_id, 1, text="draft"))
        added.text = "edited"
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.messages.get(added.id or 0)
    assert stored is not None
    assert stored.text == "edited"


async def test_an_added_row_stays_readable_after_its_unit(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        added = await uow.messages.add(message(user_id, 7, text="kept"))
        await uow.commit()
    assert (added.message_id, added.text, added.message_type) == (7, "kept", "text")
    assert added.id is not None
    assert added.id > 0
    assert added.timestamp.tzinfo is not None


async def test_an_added_row_that_is_rolled_back_is_not_stored(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        added = await uow.messages.add(message(user_id, 1))
    async with store.unit_of_work() as uow:
        assert await uow.messages.get(added.id or 0) is None


async def test_upsert_refreshes_the_row_the_unit_already_holds(store: Store) -> None:
    async with store.unit_of_work() as uow:
        first = await uow.users.upsert(user(telegram_id=77, username="old"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        held = await uow.users.get_by_telegram_id(77)
        merged = await uow.users.upsert(user(telegram_id=77, username="new"))
        assert merged is held
        assert merged.username == "new"
        assert merged.id == first.id
        assert merged.updated_at >= first.updated_at
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.users.get_by_telegram_id(77)
    assert stored is not None
    assert stored.username == "new"


@pytest.mark.parametrize("write", ["add", "add_many"])
async def test_a_refused_write_fails_the_unit_so_commit_stores_nothing(
    store: Store, write: str
) -> None:
    taken = user()
    async with store.unit_of_work() as uow:
        await uow.users.add(taken)
        await uow.commit()
    async with store.unit_of_work() as uow:
        earlier = await uow.users.add(user(username="earlier"))
        earlier_id = earlier.id
        refused = uow.users.add(taken) if write == "add" else uow.users.add_many([user(), taken])
        with pytest.raises(DuplicateKeyError):
            await refused
        with pytest.raises(StoreError, match="start a new one"):
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.users.get(earlier_id or 0) is None


async def test_an_added_row_keeps_its_values_after_its_unit_fails(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(telegram_id=91, username="undone"))
        with pytest.raises(DuplicateKeyError):
            await uow.users.add(user(telegram_id=91))
    # The unit failed and stored nothing; what it returned still reads as it was.
    assert added.id is not None
    assert added.username == "undone"
    async with store.unit_of_work() as uow:
        assert await uow.users.get(added.id) is None
