"""Property: whatever a `Create` schema accepts, a unit of work stores and reads back equal,
on SQLite and PostgreSQL, for every table with a repository."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from legacy_import.targets import SCHEMAS, targets
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import metadata
from sqlmodel_store.uow import SqlUnitOfWork
from tests.property.strategies import records

# Table → the unit of work's repository for it (memory_categories is filed through memories).
REPOSITORIES = {name: name for name in targets() if name != "memory_categories"}
NEWEST_FIRST = [table.name for table in reversed(metadata.sorted_tables)]


async def _empty(store: Store) -> None:
    async with store.engine.begin() as conn:
        for table in NEWEST_FIRST:
            await conn.execute(text(f'DELETE FROM "{table}"'))


async def _add(
    uow: SqlUnitOfWork, table: str, data: st.DataObject, depth: int = 0
) -> tuple[int, dict[str, Any]]:
    """A row of `table` from the strategy, parents first; returns its id and what was sent."""
    references: dict[str, int | None] = {}
    target = targets()[table]
    for column, referenced in target.references.items():
        nullable = target.table.c[column].nullable
        if nullable and (referenced == table or depth > 1 or data.draw(st.booleans())):
            references[column] = None
        else:
            references[column], _ = await _add(uow, referenced, data, depth + 1)
    values = data.draw(records(table, references), label=table)
    created = SCHEMAS[table].model_validate(values)
    row = await getattr(uow, REPOSITORIES[table]).add(created)
    return int(row.id), created.model_dump()


async def _round_trip(url: str, table: str, data: st.DataObject) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await _empty(store)
        async with store.unit_of_work() as uow:
            row_id, sent = await _add(uow, table, data)
            await uow.commit()
        async with store.unit_of_work() as uow:
            stored = await getattr(uow, REPOSITORIES[table]).get(row_id)
    assert stored is not None
    read = stored.model_dump()
    assert {name: read[name] for name in sent} == sent


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=st.sampled_from(sorted(REPOSITORIES)), data=st.data())
def test_what_a_create_schema_accepts_reads_back_equal(
    store_url: str, table: str, data: st.DataObject
) -> None:
    asyncio.run(_round_trip(store_url, table, data))
