"""Engine behaviour a bot relies on: pool limits and SQLite behaving like PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from sqlmodel_store import PoolTimeoutError, Store, StoreSettings


async def test_an_exhausted_pool_fails_after_the_timeout_with_a_clear_error(
    store_url: str,
) -> None:
    settings = StoreSettings(
        database_url=store_url,
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout=0.5,
    )
    async with Store(settings) as store, store.unit_of_work() as holder:
        await holder.users.page()  # checks out the only connection and keeps it
        started = time.monotonic()
        with pytest.raises(PoolTimeoutError, match="DATABASE_POOL_SIZE"):
            async with store.unit_of_work() as waiting:
                await waiting.users.page()
        waited = time.monotonic() - started
    assert 0.4 < waited < 5


async def test_sqlite_files_use_wal_and_enforce_foreign_keys(tmp_path: object) -> None:
    settings = StoreSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    async with Store(settings) as store, store.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
    assert (journal, foreign_keys) == ("wal", 1)


async def test_sqlite_units_wait_for_each_other_instead_of_failing(store: Store) -> None:
    async def write(n: int) -> None:
        async with store.unit_of_work() as uow:
            await uow.users.page()
            await asyncio.sleep(0.01)
            await uow.users.upsert({"telegram_id": n})
            await uow.commit()

    await asyncio.gather(*(write(n) for n in range(10)))
    async with store.unit_of_work() as uow:
        assert len(await uow.users.page()) == 10


async def test_a_sqlite_unit_blocked_by_another_writer_says_so(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.db"
    settings = StoreSettings(database_url=url, database_pool_timeout=0.3)
    async with Store(settings) as store, store.unit_of_work() as holder:
        await holder.session.exec(text("CREATE TABLE t (x INTEGER)"))  # holds the write lock
        with pytest.raises(PoolTimeoutError, match="locked by another unit of work"):
            async with store.unit_of_work() as blocked:
                await blocked.users.page()
