"""Binary COPY from Arrow stores what the store's repositories store, value for value."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pyarrow as pa
import pytest
from sqlalchemy import select

from legacy_import.load.binary_copy import copy_batches, target_schema
from legacy_import.mapping.targets import targets
from legacy_import.prepare.columnar_checks import ColumnarChecks
from sqlmodel_store import Store, StoreSettings

MOSCOW = timezone(timedelta(hours=3))
MOMENT = datetime(2025, 10, 27, 13, 47, 0, 123456, tzinfo=MOSCOW)
# A document as the legacy file spelled it: COPY sends this text, the repositories its value.
PRICE = '{"price": 1.50, "nested": {"k": [1, "ё", null, true]}}'
AUTHOR = {"telegram_id": 2**63 - 1, "is_friend": True, "created_at": MOMENT, "updated_at": MOMENT}
# Rows that exercise what a COPY encoding can get wrong; references point at the author (id 1).
ROWS: dict[str, list[dict[str, Any]]] = {
    "users": [
        AUTHOR | {"username": "😀👍🏽🇺🇦", "first_name": "", "last_name": None},
        {**AUTHOR, "telegram_id": -(2**63), "is_friend": False, "language_code": "ru"},
    ],
    "messages": [
        {
            "user_id": 1,
            "chat_id": -1001471141865,
            "message_id": 2**40,
            "text": "ы" * 500_000,
            "message_type": "text",
            "timestamp": MOMENT,
        },
        {
            "user_id": 1,
            "chat_id": 5,
            "message_id": 1,
            "text": None,
            "reply_to_message_id": 2**62,
            "message_type": "service:pin",
            "language": "",
            "timestamp": datetime(1, 1, 1, tzinfo=UTC),
        },
    ],
    "memories": [
        {
            "simple_content": "",
            "full_content": "\U0001d518\U0001d52b\U0001d526",
            "keywords": ["a", "ё", ""],
            "tags": None,
            "evolution_triggers": [2**63 - 1, -(2**63), 0],
            "emotion_valence": -1.0,
            "created_by": -(2**63),
            "created_at": MOMENT,
            "updated_at": None,
            "importance": 2**31 - 1,
        },
        {
            "simple_content": "x",
            "full_content": "y",
            "keywords": [],
            "evolution_triggers": [],
            "created_by": 1,
            "created_at": MOMENT,
            "last_accessed": MOMENT,
            "version": 3,
        },
    ],
    "stats": [
        {
            "user_id": 1,
            "stat_type": "price",
            "value": 1.5,
            "timestamp": MOMENT,
            "extra_data": json.loads(PRICE),
        },
        {"user_id": 1, "stat_type": "empty", "value": -0.0, "timestamp": MOMENT, "extra_data": {}},
    ],
}


@pytest.fixture
async def store(migrated_postgres: str) -> AsyncIterator[Store]:
    async with Store(StoreSettings(database_url=migrated_postgres)) as store:
        yield store


async def emptied(store: Store) -> None:
    names = ", ".join(ROWS)
    async with store.engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


async def read_back(store: Store, table: str) -> list[dict[str, Any]]:
    async with store.engine.connect() as connection:
        found = await connection.execute(select(targets()[table].table).order_by("id"))
        return [dict(row) for row in found.mappings()]


async def by_repositories(store: Store, table: str) -> list[dict[str, Any]]:
    await emptied(store)
    async with store.unit_of_work() as uow:
        if table != "users":
            await uow.users.add(AUTHOR)
        await getattr(uow, table).add_many(ROWS[table])
        await uow.commit()
    return await read_back(store, table)


def as_batch(table: str, rows: list[dict[str, Any]]) -> tuple[pa.RecordBatch, pa.Schema]:
    """The rows as the columnar checks hand them on: every column in its target Arrow type,
    JSON documents as their text."""
    target = targets()[table]
    schema = target_schema(ColumnarChecks(target.schema, target.table).schema, target.columns)
    full = [target.schema.model_validate(row).model_dump() for row in rows]
    spelled = {json.dumps(json.loads(PRICE)): PRICE}
    for row in full:
        for name, kind in target.conversions.items():
            if kind == "json" and isinstance(row[name], dict):
                text = json.dumps(row[name])
                row[name] = spelled.get(text, text)
    return pa.RecordBatch.from_pylist(full, schema=schema), schema


async def by_binary_copy(store: Store, url: str, table: str) -> list[dict[str, Any]]:
    await emptied(store)
    if table != "users":
        async with store.unit_of_work() as uow:
            await uow.users.add(AUTHOR)
            await uow.commit()
    batch, schema = as_batch(table, ROWS[table])
    jsonb = [
        name
        for name, kind in targets()[table].conversions.items()
        if kind == "json" and pa.types.is_string(schema.field(name).type)
    ]
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        copied = await copy_batches(
            connection, table, [batch, batch.slice(0, 0)], schema=schema, jsonb=jsonb
        )
    finally:
        await connection.close()
    assert copied == len(ROWS[table])
    return await read_back(store, table)


@pytest.mark.parametrize("table", sorted(ROWS))
async def test_rows_copied_from_arrow_read_back_as_the_repositories_wrote_them(
    store: Store, migrated_postgres: str, table: str
) -> None:
    written = await by_repositories(store, table)
    copied = await by_binary_copy(store, migrated_postgres, table)
    assert copied == written
    assert len(copied) == len(ROWS[table])


async def test_a_jsonb_document_keeps_the_scale_of_its_numbers(
    store: Store, migrated_postgres: str
) -> None:
    await by_binary_copy(store, migrated_postgres, "stats")
    async with store.engine.connect() as connection:
        found = await connection.exec_driver_sql(
            "SELECT extra_data->>'price' FROM stats ORDER BY id"
        )
        assert [row[0] for row in found] == ["1.50", None]


async def test_batches_may_come_from_an_async_iterable(
    store: Store, migrated_postgres: str
) -> None:
    await emptied(store)
    batch, schema = as_batch("users", ROWS["users"])

    async def produced() -> AsyncIterator[pa.RecordBatch]:
        for row in range(batch.num_rows):
            yield batch.slice(row, 1)

    connection = await asyncpg.connect(migrated_postgres.replace("+asyncpg", ""))
    try:
        assert await copy_batches(connection, "users", produced(), schema=schema) == 2
    finally:
        await connection.close()
    found = await read_back(store, "users")
    assert [row["telegram_id"] for row in found] == [2**63 - 1, -(2**63)]
