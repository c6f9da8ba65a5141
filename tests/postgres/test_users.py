"""Users: the shared repository verbs and the Telegram-id queries."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sqlmodel_store import DuplicateKeyError, ForeignKeyError, NotFoundError, Store
from sqlmodel_store.models import UserCreate, UserUpdate
from tests.factories import message, user


async def test_add_then_get_returns_the_same_row(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="neko", first_name="Neko", is_friend=True))
        await uow.commit()
    async with store.unit_of_work() as uow:
        found = await uow.users.get(added.id or 0)
    assert found is not None
    assert (found.username, found.first_name, found.is_friend) == ("neko", "Neko", True)
    assert found.created_at.tzinfo is not None


async def test_ids_beyond_32_bits_round_trip(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add(user(telegram_id=2**63 - 1))
        await uow.users.add(user(telegram_id=-(2**63)))
        await uow.commit()
    async with store.unit_of_work() as uow:
        biggest = await uow.users.get_by_telegram_id(2**63 - 1)
        smallest = await uow.users.get_by_telegram_id(-(2**63))
    assert biggest is not None
    assert smallest is not None


async def test_get_by_telegram_id_of_a_stranger_is_none(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.users.get_by_telegram_id(5) is None
        assert await uow.users.get(12345) is None


async def test_upsert_inserts_then_updates_only_the_given_fields(store: Store) -> None:
    async with store.unit_of_work() as uow:
        first = await uow.users.upsert(UserCreate(telegram_id=42, username="neko", first_name="N"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        second = await uow.users.upsert(UserCreate(telegram_id=42, username="neko2"))
        await uow.commit()
    assert second.id == first.id
    assert second.username == "neko2"
    assert second.first_name == "N"
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    async with store.unit_of_work() as uow:
        assert len(await uow.users.page()) == 1


async def test_upsert_from_a_mapping_validates_it(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ValidationError):
            await uow.users.upsert({"telegram_id": "not a number"})


async def test_duplicate_telegram_id_is_a_duplicate_key_error(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add(user(telegram_id=7))
        with pytest.raises(DuplicateKeyError, match="telegram_id"):
            await uow.users.add(user(telegram_id=7))


async def test_invalid_data_never_reaches_the_database(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ValidationError):
            await uow.users.add({"telegram_id": 1, "username": "x" * 300})
        assert await uow.users.page() == []


async def test_update_changes_only_what_is_set(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="a", first_name="A"))
        updated = await uow.users.update(added.id or 0, UserUpdate(username="b"))
        await uow.commit()
    assert (updated.username, updated.first_name) == ("b", "A")


async def test_update_and_delete_of_a_missing_row_say_not_found(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(NotFoundError, match="users: no row with id 999"):
            await uow.users.update(999, UserUpdate(username="x"))
        with pytest.raises(NotFoundError):
            await uow.users.delete(999)


async def test_delete_removes_the_row(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user())
        await uow.users.delete(added.id or 0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.users.get(added.id or 0) is None


async def test_deleting_a_user_with_messages_is_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        author = await uow.users.add(user())
        await uow.messages.add(message(author.id or 0, 1))
        with pytest.raises(ForeignKeyError):
            await uow.users.delete(author.id or 0)


async def test_page_walks_every_row_in_id_order(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add_many([user() for _ in range(7)])
        await uow.commit()
    seen: list[int] = []
    async with store.unit_of_work() as uow:
        after = None
        while page := await uow.users.page(after_id=after, limit=3):
            seen += [u.id or 0 for u in page]
            after = page[-1].id
    assert len(seen) == 7
    assert seen == sorted(seen)
