"""Writing generated rows through the store, parents first, for the property tests."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from sqlalchemy import UniqueConstraint, text

from legacy_import.targets import SCHEMAS, targets
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import metadata
from sqlmodel_store.uow import SqlUnitOfWork
from tests.property.strategies import records

# Table → the unit of work's repository for it (memory_categories is filed through memories).
REPOSITORIES = {name: name for name in targets() if name != "memory_categories"}
DRAWS_FOR_A_NEW_KEY = 5
# Settings of properties whose every example runs whole imports: a third of the profile's
# examples (at least 5), and no health check for the database fixture shared by examples.
WHOLE_IMPORTS = settings(
    max_examples=max(settings().max_examples // 3, 5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NEWEST_FIRST = [table.name for table in reversed(metadata.sorted_tables)]


async def empty(store: Store) -> None:
    """Every table emptied, the import's bookkeeping too: each example starts from nothing."""
    async with store.engine.begin() as conn:
        for table in NEWEST_FIRST:
            await conn.execute(text(f'DELETE FROM "{table}"'))


def emptied(url: str) -> None:
    async def run() -> None:
        async with Store(StoreSettings(database_url=url)) as store:
            await empty(store)

    asyncio.run(run())


def unique_keys(table: str) -> list[tuple[str, ...]]:
    found = targets()[table].table
    keys = [
        tuple(column.name for column in constraint.columns)
        for constraint in found.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return keys + [(column.name,) for column in found.columns if column.unique]


async def add(
    uow: SqlUnitOfWork,
    table: str,
    data: st.DataObject,
    depth: int = 0,
    made: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    """A row of `table` from the strategy, parents first (new ones, or rows added before);
    returns its id and what was sent.

    `made` remembers the rows and unique keys added so far in this example: a draw that
    repeats a unique key is drawn again (the store would refuse it, rightly), a few times."""
    made = {"ids": {}, "keys": set()} if made is None else made
    references: dict[str, int | None] = {}
    target = targets()[table]
    for column, referenced in target.references.items():
        nullable = target.table.c[column].nullable
        earlier = made["ids"].get(referenced, [])
        if nullable and (referenced == table or depth > 1 or data.draw(st.booleans())):
            references[column] = None
        elif earlier and data.draw(st.booleans()):
            references[column] = data.draw(st.sampled_from(earlier))
        else:
            references[column], _ = await add(uow, referenced, data, depth + 1, made)
    for _ in range(DRAWS_FOR_A_NEW_KEY):
        values = data.draw(records(table, references), label=table)
        created = SCHEMAS[table].model_validate(values)
        keys = {
            (table, key, *(getattr(created, column) for column in key))
            for key in unique_keys(table)
        }
        if not keys & made["keys"]:
            break
    assume(not keys & made["keys"])
    made["keys"] |= keys
    row = await getattr(uow, REPOSITORIES[table]).add(created)
    made["ids"].setdefault(table, []).append(int(row.id))
    return int(row.id), created.model_dump()
