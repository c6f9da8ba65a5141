"""Every database error reaches bot code as the store's own, with words that fit the cause:
through the repositories and through `uow.session` alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text

from sqlmodel_store import (
    DatabaseUnavailableError,
    DuplicateKeyError,
    PoolTimeoutError,
    Store,
    StoreError,
    StoreSettings,
)
from tests.factories import user
from tests.postgres.bot_load import empty_store

REFUSING_TABLE = """
CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'notes are read-only today'; END $$;
CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON notes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse();
"""


@pytest.fixture
async def refusing(new_database: Callable[[str], str]) -> AsyncIterator[Store]:
    """A store on a database whose `notes` table refuses every insert when it commits."""
    async with Store(StoreSettings(database_url=new_database("postgres"))) as store:
        async with store.engine.begin() as connection:
            for statement in REFUSING_TABLE.split(";\n"):
                if statement.strip():
                    await connection.exec_driver_sql(statement)
        yield store


async def test_a_triggers_exception_at_commit_is_a_refusal_not_a_lost_server(
    refusing: Store,
) -> None:
    async with refusing.unit_of_work() as uow:
        await uow.session.exec(text("INSERT INTO notes VALUES (1, 'hi')"))
        with pytest.raises(StoreError, match="notes are read-only today") as raised:
            await uow.commit()
    assert not isinstance(raised.value, DatabaseUnavailableError)
    assert "unreachable" not in str(raised.value)
    assert raised.value.__cause__ is not None


async def test_a_statement_through_uow_session_raises_the_stores_error(refusing: Store) -> None:
    async with refusing.unit_of_work() as uow:
        await uow.session.exec(text("INSERT INTO notes VALUES (1, 'hi')"))
        with pytest.raises(DuplicateKeyError, match="notes_pkey") as raised:
            await uow.session.exec(text("INSERT INTO notes VALUES (1, 'again')"))
    assert raised.value.__cause__ is not None


async def test_an_exhausted_pool_through_uow_session_raises_pool_timeout(
    migrated_postgres: str,
) -> None:
    settings = {"database_pool_size": 1, "database_max_overflow": 0, "database_pool_timeout": 0.3}
    async with empty_store(migrated_postgres, **settings) as store:
        holding = asyncio.Event()

        async def hold() -> None:
            async with store.unit_of_work() as uow:
                await uow.session.exec(text("SELECT 1"))
                holding.set()
                await asyncio.sleep(1)

        holder = asyncio.create_task(hold())
        await holding.wait()
        async with store.unit_of_work() as uow:
            with pytest.raises(PoolTimeoutError, match="DATABASE_POOL_TIMEOUT"):
                await uow.session.exec(text("SELECT 1"))
        await holder


async def test_using_a_unit_after_its_statement_failed_says_to_start_a_new_one(
    migrated_postgres: str,
) -> None:
    taken = user()
    async with empty_store(migrated_postgres) as store:
        async with store.unit_of_work() as uow:
            await uow.users.add(taken)
            await uow.commit()
        async with store.unit_of_work() as uow:
            with pytest.raises(DuplicateKeyError):
                await uow.users.add(taken)
            with pytest.raises(StoreError, match="start a new one"):
                await uow.users.get_by_telegram_id(taken.telegram_id)


async def test_an_unreachable_server_is_called_so_by_units_and_health() -> None:
    url = "postgresql://postgres@127.0.0.1:9/nowhere"  # the discard port: nothing listens
    async with Store(StoreSettings(database_url=url)) as store:
        async with store.unit_of_work() as uow:
            with pytest.raises(DatabaseUnavailableError, match="unreachable") as raised:
                await uow.session.exec(text("SELECT 1"))
        report = await store.health()
    assert not raised.value.outcome_unknown
    assert report.status == "error"
    assert report.error is not None
    assert "unreachable" in report.error
