"""The bot-like workload through the store and through raw SQLAlchemy Core, side by side.

Per update, one transaction: upsert the sender, add the message, increment the sender's
message counter (advisory lock, sample, total), commit. The peer runs the same statements
with SQLAlchemy Core + asyncpg on an engine with the same pool (10 + 20, pre-ping). Both run
in this process, alternating the paths round by round at each concurrency; figures are
medians over the rounds. A third path, uow+core, runs the Core statements inside a unit of
work: the cost of the unit of work, session and pool, apart from the repositories. Goal
(issue 23): store >= 0.9x core at 1, 10 and 50 tasks; at every concurrency, the fewest updates
of one task >= 1/4 of the median (no task starves). The process's CPU per update is printed
too: on a shared machine it is steadier than updates per second.

    .venv/bin/python benchmarks/store_load_bench.py
    .venv/bin/python benchmarks/store_load_bench.py --tasks 1 10 50 100 --seconds 5 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from store_bench import ADMIN_URL, throwaway_store

from sqlmodel_store import Store
from sqlmodel_store.models import Message, MessageCreate, Stat, UserCreate

USERS, MESSAGES, STATS = (Message.metadata.tables[name] for name in ("users", "messages", "stats"))
CHAT_ID = -1001234567890
Update = Callable[[int, int], Awaitable[None]]


async def store_update(store: Store, telegram_id: int, message_id: int) -> None:
    async with store.unit_of_work() as uow:
        sender = await uow.users.upsert(UserCreate(telegram_id=telegram_id, username="bench"))
        assert sender.id is not None
        await uow.messages.add(
            MessageCreate(
                user_id=sender.id,
                chat_id=CHAT_ID,
                message_id=message_id,
                text="hello",
                timestamp=datetime.now(UTC),
            )
        )
        await uow.stats.increment(sender.id, "messages")
        await uow.commit()


async def core_statements(connection: AsyncConnection, telegram_id: int, message_id: int) -> None:
    """The update's statements in SQLAlchemy Core, in the caller's transaction."""
    now = datetime.now(UTC)
    upsert = pg_insert(USERS).values(
        telegram_id=telegram_id, username="bench", is_friend=False, created_at=now, updated_at=now
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["telegram_id"],
        set_={"username": upsert.excluded.username, "updated_at": now},
    ).returning(*USERS.c)
    user_id = (await connection.execute(upsert)).one().id
    message = {"user_id": user_id, "chat_id": CHAT_ID, "message_id": message_id}
    row = message | {"text": "hello", "message_type": "text", "timestamp": now}
    await connection.execute(insert(MESSAGES).returning(MESSAGES.c.id), row)
    lock = func.pg_advisory_xact_lock(func.hashtextextended("messages", user_id))
    await connection.execute(select(lock))
    sample = {"user_id": user_id, "stat_type": "messages", "value": 1.0, "timestamp": now}
    await connection.execute(insert(STATS).returning(STATS.c.id), sample)
    total = select(func.coalesce(func.sum(Stat.value), 0.0)).where(
        Stat.user_id == user_id, Stat.stat_type == "messages"
    )
    (await connection.execute(total)).scalar_one()


async def core_update(engine: AsyncEngine, telegram_id: int, message_id: int) -> None:
    async with engine.begin() as connection:
        await core_statements(connection, telegram_id, message_id)


async def unit_core_update(store: Store, telegram_id: int, message_id: int) -> None:
    """Core statements inside a unit of work: what the unit of work, session and pool cost
    apart from the repositories."""
    async with store.unit_of_work() as uow:
        await core_statements(await uow.session.connection(), telegram_id, message_id)
        await uow.commit()


@dataclass(frozen=True, slots=True)
class Run:
    per_second: float
    cpu_ms: float
    per_task: list[int]
    errors: int


async def run(update: Update, tasks: int, seconds: float, ids: count[int]) -> Run:
    """`tasks` senders send updates for `seconds`; updates/s and each sender's count."""
    done, errors = [0] * tasks, 0
    deadline = time.monotonic() + seconds

    async def sender(task: int) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            try:
                await update(8_000_000_000 + task, next(ids))
            except Exception:
                errors += 1
            else:
                done[task] += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(sender(task) for task in range(tasks)))
    updates = max(sum(done), 1)
    cpu_ms = (time.process_time() - cpu) * 1000 / updates
    return Run(sum(done) / (time.perf_counter() - started), cpu_ms, sorted(done), errors)


def spread(runs: list[Run]) -> str:
    low = min(r.per_task[0] for r in runs)
    mid = statistics.median(statistics.median(r.per_task) for r in runs)
    high = max(r.per_task[-1] for r in runs)
    return f"{low}/{mid:g}/{high}"


async def compare(store: Store, core: AsyncEngine, opts: argparse.Namespace) -> None:
    ids = count(1)

    async def via_store(t: int, m: int) -> None:
        await store_update(store, t, m)

    async def via_unit(t: int, m: int) -> None:
        await unit_core_update(store, t, m)

    async def via_core(t: int, m: int) -> None:
        await core_update(core, t, m)

    paths: dict[str, Update] = {"store": via_store, "uow+core": via_unit, "core": via_core}
    for update in paths.values():  # warm-up: connections, caches, compiled statements
        await run(update, 10, 1.0, ids)
    print(
        f"{'tasks':>5} {'store/s':>9} {'uow+core/s':>11} {'core/s':>9} {'store/core':>10} "
        f"{'uow+core/core':>13}  CPU ms/update store uow+core core; "
        "per task min/median/max; errors"
    )
    for tasks in opts.tasks:
        runs: dict[str, list[Run]] = {name: [] for name in paths}
        for _ in range(opts.rounds):
            for name, update in paths.items():
                runs[name].append(await run(update, tasks, opts.seconds, ids))
        rate = {k: statistics.median(r.per_second for r in v) for k, v in runs.items()}
        cpu = " ".join(f"{statistics.median(r.cpu_ms for r in v):.2f}" for v in runs.values())
        spreads = ", ".join(
            f"{k} {spread(v)} ({sum(r.errors for r in v)})" for k, v in runs.items()
        )
        print(
            f"{tasks:>5} {rate['store']:>9.0f} {rate['uow+core']:>11.0f} {rate['core']:>9.0f} "
            f"{rate['store'] / rate['core']:>10.2f} {rate['uow+core'] / rate['core']:>13.2f}  "
            f"{cpu}; {spreads}"
        )


async def main(opts: argparse.Namespace) -> None:
    async with throwaway_store(opts.database_url) as store:
        settings = store.settings
        pool: dict[str, Any] = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_pool_timeout,
            "pool_recycle": settings.database_pool_recycle,
            "pool_pre_ping": settings.database_pool_pre_ping,
        }
        core = create_async_engine(settings.url, **pool)
        try:
            await compare(store, core, opts)
        finally:
            await core.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=ADMIN_URL, help="admin database URL")
    parser.add_argument("--tasks", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternating")
    asyncio.run(main(parser.parse_args()))
