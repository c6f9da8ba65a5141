"""Where references point: a reference value → the store id of the row it means, found by a
unique column, through the legacy-id map, or as a store id, in one query per batch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.load.dialect import dialect_of
from legacy_import.mapping.targets import targets


async def resolve_references(
    conn: AsyncConnection,
    source_id: int,
    referenced: str,
    values: set[Any],
    *,
    match: str | None,
    keyspace: str | None,
    lock: bool = False,
) -> tuple[dict[Any, int], str]:
    """Reference values → store ids, and the reason (a format string) for a value not found.

    A value is matched on a unique column of the referenced table (`match`), else it is a
    legacy id of records this source imported into that table (`keyspace`), else a store id.
    With `lock`, rows read from the referenced table are locked as a foreign-key check locks
    them; ids found through the keyspace are not read from it (see `vanished`).
    """
    table = targets()[referenced].table
    if match is not None:
        among = dialect_of(conn).among(table.c[match], values)
        rows = await conn.execute(_locked(select(table.c[match], table.c.id).where(among), lock))
        return {value: row_id for value, row_id in rows}, f"no {{table}} row has {match} {{value}}"
    if keyspace is not None:
        found = await store_ids(conn, source_id, keyspace, values)
        return found, "no {table} record with id {value} was imported from this source"
    present = await existing_ids(conn, table, values, lock=lock)
    return {value: value for value in present}, "{table} row {value} does not exist in the store"


async def existing_ids(
    conn: AsyncConnection, table: Table, ids: Iterable[Any], *, lock: bool = False
) -> set[int]:
    """Which of `ids` are rows of `table`; with `lock`, those rows are locked (`_locked`)."""
    query = select(table.c.id).where(dialect_of(conn).among(table.c.id, ids))
    result = await conn.execute(_locked(query, lock))
    return set(result.scalars())


def _locked(query: Select[Any], lock: bool) -> Select[Any]:
    """`FOR KEY SHARE` when asked: the rows stay undeletable until the batch commits, which is
    what a foreign-key check takes, so the batch is safe to write without per-row foreign-key
    triggers (see the writer)."""
    return query.with_for_update(read=True, key_share=True) if lock else query


async def vanished(
    conn: AsyncConnection, table_name: str, resolved: dict[Any, int]
) -> dict[Any, int]:
    """Drop from `resolved` the references whose row is gone (deleted since it was imported)
    and lock the rest (`_locked`). Returns the dropped ones: reference → vanished row id."""
    if not resolved:
        return {}
    table = targets()[table_name].table
    present = await existing_ids(conn, table, set(resolved.values()), lock=True)
    gone = {value: row_id for value, row_id in resolved.items() if row_id not in present}
    for value in gone:
        del resolved[value]
    return gone


async def store_ids(
    conn: AsyncConnection, source_id: int, keyspace: str, legacy: Iterable[int | None]
) -> dict[int, int]:
    """Legacy id → store id of the rows this source delivered under those ids; the keyspace is
    the target table, or the table and rule when several rules feed one table."""
    wanted = list({value for value in legacy if value is not None})
    if not wanted:
        return {}
    rows = await dialect_of(conn).probe_keys(conn, source_id, keyspace, wanted)
    return {legacy_id: target_id for legacy_id, target_id in rows}
