"""Deadlocks and serialization failures are retryable ConflictErrors; store.transaction retries."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text

from sqlmodel_store import ConflictError, DuplicateKeyError, SqlUnitOfWork, Store, StoreError
from tests.factories import user
from tests.postgres.bot_load import empty_store

PAIRS = 100
AT_ONCE = 10  # pairs in flight together: two connections each, well inside the pool
Unit = Callable[[SqlUnitOfWork], Awaitable[float]]


@pytest.fixture
async def pg(migrated_postgres: str) -> AsyncIterator[Store]:
    async with empty_store(migrated_postgres) as store:
        yield store


async def _users(store: Store, count: int) -> list[int]:
    async with store.unit_of_work() as uow:
        rows = [await uow.users.upsert(user()) for _ in range(count)]
        await uow.commit()
    return [row.id for row in rows if row.id is not None]


class Crossing:
    """Two units that increment counters x, y in opposite orders (A replies to B while B
    replies to A). On their first runs each waits, holding its first lock, until the other
    holds its own: the pair deadlocks exactly once."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y
        self.meet = asyncio.Barrier(2)
        self.runs: Counter[str] = Counter()

    def unit(self, name: str) -> Unit:
        first, second = (self.x, self.y) if name == "a" else (self.y, self.x)

        async def run(uow: SqlUnitOfWork) -> float:
            self.runs[name] += 1
            # Detect the deadlock in 50 ms, not 1 s (a superuser setting, this transaction only).
            await uow.session.exec(text("SET LOCAL deadlock_timeout = '50ms'"))
            await uow.stats.increment(first, "replies")
            if self.runs[name] == 1:
                await self.meet.wait()
            return await uow.stats.increment(second, "replies")

        return run


async def _once(store: Store, unit: Unit) -> None:
    async with store.unit_of_work() as uow:
        await unit(uow)
        await uow.commit()


async def _totals(store: Store, *users: int) -> list[float]:
    async with store.unit_of_work() as uow:
        return [await uow.stats.total(u, "replies") for u in users]


async def test_units_incrementing_in_opposite_orders_end_in_one_retryable_conflict(
    pg: Store,
) -> None:
    pair = Crossing(*await _users(pg, 2))
    results = await asyncio.gather(
        _once(pg, pair.unit("a")), _once(pg, pair.unit("b")), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results
    conflict = errors[0]
    assert isinstance(conflict, ConflictError)
    assert conflict.retryable
    assert conflict.__cause__ is not None
    assert "deadlock" in str(conflict)
    assert "unreachable" not in str(conflict)
    assert await _totals(pg, pair.x, pair.y) == [1.0, 1.0]


async def test_a_hundred_deadlocking_pairs_all_complete_through_transaction(pg: Store) -> None:
    ids = await _users(pg, 2 * PAIRS)
    pairs = [Crossing(ids[2 * n], ids[2 * n + 1]) for n in range(PAIRS)]
    for start in range(0, PAIRS, AT_ONCE):
        batch = pairs[start : start + AT_ONCE]
        await asyncio.gather(*(pg.transaction(p.unit(name)) for p in batch for name in ("a", "b")))
    assert all(sorted(p.runs.values()) == [1, 2] for p in pairs), "each pair deadlocked once"
    assert await _totals(pg, *ids) == [2.0] * (2 * PAIRS)


async def test_a_serialization_failure_at_commit_is_a_conflict_not_a_lost_server(
    pg: Store,
) -> None:
    (sender,) = await _users(pg, 1)
    # Write skew: each unit reads the total, then adds to it; the second COMMIT must fail.
    first, second = pg.unit_of_work(), pg.unit_of_work()
    async with first, second:
        for uow in (first, second):
            await uow.session.exec(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
            await uow.stats.total(sender, "replies")
        for uow in (first, second):
            await uow.stats.record(sender, "replies", 1.0)
        await first.commit()
        with pytest.raises(ConflictError, match="serializ") as raised:
            await second.commit()
    assert "unreachable" not in str(raised.value)
    assert await _totals(pg, sender) == [1.0]


async def test_transaction_returns_what_fn_returned_and_a_commit_inside_is_fine(
    pg: Store,
) -> None:
    (sender,) = await _users(pg, 1)

    async def reply(uow: SqlUnitOfWork) -> float:
        total = await uow.stats.increment(sender, "replies")
        await uow.commit()
        return total

    assert await pg.transaction(reply) == 1.0
    assert await pg.transaction(reply) == 2.0
    assert await _totals(pg, sender) == [2.0]


async def test_transaction_gives_up_after_its_attempts_with_the_last_conflict(
    pg: Store,
) -> None:
    (sender,) = await _users(pg, 1)
    runs: list[int] = []

    async def always_loses(uow: SqlUnitOfWork) -> None:
        runs.append(len(runs))
        await uow.stats.record(sender, "replies", 1.0)
        raise ConflictError(f"lost conflict {len(runs)}")

    with pytest.raises(ConflictError, match="lost conflict 3"):
        await pg.transaction(always_loses, attempts=3)
    assert len(runs) == 3
    assert await _totals(pg, sender) == [0.0], "every lost run was rolled back"


async def test_transaction_does_not_retry_an_error_that_is_not_retryable(pg: Store) -> None:
    taken = user()
    runs: list[int] = []

    async def duplicate(uow: SqlUnitOfWork) -> None:
        runs.append(1)
        await uow.users.add(taken)

    await pg.transaction(duplicate)
    with pytest.raises(DuplicateKeyError) as raised:
        await pg.transaction(duplicate)
    assert isinstance(raised.value, StoreError)
    assert not raised.value.retryable
    assert len(runs) == 2
