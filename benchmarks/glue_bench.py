"""Benchmarks of the framework glue: aiogram updates through the middleware, and FastAPI's 503.

Goals (from the issue): updates/s through `dp.feed_update` with `StoreMiddleware` at least
0.9x the same handler opening its own unit of work; and an exhausted pool answered 503 with
`Retry-After` once the pool timeout passes.

Run from the project root against PostgreSQL (default: postgres@127.0.0.1:5432, trust auth):

    .venv/bin/python benchmarks/glue_bench.py
    .venv/bin/python benchmarks/glue_bench.py --updates 2000 --concurrency 50 --rounds 5

It creates a throwaway database `glue_bench_<pid>`, migrates it and drops it at the end. The
two aiogram variants alternate (A B A B ...) and the figures are medians; the FSM storage is
`StoreStorage` in both, so only the unit-of-work wiring differs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from itertools import count
from time import perf_counter
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from aiogram import Bot, Dispatcher, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, Message, Update, User
from fastapi import FastAPI
from sqlalchemy.engine import URL, make_url

from sqlmodel_store import SqlUnitOfWork, Store, StoreSettings
from sqlmodel_store.aiogram import StoreMiddleware, StoreStorage
from sqlmodel_store.fastapi import UnitOfWorkDep, store_lifespan
from sqlmodel_store.models import MessageCreate, UserCreate

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHAT_ID = -1001000000001
SENT = datetime(2024, 3, 1, tzinfo=UTC)
_message_ids = count(1)


async def admin_execute(admin: URL, sql: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction, so they go through asyncpg directly."""
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_database(admin_url: str) -> AsyncIterator[str]:
    admin = make_url(admin_url)
    name = f"glue_bench_{os.getpid()}"
    await admin_execute(admin, f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        async with Store(StoreSettings(database_url=url)) as store:
            await store.upgrade()
        yield url
    finally:
        await admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def store_message(message: Message, uow: SqlUnitOfWork) -> None:
    """The work both variants do: upsert the author and add the message (then set FSM state)."""
    assert message.from_user is not None
    user = await uow.users.upsert(UserCreate(telegram_id=message.from_user.id))
    assert user.id is not None
    await uow.messages.add(
        MessageCreate(user_id=user.id, chat_id=CHAT_ID, message_id=message.message_id)
    )


async def in_update_unit(message: Message, uow: SqlUnitOfWork, state: FSMContext) -> None:
    await store_message(message, uow)
    await state.set_state("Bench:seen")  # on the update's connection, in its transaction


def with_middleware(store: Store) -> Dispatcher:
    dp = Dispatcher(storage=StoreStorage(store))
    dp.update.outer_middleware(StoreMiddleware(store))
    router = Router()
    router.message.register(in_update_unit, F.text)
    dp.include_router(router)
    return dp


def with_own_unit(store: Store) -> Dispatcher:
    async def handler(message: Message, state: FSMContext) -> None:
        async with store.unit_of_work() as uow:
            await store_message(message, uow)
            await uow.commit()
        # After the unit: inside it the storage would need a second connection per update,
        # which exhausts the pool under load (every update holding one, waiting for another).
        await state.set_state("Bench:seen")

    dp = Dispatcher(storage=StoreStorage(store))
    router = Router()
    router.message.register(handler, F.text)
    dp.include_router(router)
    return dp


def update(user_id: int) -> Update:
    number = next(_message_ids)
    return Update(
        update_id=number,
        message=Message(
            message_id=number,
            date=SENT,
            chat=Chat(id=CHAT_ID, type="supergroup"),
            from_user=User(id=user_id, is_bot=False, first_name="bench"),
            text="hello",
        ),
    )


async def updates_per_second(dp: Dispatcher, bot: Bot, total: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def feed(user_id: int) -> None:
        async with gate:
            await dp.feed_update(bot, update(user_id))

    started = perf_counter()
    await asyncio.gather(*(feed(1 + n % 500) for n in range(total)))
    return total / (perf_counter() - started)


async def aiogram_figures(url: str, args: argparse.Namespace) -> None:
    variants: dict[str, Callable[[Store], Dispatcher]] = {
        "middleware": with_middleware,
        "own unit of work": with_own_unit,
    }
    rates: dict[str, list[float]] = {name: [] for name in variants}
    bot = Bot(token="123456:benchmark-token-never-used")
    async with Store(StoreSettings(database_url=url)) as store:
        await updates_per_second(with_middleware(store), bot, 200, args.concurrency)  # warm-up
        for _ in range(args.rounds):
            for name, build in variants.items():
                rate = await updates_per_second(build(store), bot, args.updates, args.concurrency)
                rates[name].append(rate)
    await bot.session.close()
    for name, values in rates.items():
        shown = ", ".join(f"{value:.0f}" for value in values)
        print(f"{name:>18}: median {statistics.median(values):7.0f} updates/s  ({shown})")
    ratio = statistics.median(rates["middleware"]) / statistics.median(rates["own unit of work"])
    print(f"{'ratio':>18}: {ratio:.2f}x (goal >= 0.9x)")


def exhaustion_app(store: Store, hold_s: float) -> FastAPI:
    app = FastAPI(lifespan=store_lifespan(store))

    @app.put("/slow")
    async def slow(uow: UnitOfWorkDep) -> None:
        await uow.users.upsert(UserCreate(telegram_id=1))
        await asyncio.sleep(hold_s)

    @app.get("/fast")
    async def fast(uow: UnitOfWorkDep) -> None:
        await uow.users.get_by_telegram_id(1)

    return app


async def time_to_503(url: str, timeout_s: float, hold_s: float) -> tuple[float, int, str]:
    settings = StoreSettings(
        database_url=url,
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout=timeout_s,
    )
    app = exhaustion_app(Store(settings), hold_s)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
    ):
        holder = asyncio.create_task(http.put("/slow"))
        await asyncio.sleep(0.2)
        started = perf_counter()
        refused = await http.get("/fast")
        waited = perf_counter() - started
        await holder
    return waited, refused.status_code, refused.headers.get("retry-after", "-")


async def exhaustion_figures(url: str, args: argparse.Namespace) -> None:
    runs: list[tuple[float, int, str]] = []
    for _ in range(args.rounds):
        runs.append(await time_to_503(url, args.pool_timeout, hold_s=args.pool_timeout * 4))
    waits = [waited for waited, _, _ in runs]
    statuses = sorted({status for _, status, _ in runs})
    retry_after = sorted({value for _, _, value in runs})
    print(
        f"pool exhausted (size 1, timeout {args.pool_timeout:g} s): status {statuses}, "
        f"Retry-After {retry_after}, time to answer median {statistics.median(waits):.3f} s "
        f"({', '.join(f'{w:.3f}' for w in waits)})"
    )


async def main(args: argparse.Namespace) -> None:
    # The pool-exhaustion run warns by design; the figures are what this script reports.
    logging.getLogger("sqlmodel_store").setLevel(logging.ERROR)
    async with throwaway_database(args.admin_url) as url:
        await aiogram_figures(url, args)
        await exhaustion_figures(url, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--admin-url", default=os.environ.get("BENCH_ADMIN_URL", ADMIN_URL))
    parser.add_argument("--updates", type=int, default=2000, help="updates per timed round")
    parser.add_argument("--concurrency", type=int, default=50, help="updates in flight")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per variant")
    parser.add_argument("--pool-timeout", type=float, default=0.5)
    return parser.parse_args()


def run(entry: Callable[[argparse.Namespace], Awaitable[Any]]) -> None:
    asyncio.run(entry(parse_args()))


if __name__ == "__main__":
    run(main)
