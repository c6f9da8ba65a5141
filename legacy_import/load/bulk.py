"""Bulk mode, for a table that is empty when an import starts filling it (PostgreSQL).

Keeping secondary indexes, unique keys and foreign keys up to date row by row costs the server
more than building them once after the load. So the import drops them from such a table,
loads it, and rebuilds them on parallel connections at the end of the run. What stays: the
primary key, check constraints, and the unique keys of tables the loader looks rows up in
(`Target.mapped`: users by Telegram id, say), so every lookup keeps its index.

Every dropped definition is recorded in `import_deferred_constraints` in the transaction that
drops it, and each is deleted in the transaction that rebuilds it. While a table's foreign
keys are dropped, its batches do not lock the rows their references resolve to (the loader's
`rebuilt_later`): the rebuild checks every reference at once. A run killed at any point,
the rebuild included, leaves the record behind; the next run rebuilds from it first thing.

A unique key that was dropped cannot stop a later batch from repeating a natural key (an
earlier batch's row arrived first); today's merge path counts such a record as already
present. The rebuild does the same: when the key does not build, the later copies (the
higher ids: ids grow with the source's order) are deleted and counted as already present.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import delete, insert, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from legacy_import.errors import TargetError
from legacy_import.mapping.targets import Target, targets
from sqlmodel_store.models.imports import IMPORT_DEFERRED

# Held (for the session) by the run that owns the deferred constraints, so no other run
# rebuilds them under it or writes into tables without them.
_OWNER_LOCK = text("SELECT pg_try_advisory_lock(hashtextextended('legacy_import:bulk', 0))")
_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM {table})"
_UNIQUE_AND_FOREIGN = text(
    "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = to_regclass(:table) AND contype IN ('u', 'f') ORDER BY conname"
)
_SECONDARY_INDEXES = text(
    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
    " JOIN pg_class i ON i.oid = x.indexrelid"
    " WHERE x.indrelid = to_regclass(:table) AND NOT x.indisprimary"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    " ORDER BY i.relname"
)
_PARTITIONED = text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:table)")
# Foreign keys need the other tables' keys: they are rebuilt after every index.
# Connections that rebuild at once: this machine's cores (a btree build is CPU-bound).
REBUILD_CONNECTIONS = 2
_ORDER = {"index": 0, "unique": 0, "foreign": 1}


@dataclass(frozen=True, slots=True)
class Deferred:
    table: str
    name: str
    kind: str
    definition: str

    def statements(self, conn: AsyncConnection, partitioned: bool = False) -> list[str]:
        """How to build it again. A unique key is built as its index first (a share lock,
        so the other indexes of the table build beside it), then attached to its name.

        A partitioned table (messages split by chat) refuses a key attached to an index, so
        there the key is added whole; and the catalog spells its index `ON ONLY` the parent,
        which would build it on no partition, so it is built on the whole table.
        """
        table, name = _quoted(conn, self.table), _quoted(conn, self.name)
        if self.kind == "index":
            return [
                self.definition.replace(" ON ONLY ", " ON ", 1) if partitioned else self.definition
            ]
        if self.kind == "unique":
            columns = ", ".join(_quoted(conn, column) for column in _key(self))
            if partitioned:
                return [f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})"]
            return [
                f"CREATE UNIQUE INDEX {name} ON {table} ({columns})",
                f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}",
            ]
        return [f"ALTER TABLE {table} ADD CONSTRAINT {name} {self.definition}"]

    def drop(self, conn: AsyncConnection) -> str:
        name = _quoted(conn, self.name)
        if self.kind == "index":
            return f"DROP INDEX {name}"
        return f"ALTER TABLE {_quoted(conn, self.table)} DROP CONSTRAINT {name}"


def _key(item: Deferred) -> list[str]:
    """The columns of a unique key, as the models declare it."""
    table = targets()[item.table].table
    constraint = next(c for c in table.constraints if c.name == item.name)
    return [column.name for column in constraint.columns]  # type: ignore[attr-defined]


class BulkMode:
    """The deferred constraints of one run, on the run's own connection."""

    def __init__(self, conn: AsyncConnection, engine: AsyncEngine) -> None:
        self._conn = conn
        self._engine = engine
        self._owner = False
        # The rebuilds started while the load goes on (`rebuild_soon`), and the connections
        # that all rebuilds share.
        self._soon: list[asyncio.Task[dict[str, int]]] = []
        self._connections = asyncio.Semaphore(REBUILD_CONNECTIONS)

    async def _own(self) -> None:
        if self._owner:
            return
        if self._conn.in_transaction():
            owner = await self._conn.scalar(_OWNER_LOCK)
        else:
            async with self._conn.begin():
                owner = await self._conn.scalar(_OWNER_LOCK)
        if not owner:
            raise TargetError(
                "another import is loading this database in bulk (its tables' constraints are "
                "being rebuilt); wait for it to finish, then run this command again"
            )
        self._owner = True

    async def pending(self) -> bool:
        async with self._conn.begin():
            return await self._conn.scalar(select(IMPORT_DEFERRED.c.name).limit(1)) is not None

    async def defer(self, tables: Iterable[Target]) -> list[str]:
        """Drop the deferrable constraints of those tables that are empty; their names. The
        lock that keeps other imports out is taken (for the run) on the first drop."""
        deferred: list[str] = []
        for target in tables:
            async with self._conn.begin():
                quoted = _quoted(self._conn, target.name)
                if not await self._conn.scalar(text(_EMPTY.format(table=quoted))):
                    continue
                found = await self._deferrable(target)
                if found:
                    await self._own()
                for item in found:
                    await self._conn.execute(
                        insert(IMPORT_DEFERRED).values(
                            table_name=item.table,
                            name=item.name,
                            kind=item.kind,
                            definition=item.definition,
                        )
                    )
                    await self._conn.execute(text(item.drop(self._conn)))
                if found:
                    deferred.append(target.name)
        return deferred

    async def _deferrable(self, target: Target) -> list[Deferred]:
        found: list[Deferred] = []
        params = {"table": target.name}
        for name, kind, definition in await self._conn.execute(_UNIQUE_AND_FOREIGN, params):
            unique = kind == "u"
            if unique and (target.mapped or not target.has_id):
                continue
            found.append(Deferred(target.name, name, "unique" if unique else "foreign", definition))
        for name, definition in await self._conn.execute(_SECONDARY_INDEXES, params):
            found.append(Deferred(target.name, name, "index", definition))
        return found

    async def rebuild_soon(self, table: str) -> None:
        """Start building the table's deferred constraints again, beside the rest of the
        load: its rows are all in. Every foreign key of the store's tables references a
        primary key, which bulk mode never drops, so they build as soon as the tables they
        reference are loaded, which the load order has done. `rebuild` waits for them."""
        async with self._conn.begin():
            rows = await self._conn.execute(
                select(IMPORT_DEFERRED).where(IMPORT_DEFERRED.c.table_name == table)
            )
            items = [Deferred(r.table_name, r.name, r.kind, r.definition) for r in rows]
        if items:
            self._soon.append(asyncio.create_task(self._build_all(items)))

    async def rebuild(self) -> dict[str, int]:
        """Build every deferred constraint again; table → later copies of a natural key that
        were removed so its unique key could build (counted as already present)."""
        removed: Counter[str] = Counter()
        started, self._soon = self._soon, []
        for outcome in await asyncio.gather(*started, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome
            removed.update(outcome)
        async with self._conn.begin():
            rows = await self._conn.execute(select(IMPORT_DEFERRED))
            items = [Deferred(r.table_name, r.name, r.kind, r.definition) for r in rows]
        if items:
            removed.update(await self._build_all(items))
        return dict(removed)

    async def abandon(self) -> None:
        """Stop the rebuilds started beside the load (the run lost its database): what they
        did not finish stays recorded, for the next run."""
        started, self._soon = self._soon, []
        for task in started:
            task.cancel()
        await asyncio.gather(*started, return_exceptions=True)

    async def _build_all(self, items: list[Deferred]) -> dict[str, int]:
        await self._own()
        removed: dict[str, int] = {}

        async def build(item: Deferred) -> None:
            async with self._connections, self._engine.connect() as conn:
                try:
                    count = await _build(conn, item)
                except sa_exc.IntegrityError as error:
                    raise TargetError(
                        f"{item.name} of {item.table} could not be rebuilt after a bulk load "
                        f"({_detail(error)}); fix the rows it names, then run the import "
                        "again: it rebuilds what is still missing first"
                    ) from error
            if count:
                removed[item.table] = removed.get(item.table, 0) + count

        for stage in sorted({_ORDER[item.kind] for item in items}):
            await asyncio.gather(*(build(i) for i in items if _ORDER[i.kind] == stage))
        return removed


async def _build(conn: AsyncConnection, item: Deferred) -> int:
    """Build one item and forget its record, in one transaction; the copies it removed."""
    removed = 0
    async with conn.begin():
        partitioned = bool(await conn.scalar(_PARTITIONED, {"table": item.table}))
        try:
            async with conn.begin_nested():
                for statement in item.statements(conn, partitioned):
                    await conn.execute(text(statement))
        except sa_exc.IntegrityError as error:
            if item.kind != "unique" or not _repeated_key(error):
                raise
            removed = await _remove_later_copies(conn, item)
            for statement in item.statements(conn, partitioned):
                await conn.execute(text(statement))
        await conn.execute(
            delete(IMPORT_DEFERRED).where(
                IMPORT_DEFERRED.c.table_name == item.table, IMPORT_DEFERRED.c.name == item.name
            )
        )
    return removed


def _detail(error: sa_exc.IntegrityError) -> str:
    """The server's own words (asyncpg's error, inside the driver's), without the statement."""
    cause = getattr(error.orig, "__cause__", None) or error.orig
    detail = getattr(cause, "detail", None)
    return f"{cause}: {detail}" if detail else str(cause)


def _repeated_key(error: sa_exc.IntegrityError) -> bool:
    return isinstance(getattr(error.orig, "__cause__", None), UniqueViolationError)


async def _remove_later_copies(conn: AsyncConnection, item: Deferred) -> int:
    """Rows whose key an earlier row (a lower id) already has; a null never repeats a key."""
    table = _quoted(conn, item.table)
    pairs = " AND ".join(
        f"later.{name} = earlier.{name}" for name in (_quoted(conn, c) for c in _key(item))
    )
    result = await conn.execute(
        text(
            f"DELETE FROM {table} AS later USING {table} AS earlier"
            f" WHERE {pairs} AND later.id > earlier.id"
        )
    )
    return result.rowcount


def _quoted(conn: AsyncConnection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
