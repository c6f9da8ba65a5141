"""The unit of work owns the transaction: explicit commit, rollback otherwise."""

from __future__ import annotations

import asyncio

import pytest

from sqlmodel_store import DuplicateKeyError, Store
from tests.factories import user


async def count_users(store: Store) -> int:
    async with store.unit_of_work() as uow:
        return len(await uow.users.page(limit=1000))


async def test_committed_work_is_visible_to_the_next_unit(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="neko"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        found = await uow.users.get(added.id or 0)
    assert found is not None
    assert found.username == "neko"


async def test_leaving_without_commit_rolls_back(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add(user())
    assert await count_users(store) == 0


async def test_an_error_inside_the_unit_rolls_back_everything(store: Store) -> None:
    async def failing_handler() -> None:
        async with store.unit_of_work() as uow:
            await uow.users.add(user())
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        await failing_handler()
    assert await count_users(store) == 0


async def test_explicit_rollback_discards_and_the_unit_stays_usable(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add(user(username="discarded"))
        await uow.rollback()
        await uow.users.add(user(username="kept"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        names = [u.username for u in await uow.users.page()]
    assert names == ["kept"]


async def test_savepoint_undoes_only_the_failed_part(store: Store) -> None:
    first = user()
    async with store.unit_of_work() as uow:
        await uow.users.add(first)
        with pytest.raises(DuplicateKeyError):
            async with uow.savepoint():
                await uow.users.add(user(telegram_id=first.telegram_id))
        await uow.users.add(user(username="after"))
        await uow.commit()
    assert await count_users(store) == 2


async def test_savepoint_keeps_its_work_when_nothing_fails(store: Store) -> None:
    async with store.unit_of_work() as uow:
        async with uow.savepoint():
            await uow.users.add(user())
        await uow.commit()
    assert await count_users(store) == 1


async def test_concurrent_units_are_independent(store: Store) -> None:
    async def add_and_maybe_commit(commit: bool) -> None:
        async with store.unit_of_work() as uow:
            await uow.users.add(user(username="committed" if commit else "dropped"))
            await asyncio.sleep(0.01)
            if commit:
                await uow.commit()

    await asyncio.gather(*(add_and_maybe_commit(i % 2 == 0) for i in range(6)))
    async with store.unit_of_work() as uow:
        names = {u.username for u in await uow.users.page()}
        total = len(await uow.users.page())
    assert names == {"committed"}
    assert total == 3


async def test_the_session_is_only_available_inside_the_block(store: Store) -> None:
    unit = store.unit_of_work()
    with pytest.raises(RuntimeError, match="async with"):
        _ = unit.session
