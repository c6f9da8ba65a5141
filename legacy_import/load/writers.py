"""How rows reach a table on each database: COPY + one INSERT … SELECT on PostgreSQL,
batched multi-row INSERTs on SQLite. Both skip rows whose unique keys already exist.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import Table, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.mapping.targets import Target
from sqlmodel_store.types import JSONDocument

if TYPE_CHECKING:  # Arrow is imported only by runs that write columns
    import pyarrow as pa


class ColumnsClashedError(Exception):
    """A COPY of Arrow rows met a unique key already taken: the batch's transaction is lost
    with it, and the loader loads the batch again on the row path."""


class RowWriter(Protocol):
    async def write(
        self, target: Target, columns: list[str], rows: list[tuple[Any, ...]], *, want_ids: bool
    ) -> tuple[int, set[int]]:
        """Insert `rows`, skipping conflicts; the count inserted and, if asked, their ids."""
        ...

    async def write_columns(self, target: Target, rows: pa.RecordBatch) -> int | None:
        """Insert Arrow rows that are all new, as they are; None when that is not done here
        (having written nothing); `ColumnsClashedError` when they clash with rows there."""
        ...

    async def append(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Add rows that cannot conflict (the bookkeeping of this batch)."""
        ...

    async def begin_batch(self) -> None: ...

    async def after_batch(self, target: Target) -> None: ...


def _quoted(conn: AsyncConnection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


class PostgresWriter:
    """COPY straight into the table while no batch has clashed with rows already there; after
    the first clash, COPY into a session-private staging table and one set-based
    `INSERT … SELECT … ON CONFLICT DO NOTHING` per batch.

    The direct COPY runs in a savepoint: a clash undoes only that attempt, and the batch goes
    through the staging table instead. A fresh import never clashes and skips the staging
    table, the conflict checks and the RETURNING; a merge pays one failed attempt per table.

    The direct COPY also skips PostgreSQL's foreign-key triggers, one query per row that was
    a third of the server's work on a fresh import: the loader has already checked every
    reference of the batch in one query and locked the rows they point at, as those triggers
    would (`legacy_import.load.references`), and a direct COPY writes every row or none, so a
    reference to a row of the same batch cannot dangle. Skipping triggers takes
    `session_replication_role`, which only a superuser may set, and would skip the operator's
    own triggers and rules too: a table that has any, or a non-superuser role, keeps the per-row
    checks.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._staged: set[str] = set()
        self._clashed: set[str] = set()
        self._trusted: dict[str, bool] = {}
        self._commits_async = False

    async def _stage(self, target: Target) -> str:
        name = f"legacy_import_stage_{target.name}"
        if target.name not in self._staged:
            await self._conn.execute(
                text(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} "
                    f"(LIKE {_quoted(self._conn, target.name)}) ON COMMIT DELETE ROWS"
                )
            )
            self._staged.add(target.name)
        return name

    async def write(
        self, target: Target, columns: list[str], rows: list[tuple[Any, ...]], *, want_ids: bool
    ) -> tuple[int, set[int]]:
        documents = [
            i for i, c in enumerate(columns) if isinstance(target.table.c[c].type, JSONDocument)
        ]
        if documents:
            rows = [_with_json_text(row, documents) for row in rows]
        if target.name not in self._clashed:
            try:
                async with self._conn.begin_nested():
                    await self._trusted_while(
                        target.name,
                        bool(target.references),
                        lambda: self._copy(target.name, columns, rows),
                    )
            except UniqueViolationError:
                self._clashed.add(target.name)
            else:
                ids = {row[columns.index("id")] for row in rows} if want_ids else set()
                return len(rows), ids
        stage = await self._stage(target)
        await self._copy(stage, columns, rows)
        names = ", ".join(_quoted(self._conn, c) for c in columns)
        sql = (
            f"INSERT INTO {_quoted(self._conn, target.name)} ({names}) "
            f"SELECT {names} FROM {stage} ON CONFLICT DO NOTHING"
        )
        if want_ids:
            result = await self._conn.execute(text(sql + " RETURNING id"))
            ids = set(result.scalars())
            return len(ids), ids
        result = await self._conn.execute(text(sql))
        return result.rowcount, set()

    async def write_columns(self, target: Target, rows: pa.RecordBatch) -> int | None:
        """Binary COPY straight from Arrow, with the trusted foreign keys of `write` but no
        savepoint: the loader has ruled out every clash it can see, so one costs the batch's
        transaction (`ColumnsClashedError`) rather than two round trips a batch. A table
        that has clashed once takes the row path."""
        if target.name in self._clashed:
            return None
        import pyarrow as pa

        from legacy_import.load.binary_copy import copy_batches

        jsonb = [
            name
            for name in rows.schema.names
            if target.conversions.get(name) == "json"
            and pa.types.is_string(rows.schema.field(name).type)
        ]
        raw = await self._conn.get_raw_connection()
        copied: list[int] = []

        async def copy() -> None:
            copied.append(
                await copy_batches(
                    raw.driver_connection, target.name, [rows], schema=rows.schema, jsonb=jsonb
                )
            )

        try:
            await self._trusted_while(target.name, bool(target.references), copy)
        except UniqueViolationError as error:
            self._clashed.add(target.name)
            self._commits_async = False  # set in the transaction that is now lost
            raise ColumnsClashedError(target.name) from error
        return copied[0]

    async def _trusted_while(
        self, table: str, references: bool, copy: Callable[[], Awaitable[None]]
    ) -> None:
        """Run a COPY without the per-row foreign-key triggers where that is allowed and the
        table has any (bulk mode drops them): the caller has checked (and locked) every
        reference of these rows."""
        trusted = references and await self._may_skip_triggers(table)
        if trusted:
            await self._conn.execute(text(_TRIGGERS_OFF))
        await copy()
        if trusted:
            await self._conn.execute(text(_TRIGGERS_ON))

    async def _may_skip_triggers(self, table: str) -> bool:
        if table not in self._trusted:
            result = await self._conn.execute(_MAY_SKIP_TRIGGERS, {"table": table})
            self._trusted[table] = bool(result.scalar())
        return self._trusted[table]

    async def _copy(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        raw = await self._conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(table, records=rows, columns=columns)  # type: ignore[union-attr]

    async def append(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """The bookkeeping's only reference is to this run's own registered source, so its
        rows skip the foreign-key triggers too (one query per legacy id otherwise)."""
        await self._trusted_while(
            table.name, bool(table.foreign_keys), lambda: self._copy(table.name, columns, rows)
        )

    async def begin_batch(self) -> None:
        """Commit without waiting for the WAL flush: a crash can only lose whole batches
        together with their checkpoints, and the next run loads those again. Set for the
        session, once: the run's connections close with the run."""
        if not self._commits_async:
            await self._conn.execute(text("SET synchronous_commit = off"))
            self._commits_async = True

    async def after_batch(self, target: Target) -> None:
        """Move the id sequence past the ids this batch inserted, so ORM inserts still work."""
        if not target.has_id:
            return
        table = _quoted(self._conn, target.name)
        await self._conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{target.name}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        )


