"""The async engine, configured from StoreSettings for PostgreSQL or SQLite."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from sqlmodel_store.settings import StoreSettings


def create_engine(settings: StoreSettings) -> AsyncEngine:
    """Build the engine; nothing connects until the first unit of work."""
    if settings.is_sqlite:
        return _sqlite_engine(settings)
    return _postgres_engine(settings)


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
    return create_async_engine(
        settings.url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        pool_pre_ping=settings.database_pool_pre_ping,
        echo=settings.database_echo,
        hide_parameters=not settings.database_echo,
        connect_args=connect_args,
    )


def _sqlite_engine(settings: StoreSettings) -> AsyncEngine:
    is_file = settings.url.database not in (None, "", ":memory:")
    # A file gets the same pool limits as PostgreSQL; an in-memory database is one connection.
    pool: dict[str, Any] = {}
    if is_file:
        pool = {
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
