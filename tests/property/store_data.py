"""Writing generated rows through the store, parents first, for the property tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from sqlalchemy import UniqueConstraint, text

from legacy_import.cli import main
from legacy_import.mapping.targets import SCHEMAS, targets
from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import StoreSchema, metadata
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

# Where generated rows go: (table, validated row) → the row's id.
Put = Callable[[str, StoreSchema], Awaitable[int]]


def through(uow: SqlUnitOfWork) -> Put:
    """Rows written by the unit of work's repositories."""

    async def put(table: str, created: StoreSchema) -> int:
        row = await getattr(uow, REPOSITORIES[table]).add(created)
        return int(row.id)

    return put


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
    keys += [(column.name,) for column in found.columns if column.unique]
    if "id" not in found.primary_key.columns:
        keys.append(tuple(column.name for column in found.primary_key.columns))
    return keys


async def add(
    put: Put,
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
            references[column], _ = await add(put, referenced, data, depth + 1, made)
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
    row_id = await put(table, created)
    made["ids"].setdefault(table, []).append(row_id)
    return row_id, created.model_dump()


def imported(source: Path, url: str, *options: str) -> int:
    """`run` the source into the store in this process; returns the exit code, which must be
    0 unless it was interrupted."""
    rejects = source.parent / "rejects.jsonl"
    code = main(["run", str(source), "--database-url", url, "--no-progress", "--workers", "0",
                 "--rejects", str(rejects), *options])  # fmt: skip
    assert code in (0, 130), rejects.read_text(encoding="utf-8") if rejects.exists() else code
    return code
