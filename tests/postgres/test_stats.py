"""Stats: samples, totals, latest, and increments that never lose an update."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel_store import Store
from tests.factories import BASE_TIME, user


async def author(store: Store) -> int:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user())
        await uow.commit()
    return added.id or 0


async def test_total_of_nothing_is_zero_and_latest_is_none(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        assert await uow.stats.total(user_id, "messages") == 0.0
        assert await uow.stats.latest(user_id, "messages") is None


async def test_record_keeps_samples_and_extra_data(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        await uow.stats.record(user_id, "mood", 0.25, {"why": "tea", "tags": ["a", "ё"]})
        await uow.stats.add(
            {
                "user_id": user_id,
                "stat_type": "mood",
                "value": -0.5,
                "timestamp": BASE_TIME + timedelta(days=1),
            }
        )
        await uow.stats.add(
            {"user_id": user_id, "stat_type": "mood", "value": 0.75, "timestamp": BASE_TIME}
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        latest = await uow.stats.latest(user_id, "mood")
        total = await uow.stats.total(user_id, "mood")
        first = await uow.stats.get(1)
    assert latest is not None
    assert latest.value == 0.25  # recorded now, after both back-dated samples
    assert total == 0.5
    assert first is not None
    assert first.extra_data == {"why": "tea", "tags": ["a", "ё"]}


async def test_increment_returns_the_running_total(store: Store) -> None:
    user_id = await author(store)
    async with store.unit_of_work() as uow:
        assert await uow.stats.increment(user_id, "jokes") == 1.0
        assert await uow.stats.increment(user_id, "jokes", by=2.5) == 3.5
        assert await uow.stats.increment(user_id, "other") == 1.0
        await uow.commit()


async def test_one_hundred_concurrent_increments_lose_nothing(store: Store) -> None:
    user_id = await author(store)

    async def increment_once() -> float:
        async with store.unit_of_work() as uow:
            total = await uow.stats.increment(user_id, "messages")
            await uow.commit()
            return total

    returned = await asyncio.gather(*(increment_once() for _ in range(100)))
    async with store.unit_of_work() as uow:
        assert await uow.stats.total(user_id, "messages") == 100.0
    assert sorted(returned) == [float(n) for n in range(1, 101)]
