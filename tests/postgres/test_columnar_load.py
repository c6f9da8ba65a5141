"""Read → check → binary COPY, end to end: a generated bot DB loads into PostgreSQL with
every table holding what today's mapper + pydantic path makes of the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pyarrow as pa
import pytest
from sqlalchemy import select

from legacy_import.load.binary_copy import copy_batches
from legacy_import.mapping.outcomes import Mapped
from legacy_import.mapping.targets import Target, targets
from legacy_import.prepare.columnar_checks import LEGACY_ID, ColumnarChecks
from legacy_import.sources.arrow_sqlite import ArrowSqliteTable
from sqlmodel_store import Store, StoreSettings
from tests.legacy.generator import generator
from tests.property.columnar_paths import columnar_checks, mapped_by_position
from tests.property.legacy_sqlite import LEGACY_NAMES


@pytest.fixture
async def store(migrated_postgres: str) -> AsyncIterator[Store]:
    async with Store(StoreSettings(database_url=migrated_postgres)) as store:
        names = ", ".join(targets())
        async with store.engine.begin() as connection:
            await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        yield store


def for_copy(target: Target, checks: ColumnarChecks, batch: pa.RecordBatch) -> pa.RecordBatch:
    """An accepted batch as the table's columns; the legacy id becomes the store id."""
    accepted = checks.check(batch).accepted
    names = list(target.columns)
    arrays = [accepted.column(name) for name in names]
    if target.has_id:
        names, arrays = ["id", *names], [accepted.column(LEGACY_ID), *arrays]
    return pa.RecordBatch.from_arrays(arrays, names=names)


async def load(connection: Any, path: Path, target: Target) -> int:
    part = LEGACY_NAMES.get(target.name, target.name)
    checks = columnar_checks(target.name)
    source = ArrowSqliteTable(path, part, checks.reads)
    try:
        batches = [for_copy(target, checks, batch) for batch in source.batches(rows=500)]
    finally:
        source.close()
    jsonb = [name for name, kind in target.conversions.items() if kind == "json"]
    jsonb = [name for name in jsonb if pa.types.is_string(batches[0].schema.field(name).type)]
    return await copy_batches(
        connection, target.name, batches, schema=batches[0].schema, jsonb=jsonb
    )


def expected(path: Path, target: Target) -> list[dict[str, Any]]:
    part = LEGACY_NAMES.get(target.name, target.name)
    rows = []
    for outcome in mapped_by_position(path, target.name, part).values():
        assert isinstance(outcome, Mapped), outcome
        values = dict(outcome.values)
        if target.has_id:
            values["id"] = outcome.legacy_id
        rows.append(values)
    return rows


async def test_a_generated_bot_db_loads_as_the_mapper_path_would_store_it(
    store: Store, migrated_postgres: str, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    counts = generator.make_legacy_db(path, messages=400)
    connection = await asyncpg.connect(migrated_postgres.replace("+asyncpg", ""))
    try:
        for target in targets().values():
            copied = await load(connection, path, target)
            assert copied == counts[LEGACY_NAMES.get(target.name, target.name)]
    finally:
        await connection.close()
    async with store.engine.connect() as connection:
        for target in targets().values():
            keys = list(target.table.primary_key.columns)
            found = await connection.execute(select(target.table).order_by(*keys))
            stored = [dict(row) for row in found.mappings()]
            order = [column.name for column in keys]
            wanted = sorted(expected(path, target), key=lambda row: [row[k] for k in order])
            assert stored == wanted, target.name
