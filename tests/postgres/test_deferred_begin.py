"""Plain reads before a unit's first write run without a transaction on PostgreSQL; what a
unit reads, writes and raises stays the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sqlmodel_store import DatabaseUnavailableError, Store, StoreError, StoreSettings
from sqlmodel_store.uow import SqlUnitOfWork
from tests.factories import message, user

SUPERGROUP = -1001234567890
TABLES = "users, messages, stats"


async def _emptied(url: str, **settings: object) -> Store:
    store = Store(StoreSettings(database_url=url, **settings))  # type: ignore[arg-type]
    async with store.engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    return store


@pytest.fixture
async def store(migrated_postgres: str) -> AsyncIterator[Store]:
    async with await _emptied(migrated_postgres) as store:
        yield store


@pytest.fixture
async def admin(migrated_postgres: str) -> AsyncIterator[asyncpg.Connection]:
    url = make_url(migrated_postgres).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        yield connection
    finally:
        await connection.close()


async def backend_pid(uow: SqlUnitOfWork) -> int:
    raw = await (await uow.session.connection()).get_raw_connection()
    pid: int = raw.driver_connection.get_server_pid()  # type: ignore[union-attr]
    return pid


async def backend_state(admin: asyncpg.Connection, pid: int) -> str:
    state: str = await admin.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
    return state


async def with_history(store: Store, count: int) -> int:
    async with store.unit_of_work() as uow:
        author = await uow.users.add(user())
        await uow.messages.add_many(message(author.id or 0, n) for n in range(1, count + 1))
        await uow.commit()
    return author.id or 0


async def test_a_unit_that_only_reads_holds_no_transaction_open(
    store: Store, admin: asyncpg.Connection
) -> None:
    await with_history(store, 3)
    async with store.unit_of_work() as uow:
        page = await uow.messages.history(SUPERGROUP)
        assert await backend_state(admin, await backend_pid(uow)) == "idle"
    assert [m.message_id for m in page] == [1, 2, 3]


async def test_reads_before_and_after_a_write_return_the_same_rows(store: Store) -> None:
    author_id = await with_history(store, 60)
    async with store.unit_of_work() as uow:
        before = [m.model_dump() for m in await uow.messages.history(SUPERGROUP, limit=50)]
        await uow.stats.increment(author_id, "messages")  # opens the transaction
        inside = [m.model_dump() for m in await uow.messages.history(SUPERGROUP, limit=50)]
    assert before == inside
    assert [row["message_id"] for row in before] == list(range(11, 61))


async def test_a_write_after_a_read_is_still_undone_without_commit(
    store: Store, admin: asyncpg.Connection
) -> None:
    author_id = await with_history(store, 1)
    async with store.unit_of_work() as uow:
        await uow.messages.history(SUPERGROUP)
        await uow.messages.add(message(author_id, 2))
        assert await backend_state(admin, await backend_pid(uow)) == "idle in transaction"
    async with store.unit_of_work() as uow:
        assert [m.message_id for m in await uow.messages.history(SUPERGROUP)] == [1]


async def test_a_read_after_a_write_sees_the_units_own_writes(store: Store) -> None:
    author_id = await with_history(store, 1)
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="new"))
        await uow.messages.add(message(author_id, 2))
        seen = [m.message_id for m in await uow.messages.history(SUPERGROUP)]
        found = await uow.users.get_by_telegram_id(added.telegram_id)
    assert seen == [1, 2]
    assert found is added


async def test_increments_after_a_read_still_count_every_one(store: Store) -> None:
    author_id = await with_history(store, 1)
    async with store.unit_of_work() as uow:
        assert await uow.stats.total(author_id, "replies") == 0.0
        assert await uow.stats.increment(author_id, "replies") == 1.0
        assert await uow.stats.increment(author_id, "replies", by=2) == 3.0
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.stats.total(author_id, "replies") == 3.0


async def test_after_a_refused_plain_read_the_units_writes_are_still_transactional(
    store: Store, admin: asyncpg.Connection
) -> None:
    author_id = await with_history(store, 1)
    async with store.unit_of_work() as uow:
        with pytest.raises(StoreError):
            await uow.users.get_by_telegram_id(2**70)  # no BIGINT holds it
        await uow.messages.add(message(author_id, 2))
        assert await backend_state(admin, await backend_pid(uow)) == "idle in transaction"
    async with store.unit_of_work() as uow:
        assert [m.message_id for m in await uow.messages.history(SUPERGROUP)] == [1]


async def test_a_plain_read_on_a_terminated_connection_is_database_unavailable(
    store: Store, admin: asyncpg.Connection
) -> None:
    await with_history(store, 1)
    async with store.unit_of_work() as uow:
        await uow.messages.history(SUPERGROUP)
        await admin.execute("SELECT pg_terminate_backend($1)", await backend_pid(uow))
        with pytest.raises(DatabaseUnavailableError):
            await uow.messages.history(SUPERGROUP)
    async with store.unit_of_work() as uow:
        assert len(await uow.messages.history(SUPERGROUP)) == 1


async def test_a_cancelled_plain_read_leaves_later_writes_transactional(
    store: Store, admin: asyncpg.Connection
) -> None:
    author_id = await with_history(store, 1)
    async with admin.transaction():  # the read waits behind this lock until cancelled
        await admin.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        async with store.unit_of_work() as uow:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(uow.messages.history(SUPERGROUP), timeout=0.2)
    for number in range(2, 2 + store.settings.database_pool_size):  # every pooled connection
        async with store.unit_of_work() as uow:
            await uow.messages.history(SUPERGROUP)
            await uow.messages.add(message(author_id, number))
            assert await backend_state(admin, await backend_pid(uow)) == "idle in transaction"
    async with store.unit_of_work() as uow:
        assert [m.message_id for m in await uow.messages.history(SUPERGROUP)] == [1]


async def test_behind_pgbouncer_reads_run_in_the_transaction(
    migrated_postgres: str, admin: asyncpg.Connection
) -> None:
    async with await _emptied(migrated_postgres, database_pgbouncer=True) as store:
        await with_history(store, 1)
        async with store.unit_of_work() as uow:
            await uow.messages.history(SUPERGROUP)
            assert await backend_state(admin, await backend_pid(uow)) == "idle in transaction"
