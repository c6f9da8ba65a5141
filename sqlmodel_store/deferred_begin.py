"""Plain reads before a unit's first write run without BEGIN, and so without the ROLLBACK.

A unit of work that only reads history paid three round trips on PostgreSQL: BEGIN, the
query, ROLLBACK. Under READ COMMITTED every statement takes its own snapshot, so a read sent
before the transaction's BEGIN sees exactly what it would have seen inside it: the first
statement that is not a plain read (a write, a lock, raw SQL) still opens the transaction,
and every read after it runs inside. Only statements marked `PLAIN_READ` by the repositories
qualify: `SELECT pg_advisory_xact_lock(…)` looks like a read but needs the transaction.

Behind pgbouncer (`DATABASE_PGBOUNCER`) the store does not defer, and neither under another
isolation level, where a transaction's snapshot starts at its first statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

# The execution option of a statement that only reads, takes no lock and can run outside
# the unit's transaction.
PLAIN_READ = "sqlmodel_store_plain_read"
# Set on a pooled connection while a plain read runs in autocommit: undone after it, and
# else (it failed or was cancelled) before the connection's next statement or at checkin.
_DEFERRED = "sqlmodel_store_deferred_begin"
_READ_COMMITTED = (None, "read_committed")


def _restore(record_info: dict[Any, Any], adapter: Any) -> None:
    if record_info.pop(_DEFERRED, False):
        adapter.autocommit = False  # back to the connection's own isolation level


def defer_begin(engine: AsyncEngine) -> None:
    """Let plain reads on `engine` (asyncpg) run before BEGIN when no transaction is open."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute", named=True)
    def _before(conn: Connection, context: Any, **_: Any) -> None:
        pooled = conn.connection
        adapter: Any = pooled.dbapi_connection
        driver = pooled.driver_connection
        _restore(pooled.info, adapter)
        if (
            context is not None
            and driver is not None
            and context.execution_options.get(PLAIN_READ)
            and sync_engine.dialect.default_isolation_level == "READ COMMITTED"
            and adapter.isolation_level in _READ_COMMITTED
            and not driver.is_in_transaction()
        ):
            pooled.info[_DEFERRED] = True
            adapter.autocommit = True

    @event.listens_for(sync_engine, "after_cursor_execute", named=True)
    def _after(conn: Connection, **_: Any) -> None:
        _restore(conn.connection.info, conn.connection.dbapi_connection)

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None:
            _restore(record.info, dbapi_connection)
