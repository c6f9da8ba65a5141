"""The rows a batch's references point at are locked as a foreign-key check locks them (FOR
KEY SHARE): nobody can delete them before the batch commits, and the bot can still update them
while an import runs."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from legacy_import.load.references import resolve_references
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import UserCreate
from tests.conftest import TABLES


async def _locked_by_a_batch(url: str, statement: str) -> str:
    """Run `statement` from another connection while a batch holds its reference locks on
    user 1: "done", or the error that stopped it."""
    async with Store(StoreSettings(database_url=url)) as store:
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        async with store.unit_of_work() as uow:
            await uow.users.add(UserCreate(telegram_id=42))
            await uow.commit()
        async with store.engine.connect() as conn, conn.begin():
            found, _ = await resolve_references(
                conn, 0, "users", {1}, match=None, keyspace=None, lock=True
            )
            assert found == {1: 1}
            other = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
            try:
                await other.execute("SET lock_timeout = '1s'")
                await other.execute(statement)
            except asyncpg.PostgresError as error:
                return type(error).__name__
            finally:
                await other.close()
    return "done"


@pytest.mark.parametrize(
    ("statement", "outcome"),
    [
        ("UPDATE users SET username = 'renamed' WHERE id = 1", "done"),
        ("DELETE FROM users WHERE id = 1", "LockNotAvailableError"),
    ],
)
def test_a_referenced_row_can_be_updated_but_not_deleted_while_a_batch_holds_it(
    migrated_postgres: str, statement: str, outcome: str
) -> None:
    assert asyncio.run(_locked_by_a_batch(migrated_postgres, statement)) == outcome
