"""Migration 0005 on a loaded store: the keys of messages hold chat_id, ids stay the same."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, text

from sqlmodel_store import Store, StoreSettings
from tests.factories import message, user

BEFORE = "0004"


def _keys(connection: Connection) -> tuple[list[str], list[list[str]]]:
    inspector = inspect(connection)
    primary = inspector.get_pk_constraint("messages")["constrained_columns"]
    unique = [u["column_names"] for u in inspector.get_unique_constraints("messages")]
    return primary, unique


async def _rows(store: Store) -> list[tuple[int, int, int, int]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, chat_id, message_id, user_id FROM messages ORDER BY id")
        )
        return [(r.id, r.chat_id, r.message_id, r.user_id) for r in rows]


async def _load(store: Store) -> None:
    async with store.unit_of_work() as uow:
        authors = [await uow.users.add(user()) for _ in range(3)]
        ids = [a.id or 0 for a in authors]
        await uow.messages.add_many(
            message(ids[n % 3], n, chat_id=-1000 - n % 4) for n in range(1, 61)
        )
        await uow.commit()


async def test_the_migration_keeps_every_row_and_id_up_and_down(
    new_database: Callable[[str], str], backend: str
) -> None:
    async with Store(StoreSettings(database_url=new_database(backend))) as store:
        await store.upgrade(BEFORE)
        await _load(store)
        loaded = await _rows(store)
        await store.upgrade()
        assert await _rows(store) == loaded
        async with store.engine.connect() as conn:
            primary, unique = await conn.run_sync(_keys)
        expected_primary = ["id"] if backend == "sqlite" else ["id", "chat_id"]
        assert primary == expected_primary
        assert all("chat_id" in key for key in unique)
        async with store.unit_of_work() as uow:
            added = await uow.messages.add(message(loaded[0][3], 999, chat_id=-1001))
            row = await uow.messages.get(loaded[-1][0])
            await uow.commit()
        assert added.id == loaded[-1][0] + 1
        assert row is not None
        assert row.message_id == loaded[-1][2]
        await store.downgrade(BEFORE)
        assert await _rows(store) == sorted([*loaded, (added.id, -1001, 999, loaded[0][3])])
        async with store.engine.connect() as conn:
            assert (await conn.run_sync(_keys))[0] == ["id"]
