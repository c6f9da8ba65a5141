"""Messages split into 8 native hash partitions by chat_id: the store runs on it unchanged.

This is the schema's proof that it is ready to be distributed by chat (Citus): every key of
messages holds chat_id, so PostgreSQL accepts each key on a partitioned table, and a chat's
history is read from the one partition that holds the chat.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from sqlmodel_store import DuplicateKeyError, Store, StoreError, StoreSettings, migrations
from sqlmodel_store.models import Message, MessageUpdate
from sqlmodel_store.partitioning import partition_messages
from tests.factories import message, user

SUPERGROUP = -1001234567890
PARTITIONS = 8
_PARTITION = re.compile(r"\bmessages_p\d+\b")


@pytest.fixture
async def partitioned(new_database: Callable[[str], str]) -> AsyncIterator[Store]:
    async with Store(StoreSettings(database_url=new_database("postgres"))) as store:
        await store.upgrade()
        await partition_messages(store.engine, PARTITIONS)
        yield store


async def _author(store: Store) -> int:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user())
        await uow.commit()
    assert added.id is not None
    return added.id


async def _partitions_with_rows(store: Store) -> dict[str, int]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM messages GROUP BY 1")
        )
        return {name: count for name, count in rows}


async def test_a_loaded_table_keeps_its_rows_and_ids_and_numbers_new_rows_after_them(
    new_database: Callable[[str], str],
) -> None:
    async with Store(StoreSettings(database_url=new_database("postgres"))) as store:
        await store.upgrade()
        user_id = await _author(store)
        async with store.unit_of_work() as uow:
            chats = [-1001 - n for n in range(40)]
            ids = await uow.messages.add_many(message(user_id, 1, chat_id=c) for c in chats)
            await uow.commit()
        await partition_messages(store.engine, PARTITIONS)
        async with store.unit_of_work() as uow:
            assert [(await uow.messages.get(i)).chat_id for i in ids] == chats  # type: ignore[union-attr]
            added = await uow.messages.add(message(user_id, 2))
            await uow.commit()
        assert added.id == max(ids) + 1
        spread = await _partitions_with_rows(store)
    assert set(spread) <= {f"messages_p{n}" for n in range(PARTITIONS)}
    assert len(spread) > 1
    assert sum(spread.values()) == len(chats) + 1


async def test_the_models_still_create_every_key_after_a_table_was_partitioned(
    partitioned: Store,
) -> None:
    ddl = str(CreateTable(Message.__table__).compile(dialect=postgresql.dialect()))  # type: ignore[attr-defined]
    assert "CONSTRAINT pk_messages PRIMARY KEY (id, chat_id)" in ddl
    assert "CONSTRAINT uq_messages_chat_id_message_id UNIQUE (chat_id, message_id)" in ddl


async def test_partitioning_twice_is_refused_and_changes_nothing(partitioned: Store) -> None:
    with pytest.raises(StoreError, match="already partitioned"):
        await partition_messages(partitioned.engine, PARTITIONS)


async def test_repositories_read_and_write_a_partitioned_table(partitioned: Store) -> None:
    user_id = await _author(partitioned)
    async with partitioned.unit_of_work() as uow:
        first = await uow.messages.add(message(user_id, 1))
        await uow.messages.add_many(message(user_id, n) for n in range(2, 121))
        other = await uow.messages.add(message(user_id, 1, chat_id=-1009))
        await uow.commit()
    assert first.id is not None
    assert other.id is not None
    async with partitioned.unit_of_work() as uow:
        pages: list[list[int]] = []
        before = None
        while page := await uow.messages.history(SUPERGROUP, limit=50, before=before):
            pages.append([m.message_id for m in page])
            before = page[0]
        found = await uow.messages.get_by_chat_message(-1009, 1)
        await uow.messages.update(first.id, MessageUpdate(text="edited"))
        await uow.messages.delete(other.id)
        await uow.commit()
    assert [n for p in reversed(pages) for n in p] == list(range(1, 121))
    assert found is not None
    assert found.id == other.id
    async with partitioned.unit_of_work() as uow:
        edited = await uow.messages.get(first.id)
        assert edited is not None
        assert edited.text == "edited"
        assert await uow.messages.get(other.id) is None
        with pytest.raises(DuplicateKeyError):
            await uow.messages.add(message(user_id, 5))


async def _history_plan(store: Store, chat_id: int) -> str:
    """EXPLAIN of the very statement `history` sends, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM messages" in statement:
            sent.append((statement, params))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work() as uow:
            await uow.messages.history(chat_id, limit=50)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)
    [(statement, params)] = sent
    async with store.engine.connect() as conn:
        rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", params)
        return "\n".join(line for (line,) in rows)


async def test_a_chats_history_reads_one_partition(partitioned: Store) -> None:
    user_id = await _author(partitioned)
    chats = [SUPERGROUP - n for n in range(32)]
    async with partitioned.unit_of_work() as uow:
        await uow.messages.add_many(message(user_id, n, chat_id=c) for c in chats for n in (1, 2))
        await uow.commit()
    assert len(await _partitions_with_rows(partitioned)) == PARTITIONS
    for chat_id in chats[:4]:
        plan = await _history_plan(partitioned, chat_id)
        assert len(set(_PARTITION.findall(plan))) == 1, plan


async def test_a_downgrade_below_the_chat_key_is_refused_in_words_and_changes_nothing(
    partitioned: Store,
) -> None:
    user_id = await _author(partitioned)
    with pytest.raises(StoreError, match="split into partitions by chat_id"):
        await partitioned.downgrade("0004")
    assert await partitioned.revision() == "0005"
    async with partitioned.unit_of_work() as uow:
        await uow.messages.add(message(user_id, 1))
        await uow.commit()
    assert len(await _partitions_with_rows(partitioned)) == 1


async def test_autogenerate_finds_no_drift_on_a_partitioned_store(partitioned: Store) -> None:
    config = migrations.alembic_config(partitioned.settings)
    await asyncio.to_thread(command.check, config)
