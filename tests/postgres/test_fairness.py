"""Above the pool's size, units of work queue for a connection and are served in turn."""

from __future__ import annotations

import asyncio
from statistics import median

from sqlalchemy import text

from sqlmodel_store import Store
from tests.postgres.bot_load import assert_consistent, empty_store, run_load

TASKS = 100


async def test_a_hundred_tasks_on_a_pool_of_thirty_all_get_their_turn(
    migrated_postgres: str,
) -> None:
    # A pool timeout well inside the run: a starved task fails with PoolTimeoutError (before
    # the fix 70 of the 100 did, within one timeout).
    async with empty_store(
        migrated_postgres, database_pool_size=10, database_max_overflow=20, database_pool_timeout=10
    ) as loaded:
        outcome = await run_load(loaded, tasks=TASKS, seconds=20)
        await assert_consistent(loaded, outcome)
    assert outcome.errors == []
    counts = sorted(outcome.per_task[task] for task in range(TASKS))
    assert counts[0] >= median(counts) / 4, counts


async def _queued_units(
    store: Store, count: int, served: list[int], release: asyncio.Event
) -> list[asyncio.Task[None]]:
    """A unit holds the only connection until `release`; `count` more queue up, in order."""
    holding = asyncio.Event()

    async def unit(n: int) -> None:
        async with store.unit_of_work() as uow:
            await uow.session.exec(text("SELECT 1"))
            served.append(n)
            if n < 0:
                holding.set()
                await release.wait()

    holder = asyncio.create_task(unit(-1))
    await holding.wait()
    queued = []
    for n in range(count):
        queued.append(asyncio.create_task(unit(n)))
        await asyncio.sleep(0.02)  # each reaches the pool before the next one starts
    return [holder, *queued]


async def test_units_waiting_for_a_connection_are_served_in_arrival_order(
    migrated_postgres: str,
) -> None:
    served: list[int] = []
    release = asyncio.Event()
    async with empty_store(migrated_postgres, database_pool_size=1, database_max_overflow=0) as s:
        tasks = await _queued_units(s, 10, served, release)
        release.set()
        await asyncio.gather(*tasks)
    assert served == [-1, *range(10)]


async def test_a_cancelled_wait_for_a_connection_loses_no_connection(
    migrated_postgres: str,
) -> None:
    served: list[int] = []
    release = asyncio.Event()
    async with empty_store(migrated_postgres, database_pool_size=1, database_max_overflow=0) as s:
        holder, *queued = await _queued_units(s, 6, served, release)
        for task in queued[::2]:
            task.cancel()
        release.set()
        await asyncio.gather(holder, *queued, return_exceptions=True)
        assert served == [-1, 1, 3, 5]
        stats = (await s.health()).pool
    assert stats is not None
    assert stats.checked_out == 0
    assert stats.checked_in == 1
