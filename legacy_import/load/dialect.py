"""What differs between the two target databases, in one place: how rows are inserted, how a
set of values is matched, how legacy ids are probed, how a run takes its source, and which
writer moves the rows. The loader asks the dialect; it never tests the database's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    any_,
    bindparam,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from legacy_import.load.bulk import BulkMode
from legacy_import.load.writers import PostgresWriter, RowWriter, SqliteWriter
from sqlmodel_store.models.imports import IMPORT_KEYS

# One index probe per wanted id. A plain `legacy_id = ANY(…)` lets the planner, which thinks a
# freshly filled import_keys is empty, scan every key of the table per batch: quadratic time.
_PROBE_KEYS = text(
    "SELECT wanted.legacy_id, found.target_id"
    " FROM unnest(:wanted) AS wanted(legacy_id)"
    " CROSS JOIN LATERAL (SELECT target_id FROM import_keys"
    " WHERE source_id = :source AND target_table = :table AND legacy_id = wanted.legacy_id"
    " LIMIT 1) AS found"
).bindparams(bindparam("wanted", type_=postgresql.ARRAY(BigInteger)))


class Dialect(Protocol):
    # Whether batches of Arrow rows load straight into the target (binary COPY).
    loads_columns: bool

    def insert(self, table: Table) -> Any:
        """An INSERT that can take `on_conflict_do_nothing` / `on_conflict_do_update`."""
        ...

    def among(self, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
        """`column IN values`."""
        ...

    async def probe_keys(
        self, conn: AsyncConnection, source_id: int, keyspace: str, wanted: list[int]
    ) -> Iterable[tuple[int, int]]:
        """(legacy id, store id) rows of `import_keys` for the wanted legacy ids."""
        ...

    async def take_source(self, conn: AsyncConnection, key: str) -> bool:
        """Whether this run may import the source (no other run is importing it)."""
        ...

    def writer(self, conn: AsyncConnection) -> RowWriter: ...

    def bulk(self, conn: AsyncConnection, engine: AsyncEngine) -> BulkMode | None:
        """Bulk mode for empty tables, where the database has one."""
        ...


class PostgresDialect:
    loads_columns = True

    def insert(self, table: Table) -> Any:
        return postgresql.insert(table)

    def among(self, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
        """One array parameter: thousands of values make one statement that is prepared once
        instead of thousands of parameters parsed every batch."""
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == any_(array)

    async def probe_keys(
        self, conn: AsyncConnection, source_id: int, keyspace: str, wanted: list[int]
    ) -> Iterable[tuple[int, int]]:
        rows = await conn.execute(
            _PROBE_KEYS, {"source": source_id, "table": keyspace, "wanted": wanted}
        )
        return cast(Iterable[tuple[int, int]], rows)

    async def take_source(self, conn: AsyncConnection, key: str) -> bool:
        """A session advisory lock on the source's key, held until the run's connection ends."""
        in_run_transaction = conn.in_transaction()
        locked = await conn.scalar(
            text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": key}
        )
        if not in_run_transaction:
            await conn.commit()
        return bool(locked)

    def writer(self, conn: AsyncConnection) -> RowWriter:
        return PostgresWriter(conn)

    def bulk(self, conn: AsyncConnection, engine: AsyncEngine) -> BulkMode | None:
        return BulkMode(conn, engine)


class SqliteDialect:
    loads_columns = False

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def among(self, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
        return column.in_(values)

    async def probe_keys(
        self, conn: AsyncConnection, source_id: int, keyspace: str, wanted: list[int]
    ) -> Iterable[tuple[int, int]]:
        rows = await conn.execute(
            select(IMPORT_KEYS.c.legacy_id, IMPORT_KEYS.c.target_id).where(
                IMPORT_KEYS.c.source_id == source_id,
                IMPORT_KEYS.c.target_table == keyspace,
                IMPORT_KEYS.c.legacy_id.in_(wanted),
            )
        )
        return cast(Iterable[tuple[int, int]], rows)

    async def take_source(self, conn: AsyncConnection, key: str) -> bool:
        """SQLite runs one writer at a time: its own lock keeps two runs apart."""
        return True

    def writer(self, conn: AsyncConnection) -> RowWriter:
        return SqliteWriter(conn)

    def bulk(self, conn: AsyncConnection, engine: AsyncEngine) -> BulkMode | None:
        """SQLite builds an index at the speed it loads rows: nothing to gain."""
        return None


def dialect_of(conn: AsyncConnection) -> Dialect:
    return PostgresDialect() if conn.dialect.name == "postgresql" else SqliteDialect()
