"""The async engine, configured from StoreSettings for PostgreSQL or SQLite."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from sqlmodel_store.db_errors import is_connection_lost, translate
from sqlmodel_store.deferred_begin import defer_begin
from sqlmodel_store.pool import StorePool
from sqlmodel_store.settings import StoreSettings

# The execution option that marks the connections of units of work: their errors are the
# store's own. Other users of the engine (migrations, the import tool) see SQLAlchemy's.
UNIT_OF_WORK = "sqlmodel_store_unit_of_work"
_COMMITTING = "sqlmodel_store_committing"
_RETURNED = "sqlmodel_store_returned_at"
# A connection back from work this recently is trusted without a round trip to the server
# (HikariCP's "alive bypass window"): SQLAlchemy's pre-ping costs three (BEGIN, a query,
# ROLLBACK) on every checkout. The driver is still asked whether it saw the connection close.
TRUSTED_FOR_S = 0.5


def create_engine(settings: StoreSettings) -> AsyncEngine:
    """Build the engine; nothing connects until the first unit of work."""
    engine = _sqlite_engine(settings) if settings.is_sqlite else _postgres_engine(settings)
    _translate_errors(engine)
    return engine


def _translate_errors(engine: AsyncEngine) -> None:
    """Errors of statements, BEGIN, COMMIT and ROLLBACK on a unit of work's connection, also
    through `uow.session` directly, become the store's own (the original as `__cause__`)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> BaseException | None:
        connection = context.connection
        options = (connection or context.engine or sync_engine).get_execution_options()
        if not options.get(UNIT_OF_WORK):
            return None
        error = context.sqlalchemy_exception or context.original_exception
        committing = (
            connection is not None
            and not connection.invalidated
            and bool(connection.info.pop(_COMMITTING, False))
        )
        translated = translate(error, committing=committing, connecting=connection is None)
        if isinstance(error, sa_exc.DBAPIError) and is_connection_lost(error):
            context.is_disconnect = True  # never hand a broken connection out again
        return translated

    @event.listens_for(sync_engine, "commit")
    def _on_commit(connection: Connection) -> None:
        connection.info[_COMMITTING] = True

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.info.pop(_COMMITTING, None)


def _postgres_engine(settings: StoreSettings) -> AsyncEngine:
    connect_args: dict[str, Any] = {}
    if settings.database_pgbouncer:
        # pgbouncer in transaction mode hands a session's statements to other server
        # connections: disable asyncpg's statement cache and make every prepared statement
        # name unique, so "prepared statement … already exists" cannot happen.
        connect_args = {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        }
    engine = create_async_engine(
        settings.url,
        poolclass=StorePool,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        echo=settings.database_echo,
        hide_parameters=not settings.database_echo,
        connect_args=connect_args,
    )
    if settings.database_pool_pre_ping:
        _check_on_checkout(engine)
    if not settings.database_pgbouncer and engine.dialect.driver == "asyncpg":
        defer_begin(engine)
    return engine


def _check_on_checkout(engine: AsyncEngine) -> None:
    """The pre-ping for PostgreSQL: drop connections the server closed, and ping only those
    idle for longer than TRUSTED_FOR_S (the pool replaces a failed one with a new one)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(
        dbapi_connection: DBAPIConnection,
        record: ConnectionPoolEntry,
        _: PoolProxiedConnection,
    ) -> None:
        returned = record.info.pop(_RETURNED, None)  # None: a connection opened just now
        if dbapi_connection.driver_connection.is_closed():
            raise sa_exc.DisconnectionError("the server closed the connection")
        if returned is None or time.monotonic() - returned < TRUSTED_FOR_S:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise sa_exc.DisconnectionError(f"the connection failed its ping: {error}") from error


def _sqlite_engine(settings: StoreSettings) -> AsyncEngine:
    is_file = settings.url.database not in (None, "", ":memory:")
    # A file gets the same pool limits as PostgreSQL; an in-memory database is one connection.
    pool: dict[str, Any] = {}
    if is_file:
        pool = {
            "poolclass": StorePool,
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_pool_timeout,
        }
    engine = create_async_engine(
        settings.url,
        pool_pre_ping=settings.database_pool_pre_ping,
        echo=settings.database_echo,
        hide_parameters=not settings.database_echo,
        # How long a unit waits for another unit's write lock before "database is locked".
        connect_args={"timeout": settings.database_pool_timeout},
        **pool,
    )
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        # Take transaction control from the sqlite3 module (it breaks SAVEPOINT) and make
        # SQLite enforce foreign keys, as PostgreSQL always does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if is_file:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two units that read and then write would
        # otherwise deadlock on the lock upgrade and one would fail with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