_TRIGGERS_OFF = "SET LOCAL session_replication_role = replica"
_TRIGGERS_ON = "SET LOCAL session_replication_role = origin"
_MAY_SKIP_TRIGGERS = text(
    "SELECT current_setting('is_superuser') = 'on'"
    " AND NOT EXISTS (SELECT 1 FROM pg_trigger"
    " WHERE tgrelid = to_regclass(quote_ident(:table)) AND NOT tgisinternal)"
    " AND NOT EXISTS (SELECT 1 FROM pg_rewrite"
    " WHERE ev_class = to_regclass(quote_ident(:table)) AND rulename <> '_RETURN')"
    " AND EXISTS (SELECT 1 FROM pg_constraint"
    " WHERE conrelid = to_regclass(quote_ident(:table)) AND contype = 'f')"
)


def _with_json_text(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = json.dumps(values[i], ensure_ascii=False)
    return tuple(values)


class SqliteWriter:
    """Multi-row INSERT … ON CONFLICT DO NOTHING through SQLAlchemy's type handling."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def write(
        self, target: Target, columns: list[str], rows: list[tuple[Any, ...]], *, want_ids: bool
    ) -> tuple[int, set[int]]:
        if not rows:
            return 0, set()
        table: Table = target.table
        statement = sqlite.insert(table).on_conflict_do_nothing()
        key = "id" if target.has_id else target.natural_key[0]
        result = await self._conn.execute(
            statement.returning(table.c[key]),
            [dict(zip(columns, row, strict=True)) for row in rows],
        )
        returned = result.scalars().all()
        return len(returned), set(returned) if want_ids else set()

    async def write_columns(self, target: Target, rows: pa.RecordBatch) -> int | None:
        """SQLite targets are loaded row by row (the run gives them no Arrow batches)."""
        return None

    async def append(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        await self._conn.execute(
            sqlite.insert(table), [dict(zip(columns, row, strict=True)) for row in rows]
        )

    async def begin_batch(self) -> None:
        """SQLite has nothing to tune per transaction."""

    async def after_batch(self, target: Target) -> None:
        """SQLite numbers rowids from the largest one present: nothing to reset."""
